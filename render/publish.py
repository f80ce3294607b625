"""The delivery seam: a Publisher posts a finished clip where the job says (its `target`).

The Slack bot implements one that uploads the clip into the thread. A worker calls `publish` at
most once per job: it first claims the delivery in the database (a conditional UPDATE that also
re-checks consent), then publishes, then marks the job posted. A worker that dies between the
claim and the mark leaves the job failed rather than risk a second post (see render.jobs).

Publishers are found by name in a small registry, or as "module:factory"; a factory takes the
twin settings and returns a Publisher.
"""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from render.errors import RenderError

if TYPE_CHECKING:
    from render.jobs import Job

__all__ = [
    "LogPublisher",
    "Publisher",
    "RecordingPublisher",
    "RetryPublish",
    "create_publisher",
    "publisher_names",
    "register_publisher",
]


class RetryPublish(Exception):
    """Raised by `publish` when nothing was delivered and trying later is safe (rate limit)."""


class Publisher:
    """Base class of the publishers. Subclasses implement `publish`."""

    def publish(self, job: Job, clip_path: Path) -> None:
        """Deliver `clip_path` to `job.target`. Raise RetryPublish only if nothing was sent."""
        raise NotImplementedError

    def failed(self, job: Job, error: str) -> None:
        """Told once when a job fails for good (to tell the requester); optional."""


class LogPublisher(Publisher):
    """The embedded default: appends one JSON line per delivered clip to a file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def publish(self, job: Job, clip_path: Path) -> None:
        self._write({"event": "published", "job": job.id, "clip": str(clip_path), **_who(job)})

    def failed(self, job: Job, error: str) -> None:
        self._write({"event": "failed", "job": job.id, "error": error, **_who(job)})

    def _write(self, record: dict[str, Any]) -> None:
        record["at"] = datetime.now(UTC).isoformat()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")


@dataclass
class RecordingPublisher(Publisher):
    """The test double: remembers every call; `fail_with` makes `publish` raise it."""

    published: list[tuple[int, Path]] = field(default_factory=list)
    failures: list[tuple[int, str]] = field(default_factory=list)
    fail_with: BaseException | None = None

    def publish(self, job: Job, clip_path: Path) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.published.append((job.id, clip_path))

    def failed(self, job: Job, error: str) -> None:
        self.failures.append((job.id, error))


def _who(job: Job) -> dict[str, Any]:
    return {"persona": job.persona, "target": job.target}


_PUBLISHERS: dict[str, Callable[[Any], Publisher]] = {
    "log": lambda settings: LogPublisher(Path(settings.home) / "deliveries.jsonl"),
}


def register_publisher(name: str, factory: Callable[[Any], Publisher]) -> None:
    """Make `render.jobs.publisher: NAME` build publishers with `factory(settings)`."""
    _PUBLISHERS[name] = factory


def publisher_names() -> list[str]:
    return sorted(_PUBLISHERS)


def create_publisher(spec: str, settings: Any) -> Publisher:
    """The publisher named by `spec` (a registered name or "module:factory") for `settings`."""
    if spec in _PUBLISHERS:
        return _PUBLISHERS[spec](settings)
    module_name, _, attr = spec.partition(":")
    if not attr:
        raise RenderError(
            f"render.jobs.publisher {spec!r}: not a registered publisher "
            f"({', '.join(publisher_names())}) and not of the form module:factory"
        )
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise RenderError(f"render.jobs.publisher {spec!r}: cannot be loaded ({exc})") from None
    publisher = factory(settings)
    if not isinstance(publisher, Publisher):
        raise RenderError(f"render.jobs.publisher {spec!r}: the factory returned no Publisher")
    return publisher
