"""Time of an answer: its stages, and the part spent waiting for the LLM."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator

__all__ = ["Clock", "Waited"]


class Clock:
    """Milliseconds spent in each stage of an answer, and in all."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.laps: dict[str, int] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round((now - self.last) * 1000)
        self.last = now

    def total(self) -> int:
        return round((time.perf_counter() - self.start) * 1000)


class Waited:
    """Iterates the LLM's stream, adding up the time spent waiting for it (the rest of an
    answer's time, the guard included, is the pipeline's own)."""

    def __init__(self, pieces: Iterable[str]) -> None:
        self.pieces = iter(pieces)
        self.seconds = 0.0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        start = time.perf_counter()
        try:
            return next(self.pieces)
        finally:
            self.seconds += time.perf_counter() - start
