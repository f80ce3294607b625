"""Search: dense and lexical (BM25) candidates from the partitions a user may read, fused.

Every candidate, found by either, is checked against the SQL registry (its document's live
version, audience and the asker's access), then ranked by
relevance = (1 - lexical_weight) * cosine similarity + lexical_weight * BM25 / best BM25.
BM25 matches the question's topic, without the words that frame the request ("what did she
say about", "summarise the discussion of": retrieval.framing).
Then recency: when two chunks are on the same topic (their embeddings are close), the newer
one is nearly as relevant, and its document says a position stated before has changed ("I
was wrong", "what changed"), the newer ranks first. A CEO's latest word on a topic is the one
that counts, unless the older statement answers the question clearly better. A newer document
that merely revisits a topic (a yearly letter on the same businesses) supersedes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date

import numpy as np

from retrieval.access import can_read
from retrieval.corpus import Corpus
from retrieval.embeddings import Vector
from retrieval.framing import topic
from retrieval.lexical import LexicalScores
from retrieval.store import StoredChunk
from retrieval.terms import STOPWORDS, WORD, terms
from twin.injection import SCREENING
from twin.models import Document
from twin.sections.retrieval import RetrievalSettings

__all__ = ["STOPWORDS", "WORD", "Hit", "query_partitions", "search", "supersede", "terms"]


@dataclass
class Hit:
    chunk_id: str
    doc_id: int
    title: str
    kind: str
    date: str | None
    source: str
    text: str
    speaker: str | None
    score: float
    date_precision: str | None = None  # "day", "month" or "year" (retrieval.dates.describe)
    section: str | None = None  # heading of the chunk's section in a long document
    table: bool = False  # the chunk is rows of a table or figures, not prose
    screened: bool = False  # ingest found nothing to screen out by today's rules (twin.injection)

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        del data["screened"]
        if self.kind != "meeting":
            del data["speaker"]
        return data


def search(
    corpus: Corpus,
    query: str,
    groups: Iterable[str],
    k: int | None = None,
    embedding: Vector | None = None,
) -> list[Hit]:
    """The k best chunks for `query` that a member of `groups` may read (`embedding`: the
    query's, when the caller has it already)."""
    groups = set(groups)
    settings = corpus.settings.retrieval
    visible = [a for a in corpus.audiences() if can_read(a, groups)]
    if not query.strip() or not visible:
        return []
    if embedding is None:
        embedding = corpus.embedder.embed_one(query)
    candidates = query_partitions(corpus, visible, embedding, settings.candidates)
    lexical = corpus.lexical.scores(visible, topic(query))  # without request framing
    if settings.lexical_candidates:
        candidates += lexical_candidates(
            corpus, lexical, settings.lexical_candidates, candidates, embedding
        )
    docs = corpus.live({c.doc_id for c in candidates})
    allowed = [c for c in candidates if _is_live(c, docs.get(c.doc_id), groups)]
    k = k or settings.top_k
    sentences: dict[str, float] = {}
    if settings.sentence_weight and allowed:
        vector = np.asarray(embedding, dtype=np.float32)
        sentences = corpus.best_sentences([c.id for c in allowed], vector)
    return rank(allowed, docs, lexical, sentences, settings, k)[:k]


def lexical_candidates(
    corpus: Corpus,
    lexical: LexicalScores,
    n: int,
    dense: list[StoredChunk],
    embedding: Vector,
) -> list[StoredChunk]:
    """The n best BM25 chunks of each readable partition that dense retrieval did not find,
    read from the chunk store with their embeddings (their cosine with the query is computed
    here, so both kinds of candidate are ranked alike)."""
    found = {c.id for c in dense}
    query = np.asarray(embedding, dtype=np.float32)
    query = query / (np.linalg.norm(query) or 1.0)
    chunks = []
    for audience, ids in lexical.top(n).items():
        missing = [chunk_id for chunk_id in ids if chunk_id not in found]
        for chunk in corpus.store.get(audience, missing) if missing else []:
            vector = chunk.embedding / (np.linalg.norm(chunk.embedding) or 1.0)
            chunk.distance = 1.0 - float(vector @ query)
            chunks.append(chunk)
    return chunks


_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="partition-query")


def query_partitions(
    corpus: Corpus, audiences: list[str], embedding: Vector, n: int
) -> list[StoredChunk]:
    """Each readable partition, queried in parallel (chromadb's core releases the GIL)."""
    if len(audiences) == 1:
        return corpus.store.query(audiences[0], embedding, n)
    results = _pool.map(lambda audience: corpus.store.query(audience, embedding, n), audiences)
    return [chunk for chunks in results for chunk in chunks]


def _is_live(chunk: StoredChunk, doc: Document | None, groups: set[str]) -> bool:
    """A chunk counts only at its document's current version, audience and access."""
    return (
        doc is not None
        and doc.version == chunk.version
        and doc.audience == chunk.metadata.get("audience")
        and can_read(doc.audience, groups)
    )


def rank(
    chunks: list[StoredChunk],
    docs: dict[int, Document],
    lexical: LexicalScores,
    sentences: dict[str, float],
    settings: RetrievalSettings,
    k: int,
) -> list[Hit]:
    """relevance = (1 - lexical_weight) * cosine + lexical_weight * BM25 (as a share of the
    best BM25 score among the candidates); then recency (supersede)."""
    if not chunks:
        return []
    bm25 = np.array([lexical.score(c.metadata.get("audience"), c.id) for c in chunks])
    bm25 = bm25 / bm25.max() if bm25.max() > 0 else bm25
    weight = settings.lexical_weight
    relevance = [
        (1 - weight) * dense + weight * float(b)
        for dense, b in zip(_dense(chunks, sentences, settings), bm25, strict=True)
    ]
    dates = [docs[c.doc_id].date for c in chunks]
    vectors = np.stack([c.embedding for c in chunks])
    same_topic = vectors @ vectors.T >= settings.topic_similarity
    revising = [docs[c.doc_id].revises for c in chunks]
    scores = supersede(relevance, dates, same_topic, revising, settings.recency_margin, k)
    hits = [_hit(c, docs[c.doc_id], score) for c, score in zip(chunks, scores, strict=True)]
    return sorted(hits, key=lambda h: h.score, reverse=True)


def _dense(
    chunks: list[StoredChunk], sentences: dict[str, float], settings: RetrievalSettings
) -> list[float]:
    """The chunk's cosine with the query, blended with its best sentence's (sentence_weight):
    a long chunk's one sentence on the question is not drowned by the rest."""
    weight = settings.sentence_weight
    return [
        (1 - weight) * (1 - c.distance) + weight * sentences.get(c.id, 1 - c.distance)
        for c in chunks
    ]


def supersede(
    relevance: list[float],
    dates: list[date | None],
    same_topic: np.ndarray,
    revising: list[bool],
    margin: float,
    k: int,
) -> list[float]:
    """For each of the k most relevant chunks, the best newer chunk on the same topic from a
    document that revises a position moves just above it when its relevance is within
    `margin`: the CEO's latest word on a topic ranks first unless the older statement is
    clearly more relevant."""
    scores = list(relevance)
    top = sorted(range(len(relevance)), key=lambda i: relevance[i], reverse=True)[:k]
    for i in top:
        mine = dates[i]
        newer = [
            j
            for j, later in enumerate(dates)
            if mine
            and later
            and later > mine
            and revising[j]
            and same_topic[i, j]
            and relevance[i] - margin <= relevance[j] < relevance[i]
        ]
        if newer:
            best = max(newer, key=lambda j: relevance[j])
            scores[best] = max(scores[best], scores[i] + 1e-4)
    return scores


def _hit(chunk: StoredChunk, doc: Document, score: float) -> Hit:
    return Hit(
        chunk_id=chunk.id,
        doc_id=doc.id,
        title=doc.title,
        kind=doc.kind,
        date=doc.date.isoformat() if doc.date else None,
        source=doc.source,
        text=chunk.text,
        speaker=chunk.metadata.get("speaker"),
        score=round(score, 4),
        date_precision=doc.date_precision if doc.date else None,
        section=str(chunk.metadata["section"]) if chunk.metadata.get("section") else None,
        table=bool(chunk.metadata.get("table")),
        screened=chunk.metadata.get("screened") == SCREENING,
    )
