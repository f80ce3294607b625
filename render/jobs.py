"""Render jobs: a durable queue in the database (SQLite or PostgreSQL), claimed with leases.

A job moves queued -> running -> done, or -> failed with its error. Every change of hands is one
conditional UPDATE whose row count says whether it won, so two workers never hold one job:

- claim: `SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL; a no-op on SQLite, which has one
  writer at a time) picks the oldest queued job, and `UPDATE ... WHERE status='queued'` takes
  it, with a lease (owner + expiry) and attempts + 1.
- heartbeat: the owner pushes the lease expiry forward while it works.
- recover: a running job whose lease expired (its worker was killed) is queued again, or
  failed once it has used its attempts.

Delivery is mark-then-publish, so a job is posted at most once:

1. `begin_publish` sets publishing_at WHERE the worker still holds the lease, publishing_at IS
   NULL and consent is in force (one statement: revoking consent a moment earlier stops it);
2. the worker calls Publisher.publish;
3. `finish` sets posted_at and status done.

A worker that dies between 1 and 3 leaves publishing_at set and posted_at empty; nobody can
tell whether the clip arrived, so recovery fails that job ("delivery interrupted") instead of
posting again. The other order, publish-then-mark, would post twice after such a crash unless
every publisher could deduplicate; at-most-once needs nothing from the publisher.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from render.consent import ConsentRegistry, consent_covers
from twin.db import session_factory
from twin.models import RenderJob
from twin.sections.render import JobSettings

__all__ = [
    "DONE",
    "FAILED",
    "QUEUED",
    "RUNNING",
    "Job",
    "JobNotFound",
    "RenderQueue",
    "worker_id",
]

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUSES = (QUEUED, RUNNING, DONE, FAILED)


class JobNotFound(LookupError):
    """No render job has this id."""


@dataclass(frozen=True)
class Job:
    """A snapshot of one render job (what publishers and callers see)."""

    id: int
    status: str
    persona: str
    text: str
    avatar: str
    captions: bool | None
    target: dict[str, Any]
    request_key: str | None
    cache_key: str
    clip_path: str
    attempts: int
    max_attempts: int
    error: str
    lease_owner: str | None
    lease_expires_at: datetime | None
    heartbeat_at: datetime | None
    publishing_at: datetime | None
    posted_at: datetime | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, row: RenderJob) -> Job:
        values = {f.name: getattr(row, f.name) for f in fields(cls)}
        for name, value in values.items():
            if isinstance(value, datetime) and value.tzinfo is None:
                values[name] = value.replace(tzinfo=UTC)  # SQLite keeps no zone; all are UTC
        values["target"] = dict(values["target"] or {})
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return {
            f.name: (v.isoformat() if isinstance(v, datetime) else v)
            for f in fields(self)
            for v in [getattr(self, f.name)]
        }


def worker_id() -> str:
    """A name for this worker that is unique across machines and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _now() -> datetime:
    return datetime.now(UTC)


class RenderQueue:
    """The render jobs in the database at `url`."""

    def __init__(
        self,
        url: str,
        settings: JobSettings | None = None,
        *,
        sessions: sessionmaker[Session] | None = None,
    ) -> None:
        self.settings = settings or JobSettings()
        self.sessions = sessions or session_factory(url)
        self.consent = ConsentRegistry(url, self.sessions)

    # -- what callers do ----------------------------------------------------------------------

    def enqueue(
        self,
        text: str,
        *,
        persona: str,
        avatar: str = "",
        captions: bool | None = None,
        target: dict[str, Any] | None = None,
        request_key: str | None = None,
        max_attempts: int | None = None,
    ) -> Job:
        """Queue `text` to be spoken by `persona`'s avatar (empty: the configured one) and
        delivered to `target`. Refused at once (ConsentRequired) without consent in force.

        With `request_key`, queuing the same request again returns the first job unchanged.
        """
        if request_key is not None:
            existing = self.find(request_key)
            if existing is not None:
                return existing
        self.consent.require(persona)
        now = _now()
        row = RenderJob(
            request_key=request_key,
            status=QUEUED,
            persona=persona,
            text=text,
            avatar=avatar,
            captions=captions,
            target=dict(target or {}),
            cache_key="",
            clip_path="",
            attempts=0,
            max_attempts=max_attempts or self.settings.max_attempts,
            error="",
            created_at=now,
            updated_at=now,
        )
        try:
            with self.sessions.begin() as session:
                session.add(row)
                session.flush()
                return Job.of(row)
        except IntegrityError:
            found = self.find(request_key) if request_key is not None else None
            if found is None:
                raise
            return found  # another process queued the same request a moment earlier

    def get(self, job_id: int) -> Job:
        with self.sessions() as session:
            row = session.get(RenderJob, job_id)
            if row is None:
                raise JobNotFound(f"render job {job_id}: no such job")
            return Job.of(row)

    def find(self, request_key: str) -> Job | None:
        with self.sessions() as session:
            row = session.scalar(select(RenderJob).where(RenderJob.request_key == request_key))
            return Job.of(row) if row is not None else None

    def jobs(self, status: str | None = None, limit: int = 50) -> list[Job]:
        """The newest jobs first, optionally only those with `status`."""
        query = select(RenderJob).order_by(RenderJob.id.desc()).limit(limit)
        if status is not None:
            query = query.where(RenderJob.status == status)
        with self.sessions() as session:
            return [Job.of(row) for row in session.scalars(query)]

    # -- what workers do ----------------------------------------------------------------------

    def claim(self, owner: str, lease_s: float | None = None) -> Job | None:
        """Take the oldest queued job for `owner` with a lease, or None if there is none."""
        while True:  # a lost race means another worker took that job: try the next one
            with self.sessions.begin() as session:
                job_id = session.scalar(
                    select(RenderJob.id)
                    .where(RenderJob.status == QUEUED)
                    .order_by(RenderJob.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
                if job_id is None:
                    return None
                won = self._take(session, job_id, owner, lease_s)
            if won:
                return self.get(job_id)

    def claim_job(self, job_id: int, owner: str, lease_s: float | None = None) -> Job | None:
        """Take job `job_id` for `owner` if it is queued, else None."""
        with self.sessions.begin() as session:
            won = self._take(session, job_id, owner, lease_s)
        return self.get(job_id) if won else None

    def _take(self, session: Session, job_id: int, owner: str, lease_s: float | None) -> bool:
        """One conditional UPDATE (WHERE status is queued): True for the one owner that won."""
        now = _now()
        lease = timedelta(seconds=lease_s or self.settings.lease_s)
        return _changed(
            session,
            update(RenderJob)
            .where(RenderJob.id == job_id, RenderJob.status == QUEUED)
            .values(
                status=RUNNING,
                lease_owner=owner,
                lease_expires_at=now + lease,
                heartbeat_at=now,
                attempts=RenderJob.attempts + 1,
                updated_at=now,
            ),
        )

    def heartbeat(self, job_id: int, owner: str, lease_s: float | None = None) -> bool:
        """Extend `owner`'s lease; False if the job is no longer theirs."""
        now = _now()
        lease = timedelta(seconds=lease_s or self.settings.lease_s)
        with self.sessions.begin() as session:
            return _changed(
                session,
                update(RenderJob)
                .where(*self._held_by(job_id, owner))
                .values(lease_expires_at=now + lease, heartbeat_at=now),
            )

    def record_clip(self, job_id: int, owner: str, cache_key: str, clip_path: str) -> bool:
        with self.sessions.begin() as session:
            return _changed(
                session,
                update(RenderJob)
                .where(*self._held_by(job_id, owner))
                .values(cache_key=cache_key, clip_path=clip_path, updated_at=_now()),
            )

    def begin_publish(self, job_id: int, owner: str) -> bool:
        """Claim the one delivery of the job: True only if `owner` holds it, nobody has begun
        publishing it, and consent is in force for its persona, all in one UPDATE."""
        now = _now()
        with self.sessions.begin() as session:
            return _changed(
                session,
                update(RenderJob)
                .where(
                    *self._held_by(job_id, owner),
                    RenderJob.publishing_at.is_(None),
                    consent_covers(RenderJob.persona),
                )
                .values(publishing_at=now, updated_at=now),
            )

    def finish(self, job_id: int, owner: str) -> bool:
        """Mark the delivery done (after Publisher.publish returned)."""
        now = _now()
        with self.sessions.begin() as session:
            return _changed(
                session,
                update(RenderJob)
                .where(
                    RenderJob.id == job_id,
                    RenderJob.lease_owner == owner,
                    RenderJob.publishing_at.is_not(None),
                    RenderJob.posted_at.is_(None),
                )
                .values(
                    status=DONE,
                    posted_at=now,
                    finished_at=now,
                    error="",
                    lease_expires_at=None,
                    updated_at=now,
                ),
            )

    def release(self, job_id: int, owner: str, error: str, *, retry: bool) -> Job | None:
        """End `owner`'s attempt with `error`: queue the job again if `retry` and attempts are
        left, else fail it. Returns the job if it failed for good (to tell the requester)."""
        job = self.get(job_id)
        again = retry and job.attempts < job.max_attempts
        now = _now()
        changes: dict[str, Any] = {
            "status": QUEUED if again else FAILED,
            "error": error,
            "lease_owner": None,
            "lease_expires_at": None,
            "finished_at": None if again else now,
            "updated_at": now,
        }
        if again:
            changes["publishing_at"] = None  # only RetryPublish retries after begin_publish
        with self.sessions.begin() as session:
            won = _changed(
                session,
                update(RenderJob)
                .where(*self._held_by(job_id, owner), RenderJob.attempts == job.attempts)
                .values(**changes),
            )
        return self.get(job_id) if won and not again else None

    def recover(self) -> list[Job]:
        """Take back running jobs whose lease expired: queue them again, or fail them when
        their attempts are used up or their delivery had begun. Returns the failed ones."""
        now = _now()
        with self.sessions() as session:
            stale = [
                Job.of(row)
                for row in session.scalars(
                    select(RenderJob).where(
                        RenderJob.status == RUNNING, RenderJob.lease_expires_at < now
                    )
                )
            ]
        failed = []
        for job in stale:
            error = _recovery_error(job)
            changes: dict[str, Any] = {
                "status": FAILED if error else QUEUED,
                "error": error or f"worker {job.lease_owner} stopped; queued again",
                "lease_expires_at": None,
                "finished_at": now if error else None,
                "updated_at": now,
            }
            if not error:
                changes["lease_owner"] = None  # a failed job keeps it: see `finish`
            with self.sessions.begin() as session:
                won = _changed(
                    session,
                    update(RenderJob)
                    .where(
                        RenderJob.id == job.id,
                        RenderJob.status == RUNNING,
                        RenderJob.lease_owner == job.lease_owner,
                        RenderJob.attempts == job.attempts,
                        RenderJob.lease_expires_at < now,
                    )
                    .values(**changes),
                )
            if won and error:
                failed.append(self.get(job.id))
        return failed

    @staticmethod
    def _held_by(job_id: int, owner: str) -> tuple[Any, ...]:
        return (
            RenderJob.id == job_id,
            RenderJob.status == RUNNING,
            RenderJob.lease_owner == owner,
        )


def _changed(session: Session, statement: Any) -> bool:
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def _recovery_error(job: Job) -> str:
    """Why a job whose worker stopped cannot run again ("" if it can)."""
    if job.publishing_at is not None:
        return (
            "delivery interrupted: the worker stopped while publishing the clip, so it may or "
            "may not have been posted; not retried, so that it is never posted twice"
        )
    if job.attempts >= job.max_attempts:
        return (
            f"the worker stopped while rendering (its lease expired) on attempt "
            f"{job.attempts} of {job.max_attempts}"
        )
    return ""
