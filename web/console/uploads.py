"""Files uploaded in the console, and re-reads of registered documents, ingested by the ingest
task (retrieval.uploads) with progress to show.

The console records the job and hands it to the task runner (twin.tasks): in this process's
task threads without a broker, on a `twin worker` with one. Progress is read back from SQL, so
any console process shows it.
"""

from __future__ import annotations

from pathlib import Path

from retrieval.uploads import INGEST_UPLOAD, UploadJob, UploadJobs, path_arg, upload_arg
from twin.tasks import TaskRunner

__all__ = ["Uploads"]


class Uploads:
    def __init__(self, jobs: UploadJobs, tasks: TaskRunner) -> None:
        self.jobs = jobs
        self.tasks = tasks

    def start(self, by: str, files: list[tuple[str, bytes]], audience: str, kind: str) -> UploadJob:
        """Hand `files` (name, bytes) to the ingest task for `audience`."""
        args = [upload_arg(name, data) for name, data in files]
        return self._hand_on(by, audience, args, kind, False)

    def reread(self, by: str, source: Path, audience: str, force: bool = False) -> UploadJob:
        """Ingest a registered document's source file again; `force`: as a new version even if
        it did not change."""
        return self._hand_on(by, audience, [path_arg(source)], "auto", force)

    def get(self, job_id: str) -> UploadJob | None:
        return self.jobs.get(job_id)

    def _hand_on(
        self, by: str, audience: str, files: list[dict[str, str]], kind: str, force: bool
    ) -> UploadJob:
        job = self.jobs.create(by, audience, [f["name"] for f in files])
        try:
            self.tasks.dispatch(INGEST_UPLOAD, job.id, files, kind, force)
        except Exception as exc:  # the broker is down: said on the page, nothing half-done
            self.jobs.update(job.id, done=True, error=f"could not start the ingest: {exc}")
        return self.get(job.id) or job
