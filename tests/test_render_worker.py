"""The render task in-process: `run_job` (taking over a dead worker's job), `twin jobs add`
without a broker; `twin worker` without one. Workers as processes: tests/test_tasks.py."""

from __future__ import annotations

import json
import subprocess
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
from render.worker import Worker
from twin.settings import Settings

PERSONA = "Elena Marsh"


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


def test_a_job_held_by_a_dead_worker_is_taken_over_when_its_lease_runs_out(
    consented: Settings,
) -> None:
    """The render task delivered again after its worker died: `run_job` waits out the dead
    worker's lease, then takes the job over and publishes it once."""
    short = consented.render.model_copy(
        update={"jobs": consented.render.jobs.model_copy(update={"lease_s": 1})}
    )
    queue = RenderQueue(consented.db_url, short.jobs)
    job = queue.enqueue("Hello again.", persona=PERSONA)
    assert queue.claim_job(job.id, "dead-worker") is not None  # and then it died
    publisher = RecordingPublisher()
    ended = Worker(queue, publisher, short, home=consented.home).run_job(job.id)
    assert (ended.status, ended.attempts, ended.error) == ("done", 2, "")
    assert ended.lease_owner != "dead-worker"
    assert publisher.published == [(job.id, Path(ended.clip_path))]
    again = Worker(queue, publisher, short, home=consented.home).run_job(job.id)
    assert again.status == "done" and len(publisher.published) == 1  # run again: nothing


def test_twin_worker_needs_a_broker(consented: Settings, database_url: str) -> None:
    env = {"TWIN__DATABASE_URL": database_url}
    result = CliRunner().invoke(main, ["worker"], env=env)
    assert result.exit_code == 1
    assert "tasks.broker_url is empty" in result.output


def test_jobs_add_renders_with_piper_in_process(tmp_path: Path) -> None:
    """End to end with the real voice: CLI -> queue -> the render task in-process -> piper."""
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
