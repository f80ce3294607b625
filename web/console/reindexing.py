"""Reindexing the whole corpus from the console: one run at a time, in the background, its
summary (or the error that stopped it) shown on the Corpus page. The work is retrieval's
(`retrieval.reindex.reindex`, the same as `twin reindex`)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from retrieval.corpus import Corpus

__all__ = ["ReindexJob", "Reindexes", "describe"]


@dataclass
class ReindexJob:
    id: str
    by: str
    done: bool = False
    summary: str = ""
    error: str = ""


class Reindexes:
    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self._latest: ReindexJob | None = None
        self._lock = threading.Lock()

    def start(self, by: str, reindex: Callable[[Corpus], object]) -> ReindexJob | None:
        """Run `reindex(corpus)` in a background thread; None if a run is still going."""
        with self._lock:
            if self._latest is not None and not self._latest.done:
                return None
            job = self._latest = ReindexJob(uuid.uuid4().hex[:12], by)
        threading.Thread(target=self._run, args=(job, reindex), daemon=True).start()
        return job

    def latest(self) -> ReindexJob | None:
        with self._lock:
            return self._latest

    def _run(self, job: ReindexJob, reindex: Callable[[Corpus], object]) -> None:
        try:
            job.summary = describe(reindex(self.corpus))
        except Exception as exc:  # shown on the page; the index is retrieval's to keep whole
            job.error = f"reindex stopped: {exc.__class__.__name__}: {exc}"
        finally:
            job.done = True


def describe(summary: object) -> str:
    """One line for the page: the summary's fields (its to_json), else its text."""
    to_json = getattr(summary, "to_json", None)
    data = to_json() if callable(to_json) else None
    if not isinstance(data, dict):
        return str(summary)
    return "; ".join(f"{key}: {_value(value)}" for key, value in data.items())


def _value(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} ({v})" for k, v in value.items()) or "none"
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or "none"
    return str(value)
