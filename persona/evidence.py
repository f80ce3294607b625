"""Evidence for one answer: the passages, their sentences' embeddings, and how strong they are."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from persona.answering import answer_bonus
from persona.guard import Guard, Support
from persona.passages import Passage
from persona.text import terms
from retrieval.embeddings import Embedder

__all__ = ["Evidence", "gather", "sentence_scores"]

LEXICAL_WEIGHT = 0.25
TITLE_WEIGHT = 0.3


@dataclass
class Evidence:
    query: str
    query_vector: np.ndarray
    passages: list[Passage]
    support: Support
    scores: np.ndarray  # relevance of each passage sentence to the question
    strength: float  # top passage score + best sentence cosine

    def best_score(self, n: int) -> float:
        owned = np.array(self.support.owners) == n
        return float(self.scores[owned].max()) if owned.any() else 0.0


def gather(
    query: str,
    passages: list[Passage],
    embedder: Embedder,
    guard: Guard,
    weights: Mapping[str, float] | None = None,
) -> Evidence:
    """Embed the query, titles and the CEO's sentences in one batch and score them; `weights`
    say how specific each query term is (persona.vocabulary), else every term counts alike."""
    titles = [p.hit.title for p in passages]
    embedder.embed([query, *titles, *(s for p in passages for s in p.own)])
    support = guard.support(passages)
    query_vector = np.array(embedder.embed([query])[0], dtype=np.float32)
    title_vectors = np.array(embedder.embed(titles), dtype=np.float32)
    by_number = {p.n: v for p, v in zip(passages, title_vectors, strict=True)}
    best_sentence = float((support.vectors @ query_vector).max()) if support.sentences else 0.0
    return Evidence(
        query=query,
        query_vector=query_vector,
        passages=passages,
        support=support,
        scores=sentence_scores(support, query_vector, query, by_number, weights),
        strength=passages[0].hit.score + best_sentence,
    )


def sentence_scores(
    support: Support,
    query_vector: np.ndarray,
    query: str,
    title_vectors: dict[int, np.ndarray],
    weights: Mapping[str, float] | None = None,
) -> np.ndarray:
    """Relevance of every passage sentence to the query: cosine, plus the share of the query's
    terms it holds (weighted by how specific each is), plus closeness to its document's title
    (the title names the main point), plus whether it answers the question rather than
    restates it (persona.answering)."""
    if not support.sentences:
        return np.zeros(0, dtype=np.float32)
    wanted = terms(query)
    weight = {t: (weights or {}).get(t, 1.0) for t in wanted}
    whole = sum(weight.values())
    lexical = [
        sum(weight[t] for t in wanted & terms(s)) / whole if whole else 0.0
        for s in support.sentences
    ]
    titles = np.stack([title_vectors[n] for n in support.owners])
    central = (support.vectors * titles).sum(axis=1)
    return (
        support.vectors @ query_vector
        + LEXICAL_WEIGHT * np.array(lexical, dtype=np.float32)
        + TITLE_WEIGHT * central
        + answer_bonus(query, support.sentences)
    )
