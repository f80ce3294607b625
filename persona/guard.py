"""Grounding guard: every sentence of a generated answer must be supported by a passage.

A sentence is supported when it is close in meaning to one of the CEO's own passage sentences
(embedding cosine >= min_similarity), or when it is fairly close (>= lexical_similarity) and
most of its content words appear in one passage (overlap >= min_overlap). A sentence that
states a number the passages never mention is unsupported whatever its similarity.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from persona.claims import Known, changed_claim, numbers_in
from persona.passages import Passage
from persona.text import terms
from retrieval.embeddings import Embedder
from twin.sections.persona import GuardSettings
from twin.text import MARKER, strip_citations

__all__ = ["Check", "Guard", "Support", "cited"]

MIN_WORDS = 4
CLOSEST = 3  # passage sentences a supported sentence is compared with for a changed claim


@dataclass
class Check:
    sentence: str
    supported: bool
    passage: int | None  # number of the passage that supports it best
    similarity: float
    overlap: float
    reason: str
    evidence: str = ""  # the passage sentence closest to it


class Support:
    """The evidence for one answer: passage sentences, their embeddings, terms and numbers."""

    def __init__(
        self, passages: list[Passage], embedder: Embedder, settings: GuardSettings
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        # Fragments ("The Tide Report.", "None.") are too vague to support anything.
        pairs = [(p.n, s) for p in passages for s in p.own if len(s.split()) >= MIN_WORDS]
        self.owners = [n for n, _ in pairs]
        self.sentences = [s for _, s in pairs]
        self.vectors = embedder.encode(self.sentences) if self.sentences else np.zeros((0, 0))
        self.terms = {p.n: terms(" ".join(p.own)) for p in passages}
        self.known = " ".join(f"{p.label} {p.text}" for p in passages)

    # Only generated sentences are checked for numbers and changed claims: a quote-mode answer
    # (the CEO's own sentences) never reads these.
    @cached_property
    def numbers(self) -> set[str]:
        return numbers_in(self.known)

    @cached_property
    def claims(self) -> Known:
        return Known.of(self.known)

    def check(self, sentence: str) -> Check:
        return self.check_many([sentence])[0]

    def prepare(self, sentence: str) -> None:
        """Embed a sentence ahead of its check (a cached embedder keeps the vector)."""
        if self.sentences:  # else the check needs no embedding
            self.embedder.embed([strip_citations(sentence)])

    def check_many(self, items: list[str]) -> list[Check]:
        plain = [strip_citations(s) for s in items]
        if not self.sentences or not plain:
            return [Check(s, False, None, 0.0, 0.0, "no passages") for s in items]
        vectors = self.embedder.encode(plain)
        similarities = vectors @ self.vectors.T
        return [
            self._judge(s, p, row) for s, p, row in zip(items, plain, similarities, strict=True)
        ]

    def _judge(self, original: str, plain: str, similarities: np.ndarray) -> Check:
        best = int(similarities.argmax())
        similarity = float(similarities[best])
        passage = self.owners[best]
        wanted = terms(plain)
        overlap = len(wanted & self.terms[passage]) / len(wanted) if wanted else 0.0
        novel = numbers_in(plain) - self.numbers
        evidence = self.sentences[best]
        if not wanted:
            reason, supported = "no content", False
        elif novel:
            reason, supported = f"numbers not in the passages: {', '.join(sorted(novel))}", False
        else:
            supported = similarity >= self.settings.min_similarity or (
                similarity >= self.settings.lexical_similarity
                and overlap >= self.settings.min_overlap
            )
            reason = "supported" if supported else "not in the passages"
            if supported:
                closest = [self.sentences[i] for i in np.argsort(-similarities)[:CLOSEST]]
                changed = changed_claim(plain, closest, self.claims)
                supported, reason = not changed, changed or reason
        return Check(original, supported, passage, similarity, overlap, reason, evidence)


class Guard:
    def __init__(self, embedder: Embedder, settings: GuardSettings) -> None:
        self.embedder = embedder
        self.settings = settings

    def support(self, passages: list[Passage]) -> Support:
        return Support(passages, self.embedder, self.settings)


def cited(sentence: str) -> list[int]:
    return [int(n) for n in MARKER.findall(sentence)]
