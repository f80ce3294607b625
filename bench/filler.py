"""Filler for benchmarks at scale: 100k chunks of real text with real-shaped embeddings.

Encoding 100k texts takes about an hour on 2 cores, so the filler reuses a few hundred real
chunks of Berkshire letters (../shared/corpora) as seeds: each filler chunk is a seed's text
with the seed's MiniLM embedding plus small noise, so the index has a realistic shape. Filler
documents are registered like ingested ones (10 chunks each, spread over audiences and dates),
with their sentence embeddings when the seeds carry them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import func, insert, select

from bench.common import letter_chunks
from retrieval.corpus import Corpus
from retrieval.embeddings import pack
from retrieval.store import ChunkStore
from twin.injection import SCREENING, injection_free
from twin.models import ChunkSentences, Document
from twin.text import chunk_sentences

AUDIENCES = {"all": 0.85, "exec": 0.10, "finance": 0.05}
PER_DOC = 10
BATCH = 5000


@dataclass
class Seeds:
    texts: list[str]
    vectors: np.ndarray
    sentences: dict[str, dict[str, object]]  # text -> its sentence_row fields, when wanted
    clean: list[bool]  # injection_free, as ingest finds it

    def metadata(self, pick: int) -> dict[str, object]:
        """What ingest stores beside a chunk of this seed's text, besides its place."""
        return {"screened": SCREENING} if self.clean[pick] else {}


def make_seeds(corpus: Corpus, files: int = 8, with_sentences: bool = False) -> Seeds:
    texts = letter_chunks(limit_files=files)
    vectors = corpus.embedder.encode(texts)
    rows: dict[str, dict[str, object]] = {}
    if with_sentences:
        split = {t: chunk_sentences(t, "memo") for t in texts}
        unique = list(dict.fromkeys(s for sentences in split.values() for s in sentences))
        encoded = dict(zip(unique, corpus.embedder.encode(unique), strict=True))
        for text, sentences in split.items():
            packed = pack(np.stack([encoded[s] for s in sentences]))
            rows[text] = {"sentences": sentences, "vectors": packed}
    return Seeds(texts, vectors, rows, [injection_free(t, "memo") for t in texts])


def fill(
    corpus: Corpus, seeds: Seeds, total: int, flat: ChunkStore | None = None, noise: float = 0.02
) -> None:
    """Add `total` filler chunks to the corpus (and all of them to `flat`, unpartitioned)."""
    rng = np.random.default_rng(7)
    first = _next_doc_id(corpus)
    docs = total // PER_DOC
    names, weights = list(AUDIENCES), list(AUDIENCES.values())
    audiences = random.Random(7).choices(names, weights, k=docs)
    _register(corpus, first, audiences)
    for start in range(0, total, BATCH):
        ids = range(start, min(start + BATCH, total))
        picks = rng.integers(0, len(seeds.texts), len(ids))
        vectors = seeds.vectors[picks] + rng.normal(0, noise, (len(ids), seeds.vectors.shape[1]))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        texts = [seeds.texts[p] for p in picks]
        chunk_ids = [f"filler-{i}" for i in ids]
        doc_ids = [first + i // PER_DOC for i in ids]
        metas = [
            {"doc_id": d, "version": 1, "audience": audiences[i // PER_DOC], **seeds.metadata(p)}
            for i, d, p in zip(ids, doc_ids, picks, strict=True)
        ]
        if flat is not None:
            flat.add("all", chunk_ids, vectors.tolist(), texts, metas)
        for name in names:
            mine = [j for j, meta in enumerate(metas) if meta["audience"] == name]
            if mine:
                corpus.store.add(
                    name,
                    [chunk_ids[j] for j in mine],
                    vectors[mine].tolist(),
                    [texts[j] for j in mine],
                    [metas[j] for j in mine],
                )
        if seeds.sentences:
            rows = [
                {"chunk_id": c, "doc_id": d, "version": 1, **seeds.sentences[t]}
                for c, d, t in zip(chunk_ids, doc_ids, texts, strict=True)
            ]
            with corpus.sessions() as session:
                session.execute(insert(ChunkSentences), rows)
                session.commit()


def _next_doc_id(corpus: Corpus) -> int:
    with corpus.sessions() as session:
        return (session.scalar(select(func.max(Document.id))) or 0) + 1


def _register(corpus: Corpus, first: int, audiences: list[str]) -> None:
    with corpus.sessions() as session:
        session.add_all(
            Document(
                id=first + i,
                source=f"bench://filler/{i}",
                title=f"Filler document {i}",
                kind="memo",
                date=date(2024, 1, 1) + timedelta(days=i % 700),
                audience=audience,
                sha256="0" * 64,
                version=1,
                chunk_count=PER_DOC,
                ingested_by="bench",
                text_preview="",
            )
            for i, audience in enumerate(audiences)
        )
        corpus.changed(session)
        session.commit()
