"""The exactly-once record of an answer task (bot.deliveries), step by step, on SQLite and
PostgreSQL, with the emulator as Slack: the runs a broker may make of one task."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_emulator import SlackEmulator

from bot.deliveries import AnswerOnce, Deliveries
from bot.questions import Place, Question
from bot.slack_client import web_client
from twin.db import session_factory


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator(subscriptions=()) as emulator:  # no app: these tests are the app
        yield emulator


def setup(slack: SlackEmulator, database_url: str) -> tuple[AnswerOnce, Question, object]:
    alice = slack.add_user("alice")
    slack.say(alice, slack.dm_channel(alice), "How long is parental leave?")
    ts = slack.messages(slack.dm_channel(alice))[-1]["ts"]
    question = Question(
        "How long is parental leave?", alice.id, Place(slack.dm_channel(alice), ts, True)
    )
    client = web_client(slack.bot_token, slack.api_url, 0)
    return AnswerOnce(Deliveries(session_factory(database_url))), question, client


def test_only_the_latest_run_may_post_and_a_finished_task_is_done(slack, database_url):
    once, question, client = setup(slack, database_url)
    first = once.begin(client, "event:E1", question)
    second = once.begin(client, "event:E1", question)  # delivered again while the first runs
    assert (first.attempts, second.attempts) == (1, 2) and second.retried
    assert not once.may_post(first)  # the older run lost: it removes its partial and stops
    assert once.may_post(second) and not once.may_post(second)
    once.deliveries.finish("event:E1", "posted", ["1.0"])
    third = once.begin(client, "event:E1", question)
    assert third.done and third.attempts == 2 and third.posted == ["1.0"]


def test_a_run_again_deletes_the_partial_answer_a_dead_run_left(slack, database_url):
    once, question, client = setup(slack, database_url)
    first = once.begin(client, "event:E2", question)
    partial = client.chat_postMessage(
        channel=question.place.channel, thread_ts=question.place.thread_ts, text="We are …"
    )["ts"]
    recorder = once.partial_recorder(first)
    assert recorder is not None
    recorder(partial)  # and then the worker was killed
    second = once.begin(client, "event:E2", question)
    assert second.attempts == 2 and not second.done
    assert slack.message(question.place.channel, partial) is None
    record = once.deliveries.get("event:E2")
    assert record is not None and record.partial_ts is None


def test_a_final_answer_a_dead_run_posted_is_found_by_its_metadata(slack, database_url):
    once, question, client = setup(slack, database_url)
    first = once.begin(client, "event:E3", question)
    assert once.may_post(first)
    metadata = {"event_type": "twin_answer", "event_payload": {"delivery": "event:E3"}}
    posted = client.chat_postMessage(
        channel=question.place.channel,
        thread_ts=question.place.thread_ts,
        text="Twenty weeks.",
        metadata=metadata,
    )["ts"]  # the worker died before recording it
    again = once.begin(client, "event:E3", question)
    assert again.done
    record = once.deliveries.get("event:E3")
    assert record is not None and (record.status, record.posted) == ("posted", [posted])


def test_a_claimed_answer_slack_never_got_is_answered_again(slack, database_url):
    once, question, client = setup(slack, database_url)
    first = once.begin(client, "event:E4", question)
    assert once.may_post(first)  # and the worker died before posting
    again = once.begin(client, "event:E4", question)
    assert not again.done and once.may_post(again)
