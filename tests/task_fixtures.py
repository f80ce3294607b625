"""`twin worker` processes on a real RabbitMQ broker and PostgreSQL, for the emulated workspace.

Each test gets its own Celery queue (deleted afterwards), so workers of other tests never take
its tasks. The worker processes read the same config, home and database as the app under test.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from bot_fixtures import ROOT

from twin.settings import Settings

BROKER = os.environ.get("TWIN_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
TWIN = str(Path(sys.executable).parent / "twin")


def broker_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
    except OSError:
        return False
    return True


def wait_until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
    return result


def tasks_env(queue: str) -> dict[str, str]:
    """The settings (TWIN__ keys without the prefix) that send tasks to `queue`."""
    return {"TASKS__BROKER_URL": BROKER, "TASKS__QUEUE": queue, "TASKS__THREADS": "2"}


def worker_environ(settings: Settings, token: str = "", **extra: str) -> dict[str, str]:
    """The environment of a `twin worker` with the same settings as `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWIN")}
    env.update(
        {
            "TWIN_CONFIG": str(ROOT / "config.yaml"),
            "TWIN_HOME": str(settings.home),
            "TWIN__DATABASE_URL": settings.db_url,
            "TWIN__TASKS__BROKER_URL": settings.tasks.broker_url,
            "TWIN__TASKS__QUEUE": settings.tasks.queue,
            "TWIN__TASKS__THREADS": str(settings.tasks.threads),
            "SLACK_BOT_TOKEN": token,
        }
    )
    slack = settings.slack.model_dump(mode="json")
    for key in ("api_base_url", "review_channel", "admin_channel", "update_interval_s"):
        env[f"TWIN__SLACK__{key.upper()}"] = str(slack[key])
    for key in ("approvers", "admins", "video_replies"):
        env[f"TWIN__SLACK__{key.upper()}"] = json.dumps(slack[key])
    env.update({f"TWIN__{k}": v for k, v in extra.items()})
    return env


class Workers:
    """`twin worker` processes started by a test; stopped (or killed) at its end."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
        self.logs.mkdir(parents=True, exist_ok=True)
        with (self.logs / f"{name}.log").open("w") as log:
            process = subprocess.Popen(
                [TWIN, "worker", "--name", name], env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self.running[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text()

    def kill(self, name: str) -> None:
        process = self.running.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(30)

    def stop(self, name: str) -> int:
        process = self.running.pop(name)
        process.send_signal(signal.SIGTERM)
        return process.wait(60)

    def stop_all(self) -> None:
        for name in list(self.running):
            try:
                self.stop(name)
            except subprocess.TimeoutExpired:
                self.kill(name)


@pytest.fixture
def celery_queue() -> Iterator[str]:
    """A queue of its own for this test; deleted with what is left in it."""
    if not broker_answers():
        pytest.skip("RabbitMQ does not answer on 127.0.0.1:5672")
    name = f"twin-test-{uuid.uuid4().hex[:10]}"
    yield name
    from kombu import Connection

    with Connection(BROKER) as connection, contextlib.suppress(Exception):
        connection.default_channel.queue_delete(name)  # (never declared: nothing to delete)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    running = Workers(tmp_path / "worker-logs")
    yield running
    running.stop_all()
