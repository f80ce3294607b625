"""Search: dense candidates from the partitions a user may read, re-ranked for a CEO twin.

score = (1 - lexical_weight) * cosine + lexical_weight * term overlap + recency_weight * freshness
Freshness halves every `recency_half_life_days` behind the newest candidate, so a newer
statement on the same topic outranks an older one unless the older is clearly more relevant.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date

from retrieval.access import can_read
from retrieval.corpus import Corpus
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


def search(corpus: Corpus, query: str, groups: Iterable[str], k: int | None = None) -> list[Hit]:
    """The k best chunks for `query` that a member of `groups` may read."""
    groups = set(groups)
    settings = corpus.settings.retrieval
    visible = [a for a in corpus.audiences() if can_read(a, groups)]
    if not query.strip() or not visible:
        return []
    embedding = corpus.embedder.embed_one(query)
    candidates = [c for a in visible for c in corpus.store.query(a, embedding, settings.candidates)]
    docs = corpus.live({c.doc_id for c in candidates})
    allowed = [c for c in candidates if _is_live(c, docs.get(c.doc_id), groups)]
    ranked = rank(
        query,
        allowed,
        docs,
        settings.lexical_weight,
        settings.recency_weight,
        settings.recency_half_life_days,
    )
    return ranked[: k or settings.top_k]


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
    recency_weight: float,
    half_life_days: float,
) -> list[Hit]:
    if not chunks:
        return []
    lexical = lexical_scores(query, [f"{docs[c.doc_id].title} {c.text}" for c in chunks])
    dates = [docs[c.doc_id].date for c in chunks]
    newest = max((d for d in dates if d), default=None)
    hits = []
    for chunk, lex, when in zip(chunks, lexical, dates, strict=True):
        doc = docs[chunk.doc_id]
        score = (
            (1 - lexical_weight) * (1 - chunk.distance)
            + lexical_weight * lex
            + recency_weight * freshness(when, newest, half_life_days)
        )
        hits.append(_hit(chunk, doc, score))
    return sorted(hits, key=lambda h: h.score, reverse=True)


def freshness(when: date | None, newest: date | None, half_life_days: float) -> float:
    if when is None or newest is None:
        return 0.0
    return 0.5 ** ((newest - when).days / half_life_days)


def terms(text: str) -> set[str]:
    return {_stem(w) for w in WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


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
        doc_id=doc.id,
        title=doc.title,
        kind=doc.kind,
        date=doc.date.isoformat() if doc.date else None,
        source=doc.source,
        text=chunk.text,
        speaker=chunk.metadata.get("speaker"),  # type: ignore[arg-type]
        score=round(score, 4),
    )
