"""The simplest possible RAG, as a baseline for retrieval quality: each file's raw text in
1,000-character pieces (langchain's recursive splitter, no overlap), the same MiniLM model,
one Chroma collection, top 5 by cosine. No access control, titles, dates or re-ranking."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import chromadb
from chromadb.config import Settings as ChromaSettings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from retrieval.embeddings import Embedder
from retrieval.ingest import find_files

CHUNK_CHARS = 1000


@dataclass
class NaiveHit:
    source: str
    text: str


class NaiveRag:
    def __init__(self, home: Path, name: str, embedder: Embedder) -> None:
        client = chromadb.PersistentClient(
            path=str(home / "naive-rag"), settings=ChromaSettings(anonymized_telemetry=False)
        )
        self.collection = client.get_or_create_collection(
            f"naive-{name}", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        self.embedder = embedder

    def index(self, folder: Path) -> None:
        """Chunk and embed every file once (kept in the home folder between runs)."""
        if self.collection.count():
            return
        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_CHARS, chunk_overlap=0)
        texts, sources = [], []
        for path in find_files([folder]):
            for piece in splitter.split_text(path.read_text(encoding="utf-8", errors="replace")):
                texts.append(piece)
                sources.append(str(path.resolve()))
        vectors = self.embedder.encode(texts)
        for start in range(0, len(texts), 4000):
            end = start + 4000
            self.collection.add(
                ids=[str(i) for i in range(start, min(end, len(texts)))],
                embeddings=vectors[start:end].tolist(),
                documents=texts[start:end],
                metadatas=[{"source": s} for s in sources[start:end]],
            )

    def search(self, query: str, k: int = 5) -> list[NaiveHit]:
        result = self.collection.query(
            query_embeddings=[self.embedder.embed_one(query)],
            n_results=k,
            include=["documents", "metadatas"],
        )
        return [
            NaiveHit(str(meta["source"]), text or "")
            for text, meta in zip(result["documents"][0], result["metadatas"][0], strict=True)  # type: ignore[index]
        ]
