"""Files uploaded in the console, ingested in the background with progress to show.

Each upload batch is written under TWIN_HOME/uploads/console-ID/ and ingested by the one
Ingestor (`twin ingest` and Slack uploads use the same), one file result at a time, so the page
can show how far it got. Jobs live in this process's memory; the documents they ingest are in
the registry like any other.
"""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.corpus import Corpus
from retrieval.ingest import FileResult, Ingestor

__all__ = ["UploadJob", "Uploads"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class UploadJob:
    id: str
    by: str
    audience: str
    names: list[str]
    results: list[FileResult] = field(default_factory=list)
    done: bool = False
    error: str = ""

    @property
    def progress(self) -> int:
        """Percent of files ingested (or failed)."""
        return 100 if self.done else int(100 * len(self.results) / max(1, len(self.names)))


class Uploads:
    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self._jobs: dict[str, UploadJob] = {}
        self._lock = threading.Lock()

    def start(self, by: str, files: list[tuple[str, bytes]], audience: str, kind: str) -> UploadJob:
        """Write `files` (name, bytes) and ingest them for `audience` in a background thread."""
        job = UploadJob(uuid.uuid4().hex[:12], by, audience, [])
        folder = Path(self.corpus.settings.home) / "uploads" / f"console-{job.id}"
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, data in files:
            safe = _UNSAFE.sub("_", Path(name).name).strip("._") or "upload"
            path = folder / safe
            path.write_bytes(data)
            paths.append(path)
            job.names.append(safe)
        with self._lock:
            self._jobs[job.id] = job
        threading.Thread(target=self._run, args=(job, paths, kind), daemon=True).start()
        return job

    def reread(self, by: str, source: Path, audience: str, force: bool = False) -> UploadJob:
        """Ingest a registered document's source file again, in the background; `force`: as a
        new version even if it did not change."""
        job = UploadJob(uuid.uuid4().hex[:12], by, audience, [source.name])
        with self._lock:
            self._jobs[job.id] = job
        args = (job, [source], "auto", force)
        threading.Thread(target=self._run, args=args, daemon=True).start()
        return job

    def get(self, job_id: str) -> UploadJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _run(self, job: UploadJob, paths: list[Path], kind: str, force: bool = False) -> None:
        try:
            Ingestor(
                self.corpus,
                f"console:{job.by}",
                [job.audience],
                kind,
                on_result=job.results.append,
                force=force,
            ).run(paths)
        except Exception as exc:  # a broken index: shown on the page, the batch stops
            job.error = f"ingest stopped: {exc}"
        finally:
            job.done = True
