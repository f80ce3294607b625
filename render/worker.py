"""The worker: claims render jobs, renders (or reuses) their clips and publishes them.

`Worker.run_once` does one job; `Worker.run` loops until told to stop; `InProcessWorker` runs
that loop in a thread of the process that queues the jobs (the embedded default), while
production runs `twin worker` processes. Any number of workers may share one database.

For each job: recover jobs of dead workers; claim one (with a lease, renewed by a heartbeat
thread); check consent; render to the clip cache unless the clip is there already; then claim
the delivery (which checks consent again), publish, and mark it posted (see render.jobs).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from render.cache import cache_key, clip_path, remove_stale_parts
from render.consent import missing_message
from render.errors import EncodeError, RenderError
from render.jobs import Job, RenderQueue, worker_id
from render.pipeline import Renderer
from render.publish import Publisher, RetryPublish, create_publisher
from twin.sections.render import RenderSettings

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["InProcessWorker", "Worker"]

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

    @classmethod
    def from_settings(cls, settings: Any, publisher: Publisher | None = None, **kw: Any) -> Worker:
        """A worker for the twin `settings` (database, render settings, home, publisher)."""
        render: RenderSettings = settings.render
        queue = RenderQueue(settings.db_url, render.jobs)
        publisher = publisher or create_publisher(render.jobs.publisher, settings)
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

    def run_until_idle(self) -> list[Job]:
        """Do jobs until none is queued; returns them."""
        done = []
        while (job := self.run_once()) is not None:
            done.append(job)
        return done

    def run(self, stop: threading.Event, wake: threading.Event | None = None) -> None:
        """Do jobs until `stop` is set (after the job in hand); idle, wait poll_s or `wake`."""
        wake = wake or threading.Event()
        if removed := remove_stale_parts(self.home):
            log.info("render worker %s: removed %s half-written clips", self.name, removed)
        while not stop.is_set():
            try:
                job = self.run_once()
            except Exception:  # the database is away, say: keep the worker alive, try again
                log.exception("render worker %s: cannot run jobs; trying again", self.name)
                job = None
            if job is None and not stop.is_set():
                wake.wait(self.settings.jobs.poll_s)
                wake.clear()

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


class InProcessWorker:
    """A worker loop in a daemon thread: `start()`, `wake()` after queuing, `stop()`."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> InProcessWorker:
        if self.running:
            return self
        self._stop.clear()
        self._thread = threading.Thread(
            target=self.worker.run,
            args=(self._stop, self._wake),
            name=f"render-worker-{self.worker.name}",
            daemon=True,
        )
        self._thread.start()
        return self

    def wake(self) -> None:
        """Look for jobs now rather than after the poll interval."""
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        """Stop after the job in hand (its lease lets another worker finish it otherwise)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if not self._thread.is_alive():
                self._thread = None
                self.worker.close()

    def __enter__(self) -> InProcessWorker:
        return self.start()

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.stop()
