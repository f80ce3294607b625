"""Console uploads and re-reads as a task (`twin.ingest_upload`), with their progress in SQL.

The console records the upload (`console_uploads`) and hands the task its files' bytes
(base64 in the task's JSON arguments) or, for a re-read, the registered source path; the task
writes the bytes under TWIN_HOME/uploads/console-ID/ of whichever process runs it (`twin serve`
without a broker, a `twin worker` with one) and ingests them with the one Ingestor, recording
each file's result as it goes, so any web process can show how far it got. A task delivered
again starts the batch over: ingest is idempotent by sha256.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from retrieval.corpus import Corpus
from retrieval.ingest import FileResult, Ingestor
from twin.models import ConsoleUpload

__all__ = ["INGEST_UPLOAD", "UploadJob", "UploadJobs", "ingest_upload", "path_arg", "upload_arg"]

INGEST_UPLOAD = "twin.ingest_upload"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    return _UNSAFE.sub("_", Path(name).name).strip("._") or "upload"


def upload_arg(name: str, data: bytes) -> dict[str, str]:
    """An uploaded file as a task argument."""
    return {"name": safe_name(name), "content": base64.b64encode(data).decode("ascii")}


def path_arg(path: Path) -> dict[str, str]:
    """A registered source file (a re-read) as a task argument."""
    return {"name": path.name, "path": str(path)}


@dataclass(frozen=True)
class UploadJob:
    id: str
    by: str
    audience: str
    names: list[str]
    results: list[dict[str, Any]] = field(default_factory=list)
    done: bool = False
    error: str = ""

    @property
    def progress(self) -> int:
        """Percent of files ingested (or failed)."""
        return 100 if self.done else int(100 * len(self.results) / max(1, len(self.names)))


class UploadJobs:
    """The console_uploads rows: created by the console, advanced by the ingest task."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def create(self, by: str, audience: str, names: list[str]) -> UploadJob:
        row = ConsoleUpload(id=uuid.uuid4().hex[:12], by=by, audience=audience, names=names)
        row.results, row.done, row.error = [], False, ""
        with self.sessions.begin() as session:
            session.add(row)
        return UploadJob(row.id, by, audience, names)

    def get(self, job_id: str) -> UploadJob | None:
        with self.sessions() as session:
            row = session.get(ConsoleUpload, job_id)
            if row is None:
                return None
            return UploadJob(
                row.id, row.by, row.audience, list(row.names), list(row.results), row.done,
                row.error,
            )  # fmt: skip

    def update(self, job_id: str, **values: Any) -> None:
        with self.sessions.begin() as session:
            row = session.get(ConsoleUpload, job_id)
            if row is not None:
                for key, value in values.items():
                    setattr(row, key, value)


def ingest_upload(
    corpus: Corpus, job_id: str, files: list[dict[str, str]], kind: str, force: bool = False
) -> None:
    """The task: write the files, ingest them for the job's audience, record each result."""
    jobs = UploadJobs(corpus.sessions)
    job = jobs.get(job_id)
    if job is None:
        return  # not a job the console recorded
    results: list[dict[str, Any]] = []
    jobs.update(job_id, results=[], done=False, error="")

    def record(result: FileResult) -> None:
        results.append(asdict(result))
        jobs.update(job_id, results=list(results))

    try:
        paths = _paths(corpus, job_id, files)
        _ingest(corpus, job, kind, force, record).run(paths)
        jobs.update(job_id, done=True)
    except Exception as exc:  # a broken index or disk: shown on the page, the batch stops
        jobs.update(job_id, done=True, error=f"ingest stopped: {exc}")


def _ingest(
    corpus: Corpus, job: UploadJob, kind: str, force: bool, record: Callable[[FileResult], None]
) -> Ingestor:
    by = f"console:{job.by}"
    return Ingestor(corpus, by, [job.audience], kind, on_result=record, force=force)


def _paths(corpus: Corpus, job_id: str, files: list[dict[str, str]]) -> list[Path]:
    """Each file on this process's disk: a re-read's source, or an upload's bytes written."""
    folder = Path(corpus.settings.home) / "uploads" / f"console-{safe_name(job_id)}"
    paths = []
    for file in files:
        if "path" in file:
            paths.append(Path(file["path"]))
            continue
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / safe_name(file["name"])
        path.write_bytes(base64.b64decode(file["content"]))
        paths.append(path)
    return paths
