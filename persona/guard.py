"""Grounding guard: every sentence of a generated answer must be supported by a passage.

A sentence is supported when it is close in meaning to one of the CEO's own passage sentences
(embedding cosine >= min_similarity), or when it is fairly close (>= lexical_similarity) and
most of its content words appear in one passage (overlap >= min_overlap). A sentence that
states a number the passages never mention is unsupported whatever its similarity.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from persona.config import GuardSettings
from persona.passages import Passage
from persona.text import strip_citations, terms

__all__ = ["CachedEmbedder", "Check", "Guard", "GuardScore", "Support", "evaluate"]

NUMBER = re.compile(r"(?<![\w.])\$?\d[\d,]*(?:\.\d+)?%?")
CITED = re.compile(r"\[(\d+)\]")
MIN_WORDS = 4


class Embeds:
    """Anything with `embed(texts)` returning one normalized vector per text."""

    def embed(self, texts: list[str]) -> Sequence[Sequence[float]]:
        raise NotImplementedError


class CachedEmbedder(Embeds):
    """Remembers recent embeddings (as float32 arrays), and computes the missing ones of a call
    in one batch."""

    def __init__(self, embedder: Embeds, size: int = 20_000) -> None:
        self.embedder = embedder
        self.size = size
        self.cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def embed(self, texts: list[str]) -> list[np.ndarray]:
        missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if missing:
            self._store(zip(missing, self.embedder.embed(missing), strict=True))
        for text in texts:
            self.cache.move_to_end(text)
        result = [self.cache[t] for t in texts]
        self._trim()
        return result

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def remember(self, vectors: Mapping[str, Sequence[float]]) -> None:
        """Take embeddings computed elsewhere (the corpus stores its sentences' at ingest)."""
        self._store(vectors.items())
        self._trim()

    def _store(self, items: Iterable[tuple[str, Sequence[float]]]) -> None:
        for text, vector in items:
            self.cache[text] = np.asarray(vector, dtype=np.float32)
            self.cache.move_to_end(text)

    def _trim(self) -> None:
        while len(self.cache) > self.size:
            self.cache.popitem(last=False)


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

    def __init__(self, passages: list[Passage], embedder: Embeds, settings: GuardSettings) -> None:
        self.settings = settings
        self.embedder = embedder
        # Fragments ("The Tide Report.", "None.") are too vague to support anything.
        pairs = [(p.n, s) for p in passages for s in p.own if len(s.split()) >= MIN_WORDS]
        self.owners = [n for n, _ in pairs]
        self.sentences = [s for _, s in pairs]
        vectors = embedder.embed(self.sentences) if self.sentences else [[0.0]]
        self.vectors = np.array(vectors, dtype=np.float32)[: len(self.sentences)]
        self.terms = {p.n: terms(" ".join(p.own)) for p in passages}
        known = " ".join(f"{p.label} {p.text}" for p in passages)
        self.numbers = {_number(n) for n in NUMBER.findall(known)}

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
        vectors = np.array(self.embedder.embed(plain), dtype=np.float32)
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
        novel = {_number(n) for n in NUMBER.findall(plain)} - self.numbers
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
        return Check(original, supported, passage, similarity, overlap, reason, evidence)


class Guard:
    def __init__(self, embedder: Embeds, settings: GuardSettings) -> None:
        self.embedder = embedder
        self.settings = settings

    def support(self, passages: list[Passage]) -> Support:
        return Support(passages, self.embedder, self.settings)


def cited(sentence: str) -> list[int]:
    return [int(n) for n in CITED.findall(sentence)]


def _number(text: str) -> str:
    return text.replace(",", "").replace("$", "").rstrip("%").lstrip("0") or "0"


@dataclass
class GuardScore:
    """How well the guard flags unsupported sentences on a labelled set."""

    total: int
    flagged_right: int  # unsupported and flagged
    flagged_wrong: int  # supported but flagged
    missed: int  # unsupported but kept

    @property
    def precision(self) -> float:
        flagged = self.flagged_right + self.flagged_wrong
        return self.flagged_right / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        unsupported = self.flagged_right + self.missed
        return self.flagged_right / unsupported if unsupported else 1.0

    @property
    def accuracy(self) -> float:
        return (self.total - self.flagged_wrong - self.missed) / self.total if self.total else 1.0


def evaluate(cases: list[dict[str, Any]], guard: Guard) -> GuardScore:
    """Score the guard on labelled cases: {passages: [text], sentences: [{text, supported}]}."""
    right = wrong = missed = total = 0
    for case in cases:
        passages = [_labelled_passage(n, text) for n, text in enumerate(case["passages"], 1)]
        items = case["sentences"]
        checks = guard.support(passages).check_many([item["text"] for item in items])
        for item, check in zip(items, checks, strict=True):
            total += 1
            if not check.supported and not item["supported"]:
                right += 1
            elif not check.supported:
                wrong += 1
            elif not item["supported"]:
                missed += 1
    return GuardScore(total, right, wrong, missed)


def _labelled_passage(n: int, text: str) -> Passage:
    from retrieval.search import Hit
    from retrieval.sentences import sentences

    hit = Hit(f"passage-{n}", n, f"passage {n}", "memo", None, "", text, None, 1.0)
    own = sentences(text)
    return Passage(n, hit, own=own, text=text)
