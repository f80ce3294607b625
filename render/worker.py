"""The worker: claims render jobs, renders (or reuses) their clips and publishes them.

`Worker.run_job` runs one job to its end: it is the render task (twin.tasks), run in-process by
`twin serve` and the CLI, or by `twin worker` processes, which may be killed mid-job: the task is
then delivered again and takes the job over once the dead worker's lease has run out.
`Worker.run_once` does the oldest queued job. Any number of workers may share one database.

For each job: recover jobs of dead workers; claim one (with a lease, renewed by a heartbeat
thread); check consent; render to the clip cache unless the clip is there already; then claim
the delivery (which checks consent again), publish, and mark it posted (see render.jobs).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from render.cache import cache_key, clip_path, remove_stale_parts
from render.consent import missing_message
from render.errors import EncodeError, RenderError
from render.jobs import RUNNING, Job, RenderQueue, worker_id
from render.pipeline import Renderer
from render.publish import Publisher, RetryPublish, create_publisher
from twin.sections.render import RenderSettings

__all__ = ["Worker"]

log = logging.getLogger("render.worker")


class Worker:
    """Runs render jobs from `queue` with one Renderer (one clip at a time)."""

    def __init__(
        self,
        queue: RenderQueue,
        publisher: Publisher,
        settings: RenderSettings,
        *,
        home: Path,
        renderer: Renderer | None = None,
        name: str | None = None,
    ) -> None:
        self.queue = queue
        self.publisher = publisher
        self.settings = settings
        self.home = Path(home)
        self.name = name or worker_id()
        self._renderer = renderer
        self.rendered = 0  # clips this worker rendered (cache hits are not counted)
        self._lock = threading.Lock()  # one clip at a time: tasks on other threads wait

    @classmethod
    def from_settings(cls, settings: Any, publisher: Publisher | None = None, **kw: Any) -> Worker:
        """A worker for the twin `settings` (database, render settings, home, publisher)."""
        render: RenderSettings = settings.render
        queue = RenderQueue(settings.db_url, render.jobs)
        publisher = publisher or create_publisher(render.jobs.publisher, settings)
        if removed := remove_stale_parts(Path(settings.home)):
            log.info("render worker: removed %s half-written clips", removed)
        return cls(queue, publisher, render, home=Path(settings.home), **kw)

    @property
    def renderer(self) -> Renderer:
        if self._renderer is None:
            self._renderer = Renderer(self.settings, home=self.home, consents=self.queue.consent)
        return self._renderer

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()

    # -- the loop -----------------------------------------------------------------------------

    def run_once(self) -> Job | None:
        """Do the oldest queued job, if there is one; returns it as it ended."""
        for failed in self.queue.recover():
            log.warning("render job %s failed: %s", failed.id, failed.error)
            self._tell_failed(failed)
        job = self.queue.claim(self.name, self.settings.jobs.lease_s)
        if job is None:
            return None
        log.info("render job %s: attempt %s by %s", job.id, job.attempts, self.name)
        with _Heartbeat(self.queue, job.id, self.name, self.settings.jobs.lease_s):
            self._process(job)
        return self.queue.get(job.id)

    def run_job(self, job_id: int) -> Job:
        """Do job `job_id` (the render task; it may be delivered again after its worker died)
        until it ends: claim it whenever it is queued (again, after an attempt that may be
        retried); while another worker holds it, wait until that one ends it or its lease runs
        out (then `recover` queues it again, or fails it)."""
        while True:
            for failed in self.queue.recover():
                log.warning("render job %s failed: %s", failed.id, failed.error)
                self._tell_failed(failed)
            job = self.queue.claim_job(job_id, self.name, self.settings.jobs.lease_s)
            if job is not None:
                log.info("render job %s: attempt %s by %s", job.id, job.attempts, self.name)
                with _Heartbeat(self.queue, job.id, self.name, self.settings.jobs.lease_s):
                    self._process(job)
                continue
            current = self.queue.get(job_id)
            if current.status != RUNNING or current.lease_expires_at is None:
                return current
            wait = (current.lease_expires_at - datetime.now(UTC)).total_seconds()
            time.sleep(min(max(wait, 0) + 0.1, self.settings.jobs.lease_s))

    def run_until_idle(self) -> list[Job]:
        """Do jobs until none is queued; returns them."""
        done = []
        while (job := self.run_once()) is not None:
            done.append(job)
        return done

    # -- one job ------------------------------------------------------------------------------

    def _process(self, job: Job) -> None:
        try:
            self.queue.consent.require(job.persona)
            avatar = job.avatar or None
            key = cache_key(job.text, self.settings, avatar=avatar, captions=job.captions)
            clip = clip_path(self.home, key)
            if not self.queue.record_clip(job.id, self.name, key, str(clip)):
                log.warning("render job %s: %s lost its lease", job.id, self.name)
                return
            if clip.is_file() and clip.stat().st_size > 0:
                log.info("render job %s: cached clip %s", job.id, clip.name)
            else:
                clip.parent.mkdir(parents=True, exist_ok=True)
                with self._lock:  # one clip at a time per worker; the heartbeat goes on
                    self.renderer.render(job.text, clip, avatar=avatar, captions=job.captions)
                self.rendered += 1
        except RenderError as exc:  # the input is wrong, or consent is missing: retry is futile
            retry = isinstance(exc, EncodeError)  # ffmpeg may fail for passing reasons
            self._end(job, str(exc), retry=retry)
            return
        except Exception as exc:
            log.exception("render job %s: attempt %s failed", job.id, job.attempts)
            self._end(job, f"{type(exc).__name__}: {exc}", retry=True)
            return
        self._deliver(job, clip)

    def _deliver(self, job: Job, clip: Path) -> None:
        if not self.queue.begin_publish(job.id, self.name):
            missing = self.queue.consent.missing(job.persona)
            if missing:
                reason = missing_message(job.persona, missing)
                self._end(job, f"not published: {reason}", retry=False)
            else:
                log.warning("render job %s: %s lost its lease before publishing", job.id, self.name)
            return
        try:
            self.publisher.publish(self.queue.get(job.id), clip)
        except RetryPublish as exc:
            self._end(job, f"delivery postponed: {exc}", retry=True)
            return
        except Exception as exc:
            log.exception("render job %s: delivery failed", job.id)
            self._end(job, f"delivery failed: {type(exc).__name__}: {exc}", retry=False)
            return
        if self.queue.finish(job.id, self.name):
            log.info("render job %s: published %s", job.id, clip.name)

    def _end(self, job: Job, error: str, *, retry: bool) -> None:
        failed = self.queue.release(job.id, self.name, error, retry=retry)
        if failed is not None:
            log.warning("render job %s failed: %s", job.id, error)
            self._tell_failed(failed)
        else:
            log.info("render job %s: attempt %s ended: %s", job.id, job.attempts, error)

    def _tell_failed(self, job: Job) -> None:
        try:
            self.publisher.failed(job, job.error)
        except Exception:
            log.exception("render job %s: could not report the failure", job.id)


class _Heartbeat:
    """Renews a job's lease every lease_s / 3 seconds while the worker holds it."""

    def __init__(self, queue: RenderQueue, job_id: int, owner: str, lease_s: float) -> None:
        self.queue, self.job_id, self.owner = queue, job_id, owner
        self.lease_s = lease_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            try:
                if not self.queue.heartbeat(self.job_id, self.owner, self.lease_s):
                    return  # no longer ours: begin_publish will refuse the delivery
            except Exception:
                log.exception("render job %s: heartbeat failed", self.job_id)
