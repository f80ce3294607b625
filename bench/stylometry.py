"""Burrows' Delta: how far a text's use of common words is from an author's.

Features are the most frequent words of all the authors' texts together (mostly function words,
which people use without thinking, so they mark style rather than topic). Each word's relative
frequency becomes a z-score against its mean and spread over segments of every author's text;
an author's profile is the mean z-score of their segments. Delta is the mean absolute
difference between a text's z-scores and a profile: lower is closer. (Burrows 2002, "'Delta':
a Measure of Stylistic Difference and a Guide to Likely Authorship".)
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

__all__ = ["Delta", "words"]

WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("\u2019", "'"))


class Delta:
    def __init__(self, authors: dict[str, str], features: int = 150, segment: int = 300) -> None:
        tokens = {name: words(text) for name, text in authors.items()}
        counts = Counter(w for ws in tokens.values() for w in ws)
        self.vocabulary = [w for w, _ in counts.most_common(features)]
        segments = {
            name: [ws[i : i + segment] for i in range(0, max(len(ws) - segment + 1, 1), segment)]
            for name, ws in tokens.items()
        }
        rows = np.array([self._frequencies(s) for parts in segments.values() for s in parts])
        self.mean = rows.mean(axis=0)
        self.std = rows.std(axis=0) + 1e-9
        self.profiles = {
            name: np.mean([self._z(s) for s in parts], axis=0) for name, parts in segments.items()
        }

    def distance(self, text: str, author: str) -> float:
        return float(np.mean(np.abs(self._z(words(text)) - self.profiles[author])))

    def closest(self, text: str) -> str:
        return min(self.profiles, key=lambda author: self.distance(text, author))

    def _frequencies(self, tokens: list[str]) -> np.ndarray:
        counts = Counter(tokens)
        return np.array([counts[w] for w in self.vocabulary]) / max(len(tokens), 1)

    def _z(self, tokens: list[str]) -> np.ndarray:
        return (self._frequencies(tokens) - self.mean) / self.std
