"""Workers as processes and threads: `twin worker`, kill -9 recovery, the in-process worker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import imageio_ffmpeg
import pytest
from click.testing import CliRunner

from cli.main import main
from render.consent import ConsentRegistry
from render.jobs import Job, RenderQueue
from render.publish import RecordingPublisher
from render.worker import InProcessWorker, Worker
from twin.settings import Settings

PERSONA = "Elena Marsh"
TWIN = str(Path(sys.executable).parent / "twin")
# About 3 s of rendering with the fake voice at 128 px: long enough to kill the worker mid-way.
LONG = " ".join(f"This is sentence number {n} of a rather long answer." for n in range(30))


def half_written(home: Path) -> bool:
    """The render is under way: its encoder is writing the clip's .part file."""
    return any(home.rglob(".*.part"))


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def deliveries(home: Path) -> list[dict[str, object]]:
    path = home / "deliveries.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def consented(make_settings: Callable[..., Settings], database_url: str) -> Settings:
    settings = make_settings(database_url, RENDER__BACKEND="fake", RENDER__SIZE="128")
    ConsentRegistry(settings.db_url).add(PERSONA, "voice,likeness", "Elena Marsh")
    return settings


def test_a_killed_worker_s_job_is_finished_once_by_the_next(
    consented: Settings, database_url: str
) -> None:
    home = consented.home
    env = {
        **os.environ,
        "TWIN_HOME": str(home),
        "TWIN__DATABASE_URL": database_url,
        "TWIN__RENDER__BACKEND": "fake",
        "TWIN__RENDER__SIZE": "128",
        "TWIN__RENDER__JOBS__LEASE_S": "2",
    }
    queue = RenderQueue(database_url)
    job = queue.enqueue(LONG, persona=PERSONA, target={"channel": "C1", "thread_ts": "1.2"})
    logs = home / "logs"
    logs.mkdir(parents=True)

    with (logs / "first.log").open("w") as log:
        first = subprocess.Popen([TWIN, "worker", "--poll", "0.1"], env=env, stderr=log)
    try:
        wait_until(lambda: half_written(home), 60, "the first worker's half-written clip")
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(30)
    killed = queue.get(job.id)
    assert killed.status == "running" and killed.publishing_at is None, killed
    assert deliveries(home) == []

    with (logs / "second.log").open("w") as log:
        second = subprocess.Popen([TWIN, "worker", "--poll", "0.1"], env=env, stderr=log)
    try:
        wait_until(lambda: queue.get(job.id).status in ("done", "failed"), 120, "the second")
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(60) == 0
    assert "render worker stopped" in (logs / "second.log").read_text()

    done = queue.get(job.id)
    assert (done.status, done.attempts, done.error) == ("done", 2, "")
    assert done.lease_owner != killed.lease_owner
    published = [d for d in deliveries(home) if d["event"] == "published"]
    assert len(published) == 1 and published[0]["job"] == job.id
    assert published[0]["target"] == {"channel": "C1", "thread_ts": "1.2"}
    assert Path(str(published[0]["clip"])).stat().st_size > 0


def test_twin_worker_once_runs_the_queue_and_exits(consented: Settings, database_url: str) -> None:
    queue = RenderQueue(database_url)
    ids = [queue.enqueue(text, persona=PERSONA).id for text in ("One.", "Two.")]
    env = {"TWIN__DATABASE_URL": database_url, "TWIN__RENDER__BACKEND": "fake"}
    result = CliRunner().invoke(main, ["worker", "--once"], env=env)
    assert result.exit_code == 0, result.output
    assert "2 jobs run: 2 done, 0 failed" in result.output
    assert [queue.get(i).status for i in ids] == ["done", "done"]
    assert [d["job"] for d in deliveries(consented.home)] == ids


def test_the_in_process_worker_starts_wakes_and_stops(consented: Settings) -> None:
    slow_poll = consented.render.model_copy(
        update={"jobs": consented.render.jobs.model_copy(update={"poll_s": 30})}
    )
    queue = RenderQueue(consented.db_url, slow_poll.jobs)
    publisher = RecordingPublisher()
    background = InProcessWorker(Worker(queue, publisher, slow_poll, home=consented.home))
    background.start()
    try:
        assert background.running
        time.sleep(0.2)  # let it go idle, waiting up to poll_s
        job = queue.enqueue("Hello from the thread.", persona=PERSONA)
        background.wake()
        wait_until(lambda: queue.get(job.id).status == "done", 30, "the job")
        assert publisher.published == [(job.id, Path(queue.get(job.id).clip_path))]
    finally:
        started = time.monotonic()
        background.stop(timeout=30)
    assert not background.running
    assert time.monotonic() - started < 5  # stop does not wait out the poll interval


def test_jobs_add_renders_with_piper_in_process(tmp_path: Path) -> None:
    """End to end with the real voice: CLI -> queue -> in-process worker -> piper -> clip."""
    config = tmp_path / "config.yaml"
    config.write_text("render:\n  size: 128\n")
    env = {"TWIN_HOME": str(tmp_path / "home"), "TWIN_CONFIG": None}

    def twin(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, ["--config", str(config), *args], env=env)

    refused = twin("jobs", "add", "Hello.")
    assert refused.exit_code == 1 and "no consent in force" in refused.output
    assert twin("consent", "add", "--scope", "voice,likeness", "--by", "Elena Marsh").exit_code == 0

    result = twin("jobs", "add", "Thanks for asking. We ship in March.", "--json")
    assert result.exit_code == 0, result.output
    job = json.loads(result.output)
    assert job["status"] == "done" and job["attempts"] == 1 and job["posted_at"]
    clip = Path(job["clip_path"])
    assert clip.parent == tmp_path / "home" / "clips" and clip.stat().st_size > 0
    probe = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(clip)],
        capture_output=True,
        text=True,
    )
    assert "Video: h264" in probe.stderr and "Audio: aac" in probe.stderr
    assert [d["job"] for d in deliveries(tmp_path / "home")] == [job["id"]]

    shown = twin("jobs", "show", str(job["id"]))
    assert "done" in shown.output and f"clip: {clip}" in shown.output
    missing = twin("jobs", "show", "999")
    assert missing.exit_code == 1 and "render job 999: no such job" in missing.output


def test_a_job_snapshot_serializes(consented: Settings) -> None:
    job = RenderQueue(consented.db_url).enqueue("Hi.", persona=PERSONA, target={"c": 1})
    data = job.to_json()
    assert isinstance(job, Job) and data["status"] == "queued" and data["target"] == {"c": 1}
    assert datetime.fromisoformat(str(data["created_at"])) <= datetime.now(UTC)
    assert data["posted_at"] is None and data["captions"] is None
    assert json.loads(json.dumps(data)) == data
