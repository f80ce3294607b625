"""Chroma vector store, partitioned by audience.

Each distinct audience ("all", "exec", "exec,finance", ...) has its own collection. A search
queries only the collections a user may read, so access control costs no metadata filter:
chromadb's filtered query is ~90x slower than an unfiltered one at 100k chunks (see README).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings

from retrieval.embeddings import Vector


@dataclass
class StoredChunk:
    id: str
    doc_id: int
    version: int
    text: str
    distance: float
    metadata: dict[str, Any]
    embedding: np.ndarray


def make_client(chroma_url: str, home: Path) -> ClientAPI:
    """An HttpClient for `chroma_url`, else a PersistentClient under the twin's home."""
    settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        url = urlparse(chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "localhost",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=settings,
        )
    return chromadb.PersistentClient(path=str(home / "chroma"), settings=settings)


class ChunkStore:
    def __init__(self, client: ClientAPI, prefix: str, hnsw: dict[str, int] | None = None) -> None:
        self.client = client
        self.prefix = prefix
        self.hnsw = hnsw or {}  # chromadb's HNSW settings for new partitions
        self._collections: dict[str, Collection] = {}

    def collection(self, audience: str) -> Collection:
        if audience not in self._collections:
            digest = hashlib.sha1(audience.encode()).hexdigest()[:16]
            self._collections[audience] = self.client.get_or_create_collection(
                f"{self.prefix}-{digest}",
                embedding_function=None,
                configuration=cast(Any, {"hnsw": {"space": "cosine", **self.hnsw}}),
                metadata={"audience": audience},
            )
        return self._collections[audience]

    def add(
        self,
        audience: str,
        ids: list[str],
        embeddings: list[np.ndarray],
        texts: list[str],
        metadatas: list[dict[str, Any]],
    ) -> None:
        self.collection(audience).upsert(
            ids=ids,
            embeddings=embeddings,
            documents=texts,
            metadatas=metadatas,  # type: ignore[arg-type]
        )

    def delete_versions(self, audience: str, doc_id: int, keep: int | None = None) -> None:
        """Delete a document's chunks in one partition, except those of version `keep`."""
        where: dict[str, Any] = {"doc_id": doc_id}
        if keep is not None:
            where = {"$and": [where, {"version": {"$ne": keep}}]}
        self.collection(audience).delete(where=where)

    def query(self, audience: str, embedding: Vector, n: int) -> list[StoredChunk]:
        result = self.collection(audience).query(
            query_embeddings=np.asarray([embedding], dtype=np.float32),
            n_results=n,
            include=["documents", "metadatas", "distances", "embeddings"],
        )
        rows = zip(
            result["ids"][0],
            result["documents"][0],  # type: ignore[index]
            result["metadatas"][0],  # type: ignore[index]
            result["distances"][0],  # type: ignore[index]
            result["embeddings"][0],  # type: ignore[index]
            strict=True,
        )
        return [_stored(*row) for row in rows]

    def get(self, audience: str, ids: list[str]) -> list[StoredChunk]:
        """These chunks of one partition, with their embeddings (distance left at 1.0)."""
        result = self.collection(audience).get(
            ids=ids,
            include=["documents", "metadatas", "embeddings"],
        )
        rows = zip(
            result["ids"],
            result["documents"],  # type: ignore[arg-type]
            result["metadatas"],  # type: ignore[arg-type]
            result["embeddings"],  # type: ignore[arg-type]
            strict=True,
        )
        return [_stored(chunk_id, text, meta, 1.0, vector) for chunk_id, text, meta, vector in rows]

    def count(self, audience: str) -> int:
        return self.collection(audience).count()


def _stored(
    chunk_id: str, text: str | None, meta: Any, distance: float, vector: Any
) -> StoredChunk:
    return StoredChunk(
        id=chunk_id,
        doc_id=int(meta["doc_id"]),
        version=int(meta["version"]),
        text=text or "",
        distance=float(distance),
        metadata=dict(meta),
        embedding=np.asarray(vector, dtype=np.float32),
    )
