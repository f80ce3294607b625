"""Render jobs: the queue's lifecycle, leases, recovery, retries and the clip cache."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import update

from cli.main import main
from render.cache import cache_key, clip_path, remove_stale_parts
from render.consent import ConsentRegistry
from render.jobs import Job, RenderQueue
from render.pipeline import Renderer, RenderResult
from render.publish import RecordingPublisher, RetryPublish
from render.worker import Worker
from twin.db import session_factory
from twin.models import RenderJob
from twin.sections.render import JobSettings, RenderSettings
from twin.settings import Settings

PERSONA = "Elena Marsh"
TARGET = {"platform": "slack", "channel": "C042", "thread_ts": "1700000000.000100", "user": "U7"}


@pytest.fixture
def settings(make_settings: Callable[..., Settings], database_url: str) -> Settings:
    settings = make_settings(database_url, RENDER__BACKEND="fake", RENDER__SIZE="128")
    ConsentRegistry(settings.db_url).add(PERSONA, "voice,likeness", "Elena Marsh")
    return settings


@pytest.fixture
def queue(settings: Settings) -> RenderQueue:
    return RenderQueue(settings.db_url, settings.render.jobs)


def make_worker(settings: Settings, queue: RenderQueue, publisher: Any = None, **kw: Any) -> Worker:
    publisher = publisher or RecordingPublisher()
    return Worker(queue, publisher, settings.render, home=settings.home, **kw)


def expire_lease(url: str, job_id: int) -> None:
    """As if the lease ran out: its worker stopped renewing it a while ago."""
    with session_factory(url).begin() as session:
        session.execute(
            update(RenderJob)
            .where(RenderJob.id == job_id)
            .values(lease_expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )


# -- the queue --------------------------------------------------------------------------------


def test_a_job_goes_from_queued_to_done_once(queue: RenderQueue) -> None:
    job = queue.enqueue("Hello.", persona=PERSONA, target=TARGET, request_key="ev-1")
    assert (job.status, job.attempts, job.max_attempts, job.target) == ("queued", 0, 3, TARGET)

    claimed = queue.claim("w1", lease_s=30)
    assert claimed is not None and claimed.id == job.id
    assert (claimed.status, claimed.attempts, claimed.lease_owner) == ("running", 1, "w1")
    assert claimed.lease_expires_at is not None
    assert claimed.lease_expires_at > datetime.now(UTC) + timedelta(seconds=25)
    assert queue.claim("w2") is None  # nothing else is queued

    assert queue.heartbeat(job.id, "w1", lease_s=60)
    assert queue.get(job.id).lease_expires_at > claimed.lease_expires_at  # type: ignore[operator]
    assert not queue.heartbeat(job.id, "w2")  # not w2's
    assert not queue.begin_publish(job.id, "w2")

    assert queue.record_clip(job.id, "w1", "k" * 64, "/clips/k.mp4")
    assert queue.begin_publish(job.id, "w1")
    assert not queue.begin_publish(job.id, "w1")  # one delivery per job
    assert queue.finish(job.id, "w1")
    assert not queue.finish(job.id, "w1")

    done = queue.get(job.id)
    assert (done.status, done.error, done.clip_path) == ("done", "", "/clips/k.mp4")
    assert done.posted_at is not None and done.finished_at is not None
    assert [j.id for j in queue.jobs("done")] == [job.id]
    assert queue.jobs("queued") == []


def test_the_same_request_queued_twice_is_one_job(queue: RenderQueue) -> None:
    first = queue.enqueue("Hello.", persona=PERSONA, request_key="slack:ev-9")
    again = queue.enqueue("Hello again.", persona=PERSONA, request_key="slack:ev-9")
    assert again.id == first.id and again.text == "Hello."
    other = queue.enqueue("Hello.", persona=PERSONA, request_key="slack:ev-10")
    assert other.id != first.id


def test_a_failed_attempt_is_retried_until_max_attempts(queue: RenderQueue) -> None:
    job = queue.enqueue("Hello.", persona=PERSONA, max_attempts=2)
    queue.claim("w1")
    assert queue.release(job.id, "w1", "ffmpeg hiccup", retry=True) is None
    again = queue.get(job.id)
    assert (again.status, again.attempts, again.error) == ("queued", 1, "ffmpeg hiccup")

    queue.claim("w2")
    failed = queue.release(job.id, "w2", "ffmpeg hiccup again", retry=True)
    assert failed is not None
    assert (failed.status, failed.attempts, failed.error) == ("failed", 2, "ffmpeg hiccup again")
    assert queue.claim("w3") is None


def test_jobs_of_a_dead_worker_are_queued_again_or_failed(
    settings: Settings, queue: RenderQueue
) -> None:
    rendering = queue.enqueue("One.", persona=PERSONA)
    last_try = queue.enqueue("Two.", persona=PERSONA, max_attempts=1)
    publishing = queue.enqueue("Three.", persona=PERSONA)
    alive = queue.enqueue("Four.", persona=PERSONA)
    for _ in range(4):
        queue.claim("dead", lease_s=30)
    assert queue.begin_publish(publishing.id, "dead")
    for job in (rendering, last_try, publishing):
        expire_lease(settings.db_url, job.id)

    failed = {job.id: job for job in queue.recover()}

    assert set(failed) == {last_try.id, publishing.id}
    assert "lease expired) on attempt 1 of 1" in failed[last_try.id].error
    assert failed[publishing.id].error.startswith("delivery interrupted")
    assert queue.get(rendering.id).status == "queued"
    assert queue.get(alive.id).status == "running"  # its lease has not run out
    assert queue.recover() == []  # nothing twice


def test_two_workers_claiming_at_once_take_each_job_once(queue: RenderQueue) -> None:
    ids = [queue.enqueue(f"Job {n}.", persona=PERSONA).id for n in range(24)]
    taken: dict[str, list[int]] = {"a": [], "b": [], "c": []}
    start = threading.Barrier(len(taken))

    def take(name: str) -> None:
        start.wait()
        while (job := queue.claim(name)) is not None:
            taken[name].append(job.id)

    threads = [threading.Thread(target=take, args=(name,)) for name in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    claimed = [job_id for ids_ in taken.values() for job_id in ids_]
    assert sorted(claimed) == ids  # every job, none twice
    assert all(queue.get(i).attempts == 1 for i in ids)


# -- workers ----------------------------------------------------------------------------------


def test_a_worker_renders_and_publishes_a_job(settings: Settings, queue: RenderQueue) -> None:
    job = queue.enqueue("We ship in March.", persona=PERSONA, target=TARGET)
    publisher = RecordingPublisher()
    worker = make_worker(settings, queue, publisher)

    ended = worker.run_once()

    assert ended is not None and ended.status == "done" and ended.attempts == 1
    key = cache_key("We ship in March.", settings.render)
    clip = clip_path(settings.home, key)
    assert (ended.cache_key, ended.clip_path) == (key, str(clip))
    assert clip.stat().st_size > 0
    assert publisher.published == [(job.id, clip)]
    assert worker.run_once() is None


def test_identical_jobs_reuse_the_cached_clip(settings: Settings, queue: RenderQueue) -> None:
    publisher = RecordingPublisher()
    worker = make_worker(settings, queue, publisher)
    first = queue.enqueue("Same words.", persona=PERSONA, target={"thread_ts": "1"})
    worker.run_once()
    clip = Path(queue.get(first.id).clip_path)
    made = clip.stat().st_mtime_ns

    second = queue.enqueue("Same words.", persona=PERSONA, target={"thread_ts": "2"})
    other_worker = make_worker(settings, queue, publisher)
    assert other_worker.run_once() is not None

    assert worker.rendered == 1 and other_worker.rendered == 0
    assert clip.stat().st_mtime_ns == made
    assert queue.get(second.id).clip_path == str(clip)
    assert publisher.published == [(first.id, clip), (second.id, clip)]

    queue.enqueue("Same words.", persona=PERSONA, captions=True)
    queue.enqueue("Other words.", persona=PERSONA)
    worker.run_until_idle()
    assert worker.rendered == 3  # captions and text are part of the key


def test_the_cache_key_covers_what_changes_the_clip() -> None:
    base = RenderSettings(backend="fake")
    key = cache_key("Hi.", base)
    assert key == cache_key("Hi.", base.model_copy(update={"tts_threads": 4, "max_chars": 99}))
    assert key == cache_key("Hi.", base, avatar="elena-marsh", captions=False)
    for changed in ({"voice": "/voices/ceo.onnx"}, {"size": 256}, {"fps": 30}, {"crf": 30}):
        assert cache_key("Hi.", base.model_copy(update=changed)) != key, changed
    assert cache_key("Hi.", base, avatar="./pack") != key
    assert cache_key("Hi.", base, captions=True) != key
    assert cache_key("Hi!", base) != key


def test_two_workers_publish_every_job_exactly_once(settings: Settings, queue: RenderQueue) -> None:
    ids = [queue.enqueue(f"Answer {n}.", persona=PERSONA).id for n in range(6)]
    publisher = RecordingPublisher()
    workers = [make_worker(settings, queue, publisher) for _ in range(2)]
    threads = [threading.Thread(target=w.run_until_idle) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(job_id for job_id, _ in publisher.published) == ids
    assert {queue.get(i).status for i in ids} == {"done"}


class FlakyRenderer(Renderer):
    """Fails its first `failures` renders with an unexpected error."""

    def __init__(self, settings: Settings, failures: int) -> None:
        super().__init__(settings.render, home=settings.home)
        self.failures = failures
        self.calls = 0

    def render(self, *args: Any, **kw: Any) -> RenderResult:
        self.calls += 1
        if self.calls <= self.failures:
            raise OSError(f"disk hiccup {self.calls}")
        return super().render(*args, **kw)


def test_a_job_that_fails_max_times_is_failed_with_its_error(
    settings: Settings, queue: RenderQueue
) -> None:
    job = queue.enqueue("Hello.", persona=PERSONA, max_attempts=2)
    publisher = RecordingPublisher()
    worker = make_worker(settings, queue, publisher, renderer=FlakyRenderer(settings, 5))

    ended = worker.run_until_idle()

    assert [j.status for j in ended] == ["queued", "failed"]
    failed = queue.get(job.id)
    assert (failed.status, failed.attempts) == ("failed", 2)
    assert failed.error == "OSError: disk hiccup 2"
    assert publisher.published == [] and publisher.failures == [(job.id, failed.error)]

    listed = CliRunner().invoke(
        main, ["jobs", "list", "--status", "failed"], env={"TWIN__DATABASE_URL": settings.db_url}
    )
    assert listed.exit_code == 0, listed.output
    assert "failed   attempts 2/2  'Hello.'" in listed.output
    assert "error: OSError: disk hiccup 2" in listed.output


def test_a_passing_failure_is_retried_and_then_succeeds(
    settings: Settings, queue: RenderQueue
) -> None:
    job = queue.enqueue("Hello.", persona=PERSONA)
    publisher = RecordingPublisher()
    worker = make_worker(settings, queue, publisher, renderer=FlakyRenderer(settings, 1))
    worker.run_until_idle()
    done = queue.get(job.id)
    assert (done.status, done.attempts, done.error) == ("done", 2, "")
    assert len(publisher.published) == 1


def test_bad_input_fails_at_once_without_retries(settings: Settings, queue: RenderQueue) -> None:
    job = queue.enqueue("Hello.", persona=PERSONA, avatar="nobody")
    make_worker(settings, queue).run_until_idle()
    failed = queue.get(job.id)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.error.startswith("avatar 'nobody'")


def test_a_publisher_can_ask_to_try_again_later(settings: Settings, queue: RenderQueue) -> None:
    class RateLimited(RecordingPublisher):
        def publish(self, job: Job, clip_path: Path) -> None:
            if job.attempts == 1:
                raise RetryPublish("slack rate limit")
            super().publish(job, clip_path)

    job = queue.enqueue("Hello.", persona=PERSONA)
    publisher = RateLimited()
    worker = make_worker(settings, queue, publisher)
    assert [j.status for j in worker.run_until_idle()] == ["queued", "done"]
    assert publisher.published == [(job.id, Path(queue.get(job.id).clip_path))]
    assert worker.rendered == 1  # the retry reused the clip


def test_a_publisher_error_fails_the_job_without_a_second_post(
    settings: Settings, queue: RenderQueue
) -> None:
    job = queue.enqueue("Hello.", persona=PERSONA)
    publisher = RecordingPublisher(fail_with=ConnectionError("upload timed out"))
    make_worker(settings, queue, publisher).run_until_idle()
    failed = queue.get(job.id)
    assert failed.status == "failed" and failed.attempts == 1
    assert failed.error == "delivery failed: ConnectionError: upload timed out"
    assert publisher.failures == [(job.id, failed.error)]


class Crash(BaseException):
    """The process dies here (nothing in the worker catches a BaseException)."""


class CrashAfterPosting(RecordingPublisher):
    def publish(self, job: Job, clip_path: Path) -> None:
        super().publish(job, clip_path)
        raise Crash


class CrashBeforePosting(RecordingPublisher):
    def publish(self, job: Job, clip_path: Path) -> None:
        raise Crash


@pytest.mark.parametrize("crashing", [CrashAfterPosting, CrashBeforePosting])
def test_a_crash_between_publish_and_mark_never_posts_twice(
    settings: Settings, queue: RenderQueue, crashing: type[RecordingPublisher]
) -> None:
    job = queue.enqueue("Hello.", persona=PERSONA, target=TARGET)
    first = crashing()
    with pytest.raises(Crash):
        make_worker(settings, queue, first).run_once()
    stuck = queue.get(job.id)
    assert stuck.status == "running" and stuck.publishing_at and not stuck.posted_at

    expire_lease(settings.db_url, job.id)
    second = RecordingPublisher()
    make_worker(settings, queue, second).run_until_idle()

    ended = queue.get(job.id)
    assert ended.status == "failed" and ended.error.startswith("delivery interrupted")
    assert len(first.published) + len(second.published) <= 1
    assert second.published == [] and second.failures == [(job.id, ended.error)]


class CrashWhileRendering(Renderer):
    def render(self, *args: Any, **kw: Any) -> RenderResult:
        raise Crash


def test_a_crash_while_rendering_is_finished_by_another_worker(
    settings: Settings, queue: RenderQueue
) -> None:
    job = queue.enqueue("Hello.", persona=PERSONA)
    dying = make_worker(settings, queue, renderer=CrashWhileRendering(settings.render))
    with pytest.raises(Crash):
        dying.run_once()
    publisher = RecordingPublisher()
    successor = make_worker(settings, queue, publisher)
    assert successor.run_once() is None  # the lease still holds
    expire_lease(settings.db_url, job.id)

    ended = successor.run_once()
    assert ended is not None and (ended.status, ended.attempts) == ("done", 2)
    assert publisher.published == [(job.id, Path(ended.clip_path))]


def test_the_log_publisher_writes_one_line_per_delivery(
    settings: Settings, queue: RenderQueue
) -> None:
    job = queue.enqueue("Hello.", persona=PERSONA, target=TARGET)
    Worker.from_settings(settings).run_until_idle()
    lines = (settings.home / "deliveries.jsonl").read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["event"] == "published" and record["job"] == job.id
    assert record["target"] == TARGET and Path(record["clip"]).is_file()


def test_half_written_clips_of_killed_workers_are_swept_when_old(tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    clips.mkdir()
    old = clips / ".abc.mp4.x1.part"
    fresh = clips / ".abc.mp4.x2.part"
    clip = clips / "abc.mp4"
    for path in (old, fresh, clip):
        path.write_bytes(b"x")
    os.utime(old, (0, 0))
    os.utime(clip, (0, 0))
    assert remove_stale_parts(tmp_path) == 1
    assert not old.exists() and fresh.exists() and clip.exists()


def test_the_shipped_config_documents_every_render_setting() -> None:
    shipped = yaml.safe_load((Path(__file__).parents[1] / "config.yaml").read_text())["render"]
    assert set(shipped) == set(RenderSettings.model_fields)
    assert set(shipped["jobs"]) == set(JobSettings.model_fields)
    assert RenderSettings.model_validate(shipped) == RenderSettings()  # the defaults, written out
