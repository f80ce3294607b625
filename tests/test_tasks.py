"""Answers and renders as Celery tasks: the emulated workspace, `twin serve`'s app publishing to
a real RabbitMQ, `twin worker` processes answering, real PostgreSQL; a worker killed mid-task
(SIGKILL) has its task delivered again and the answer is posted exactly once."""

from __future__ import annotations

import json
from pathlib import Path

import bot_fixtures
import pytest
import task_fixtures
import test_bot_install
from bot_fixtures import populate
from conftest import PG_URL
from slack_emulator import SlackEmulator
from task_fixtures import Workers, tasks_env, wait_until, worker_environ
from test_bot_questions import DISCLOSURE, is_answer, text_of

from bot.deliveries import Deliveries
from bot.installs import Owner
from bot.tasks import RENDER
from render.consent import ConsentRegistry
from render.jobs import RenderQueue
from twin.models import SlackEvent
from twin.tasks import CeleryTasks

bot_factory = bot_fixtures.bot_factory
workspace = bot_fixtures.workspace
celery_queue = task_fixtures.celery_queue
workers = task_fixtures.workers
oauth_app = test_bot_install.oauth_app  # fixtures

on_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
needs_postgresql = pytest.mark.skipif(
    not PG_URL, reason="needs PostgreSQL (TWIN_TEST_DATABASE_URL)"
)

STARTUP = 90  # a worker loads the embedding model before it takes tasks (slow on a busy machine)


def answers_in(slack, channel: str, thread_ts: str) -> list[dict]:
    return [m for m in slack.thread(channel, thread_ts) if is_answer(m)]


@needs_postgresql
@on_postgresql
def test_a_question_is_answered_by_a_worker_process(
    workspace, bot_factory, database_url, celery_queue, workers: Workers
):
    slack, people = workspace
    harness = bot_factory(database_url, env=tasks_env(celery_queue))
    assert isinstance(harness.services.tasks, CeleryTasks)  # the app only publishes
    workers.start("w1", worker_environ(harness.settings, slack.bot_token))

    delivery = slack.dm(people.alice, "How long is parental leave?")
    assert delivery.acked_in_time
    dm, ts = slack.dm_channel(people.alice), delivery.event["ts"]
    answer = slack.wait_for_message(dm, is_answer, thread_ts=ts, timeout=STARTUP)
    assert "20 weeks" in text_of(answer) and DISCLOSURE in text_of(answer)
    assert len(answers_in(slack, dm, ts)) == 1

    deliveries = Deliveries(harness.services.sessions)
    key = f"event:{delivery.payload['event_id']}"
    record = wait_until(
        lambda: (r := deliveries.get(key)) and r.status == "posted" and r, 10, "the record"
    )
    assert (record.attempts, record.posted) == (1, [answer["ts"]])
    assert answer["metadata"]["event_payload"]["delivery"] == record.key
    wait_until(lambda: "twin.answer" in workers.log("w1"), 10, "the worker's log of the task")


@needs_postgresql
@on_postgresql
def test_a_killed_worker_s_answer_is_posted_once_by_the_next(
    workspace, bot_factory, database_url, celery_queue, workers: Workers
):
    slack, people = workspace
    harness = bot_factory(database_url, env=tasks_env(celery_queue))
    env = worker_environ(harness.settings, slack.bot_token)
    deliveries = Deliveries(harness.services.sessions)
    # Slack holds the end of the stream back (429, retry after a minute): the worker that took
    # the question has streamed the answer's words and is waiting to finish it when it is
    # killed; the other takes the task over.
    slack.rate_limit(1, retry_after=60, methods=["chat.stopStream"])
    for name in ("a", "b"):
        workers.start(name, env)

    delivery = slack.dm(people.alice, "How long is parental leave?")
    assert delivery.acked_in_time
    key = f"event:{delivery.payload['event_id']}"
    dm, ts = slack.dm_channel(people.alice), delivery.event["ts"]
    started = slack.wait_for_call("chat.startStream", timeout=STARTUP)
    partial = str(started.response["ts"])
    slack.wait_for_call("chat.stopStream")
    wait_until(lambda: (r := deliveries.get(key)) and r.partial_ts == partial, 10, "the record")
    [holder] = [name for name in ("a", "b") if "twin.answer" in workers.log(name)]
    workers.kill(holder)
    slack.rate_limit(0)

    wait_until(lambda: deliveries.get(key).status == "posted", STARTUP, "the other worker")
    record = deliveries.get(key)
    assert record.attempts == 2 and record.partial_ts is None
    [answer] = answers_in(slack, dm, ts)  # posted once
    assert "20 weeks" in text_of(answer) and record.posted[-1] == answer["ts"]
    assert slack.message(dm, partial) is None or partial == answer["ts"]
    assert [c.args["ts"] for c in slack.calls("chat.delete")] == [partial]


@needs_postgresql
@on_postgresql
def test_a_render_job_runs_on_a_worker_and_survives_its_kill(
    make_settings, database_url, celery_queue, workers: Workers
):
    settings = make_settings(
        database_url,
        RENDER__BACKEND="fake",
        RENDER__SIZE="128",
        RENDER__JOBS__LEASE_S="3",
        **tasks_env(celery_queue),
    )
    ConsentRegistry(settings.db_url).add("Elena Marsh", "voice,likeness", "Elena Marsh")
    queue = RenderQueue(settings.db_url, settings.render.jobs)
    long_text = " ".join(f"This is sentence number {n} of a long answer." for n in range(30))
    job = queue.enqueue(long_text, persona="Elena Marsh", target={"ticket": "T-1"})
    sender = CeleryTasks(settings.tasks)
    sender.dispatch(RENDER, job.id, "")
    sender.close()
    env = worker_environ(settings, RENDER__BACKEND="fake", RENDER__SIZE="128")
    env["TWIN__RENDER__JOBS__LEASE_S"] = "3"
    home = Path(settings.home)

    workers.start("first", env)
    wait_until(lambda: any(home.rglob(".*.part")), STARTUP, "the first worker's half-written clip")
    workers.kill("first")
    assert queue.get(job.id).status == "running"

    workers.start("second", env)
    wait_until(lambda: queue.get(job.id).status in ("done", "failed"), STARTUP, "the second")
    done = queue.get(job.id)
    assert (done.status, done.attempts, done.error) == ("done", 2, "")
    lines = (home / "deliveries.jsonl").read_text().splitlines()
    published = [d for d in map(json.loads, lines) if d["event"] == "published"]
    assert [(d["job"], d["target"]) for d in published] == [(job.id, {"ticket": "T-1"})]
    assert workers.stop("second") == 0


@needs_postgresql
@on_postgresql
def test_oauth_installs_are_answered_by_a_worker_with_each_workspace_s_token(
    oauth_app, database_url, celery_queue, workers: Workers
):
    with SlackEmulator() as slack:
        beta = slack.add_team("Beta Corp")
        teams = [(slack, populate(slack)), (beta, populate(beta))]
        app = oauth_app(slack, env=tasks_env(celery_queue))
        for team, people in teams:
            app.install(team, people.adam)
        env = worker_environ(app.settings)
        env.update({"SLACK_CLIENT_ID": slack.client_id, "SLACK_CLIENT_SECRET": slack.client_secret})
        workers.start("w1", env)
        for (team, people), installed in zip(teams, slack.installations(), strict=True):
            tenant = app.bot.tenants.tenant(Owner(None, team.team_id), team.team_id)
            assert isinstance(tenant.services.tasks, CeleryTasks)  # the app only publishes
            delivery = team.dm(people.alice, "How long is parental leave?")
            assert delivery.acked_in_time
            dm, ts = team.dm_channel(people.alice), delivery.event["ts"]
            answer = team.wait_for_message(dm, is_answer, thread_ts=ts, timeout=STARTUP)
            assert "20 weeks" in text_of(answer) and len(answers_in(team, dm, ts)) == 1
            posted = {c.token for c in team.calls() if c.method.startswith("chat.") and c.ok}
            assert posted == {installed.bot_tokens[0]}  # that workspace's own token
        wait_until(lambda: "twin.answer" in workers.log("w1"), 10, "the worker's log of the task")


def test_an_event_whose_task_cannot_be_published_is_not_acknowledged(workspace, bot_factory):
    """The broker is down: no ack, and the event id is given back, so Slack's retry is taken."""
    slack, people = workspace
    harness = bot_factory(env={"TASKS__BROKER_URL": "amqp://guest:guest@127.0.0.1:9//"})
    delivery = slack.dm(people.alice, "How long is parental leave?")
    assert delivery.status == 500
    with harness.services.sessions() as session:
        assert session.get(SlackEvent, delivery.payload["event_id"]) is None
    assert slack.calls("chat.startStream") == [] and slack.calls("chat.postMessage") == []
