"""Search: dense candidates from the partitions a user may read, re-ranked for a CEO twin.

relevance = (1 - lexical_weight) * cosine similarity + lexical_weight * query-term overlap.
Then recency: when two chunks are on the same topic (their embeddings are close) and the newer
one is nearly as relevant, the newer ranks first. A CEO's latest word on a topic is the one
that counts, unless the older statement answers the question clearly better.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from retrieval.access import can_read
from retrieval.corpus import Corpus
from retrieval.embeddings import Vector
from retrieval.store import StoredChunk
from twin.models import Document

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORD_TEXT = """
a about above after again all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers him his how i if in into is it its itself just me more
most my no nor not now of off on once only or other our ours out over own same she should so
some such than that the their theirs them then there these they this those through to too
under until up very was we were what when where which while who whom why will with would you
your yours we're i'm it's what's don't
"""
STOPWORDS = frozenset(STOPWORD_TEXT.split())


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

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
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
    docs = corpus.live({c.doc_id for c in candidates})
    allowed = [c for c in candidates if _is_live(c, docs.get(c.doc_id), groups)]
    k = k or settings.top_k
    ranked = rank(
        query,
        allowed,
        docs,
        settings.lexical_weight,
        settings.recency_margin,
        settings.topic_similarity,
        k,
    )
    return ranked[:k]


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
    query: str,
    chunks: list[StoredChunk],
    docs: dict[int, Document],
    lexical_weight: float,
    recency_margin: float,
    topic_similarity: float,
    k: int,
) -> list[Hit]:
    if not chunks:
        return []
    lexical = lexical_scores(query, [f"{docs[c.doc_id].title} {c.text}" for c in chunks])
    relevance = [
        (1 - lexical_weight) * (1 - c.distance) + lexical_weight * lex
        for c, lex in zip(chunks, lexical, strict=True)
    ]
    dates = [docs[c.doc_id].date for c in chunks]
    vectors = np.stack([c.embedding for c in chunks])
    same_topic = vectors @ vectors.T >= topic_similarity
    scores = supersede(relevance, dates, same_topic, recency_margin, k)
    hits = [_hit(c, docs[c.doc_id], score) for c, score in zip(chunks, scores, strict=True)]
    return sorted(hits, key=lambda h: h.score, reverse=True)


def supersede(
    relevance: list[float],
    dates: list[date | None],
    same_topic: np.ndarray,
    margin: float,
    k: int,
) -> list[float]:
    """For each of the k most relevant chunks, the best newer chunk on the same topic moves
    just above it when its relevance is within `margin`: the CEO's latest word on a topic
    ranks first unless the older statement is clearly more relevant."""
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
            and same_topic[i, j]
            and relevance[i] - margin <= relevance[j] < relevance[i]
        ]
        if newer:
            best = max(newer, key=lambda j: relevance[j])
            scores[best] = max(scores[best], scores[i] + 1e-4)
    return scores


@lru_cache(maxsize=8192)
def terms(text: str) -> frozenset[str]:
    """Content words, crudely stemmed; cached, since the same chunks come back query after query."""
    words = WORD.findall(text.lower())
    return frozenset(_stem(w) for w in words if w not in STOPWORDS and len(w) > 1)


def _stem(word: str) -> str:
    for suffix in ("'s", "ing", "es", "s", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def lexical_scores(query: str, texts: list[str]) -> list[float]:
    """IDF-weighted share of the query's terms that each text contains (0..1)."""
    wanted = terms(query)
    if not wanted:
        return [0.0] * len(texts)
    bags = [terms(text) for text in texts]
    n = len(bags)
    idf = {t: math.log(1 + n / (1 + sum(1 for bag in bags if t in bag))) for t in wanted}
    total = sum(idf.values())
    return [sum(idf[t] for t in wanted if t in bag) / total for bag in bags]


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
    )
