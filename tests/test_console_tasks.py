"""Console uploads go through the task seam: with a broker a `twin worker` process ingests
them (real RabbitMQ and PostgreSQL) and the console shows the progress it records in SQL; a
broker that is down is said on the page."""

from __future__ import annotations

import time
from typing import Any

import bot_fixtures
import pytest
import task_fixtures
from conftest import PG_URL
from console_fixtures import console_client, csrf
from fastapi.testclient import TestClient
from helpers import memo
from task_fixtures import Workers, tasks_env, wait_until, worker_environ

from twin.tasks import CeleryTasks

bot_factory = bot_fixtures.bot_factory
workspace = bot_fixtures.workspace
celery_queue = task_fixtures.celery_queue
workers = task_fixtures.workers  # fixtures

STARTUP = 90  # a worker loads the embedding model before it takes tasks (slow on a busy machine)


def upload(client: TestClient, files: list[tuple[str, Any]]) -> str:
    token = csrf(client.get("/corpus").text)
    started = client.post("/corpus/upload", data={"csrf": token, "audience": "all"}, files=files)
    return str(started.url).split("job=")[1]


def progress_when_done(client: TestClient, job: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while "Done:" not in (progress := client.get(f"/corpus/jobs/{job}").text):
        assert time.monotonic() < deadline, progress
        time.sleep(0.2)
    return progress


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TWIN_TEST_DATABASE_URL)")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_console_upload_is_ingested_by_a_worker_process(
    workspace, bot_factory, database_url, celery_queue, workers: Workers
):
    slack, people = workspace
    harness = bot_factory(database_url, env=tasks_env(celery_queue))
    assert isinstance(harness.services.tasks, CeleryTasks)  # the console only publishes
    adam = console_client(harness, people.adam)
    files = [
        ("files", ("offsites.md", memo("Offsites", "2025-10-01", "We meet in Lisbon."))),
        ("files", ("broken.pdf", b"%PDF-1.4 truncated", "application/pdf")),
    ]
    job = upload(adam, files)
    assert "Ingesting: 0 of 2 files" in adam.get(f"/corpus/jobs/{job}").text  # no worker yet
    workers.start("w1", worker_environ(harness.settings, slack.bot_token))
    progress = progress_when_done(adam, job, STARTUP)
    assert "offsites.md: added" in progress and "broken.pdf: failed" in progress
    offsites = next(d for d in harness.corpus.documents() if d.title == "Offsites")
    assert offsites.ingested_by == f"console:{people.adam.id}"
    assert f"console-{job}" in offsites.source  # written by the worker under its TWIN_HOME
    wait_until(lambda: "twin.ingest_upload" in workers.log("w1"), 10, "the worker's log")


def test_an_upload_whose_task_cannot_be_published_says_so(workspace, bot_factory):
    _, people = workspace
    harness = bot_factory(env={"TASKS__BROKER_URL": "amqp://guest:guest@127.0.0.1:9//"})
    adam = console_client(harness, people.adam)
    files = [("files", ("offsites.md", memo("Offsites", "2025-10-01", "We meet in Lisbon.")))]
    progress = progress_when_done(adam, upload(adam, files), 60)
    assert "could not start the ingest" in progress
    assert all(d.title != "Offsites" for d in harness.corpus.documents())
