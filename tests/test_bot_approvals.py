"""Comms approval end to end, on SQLite and PostgreSQL: hold, review, approve / edit / reject,
refuse outsiders, survive a restart, decide once under concurrent clicks, remind."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import bot_fixtures
from slack_emulator import SlackEmulator
from test_bot_questions import TIMEOUT, action_ids, is_answer, text_of

from twin.models import AnswerRecord, Approval

bot_factory = bot_fixtures.bot_factory
workspace = bot_fixtures.workspace  # fixtures

QUESTION = "Will there be layoffs this year?"


def is_review(message: dict[str, Any]) -> bool:
    return "approval_approve" in action_ids(message)


def ask_held(slack: SlackEmulator, people: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Alice asks a question the policy holds; returns (thread_ts, notice, review message)."""
    asked = slack.mention(people.alice, "general", QUESTION).event
    review = slack.wait_for_message(people.review, is_review, timeout=TIMEOUT)
    notice = slack.wait_for_message(
        "general", lambda m: "comms team" in m.get("text", ""), thread_ts=asked["ts"]
    )
    return asked["ts"], notice, review


def approvals(harness: Any) -> list[Approval]:
    with harness.services.sessions() as session:
        return session.query(Approval).order_by(Approval.id).all()


def ephemeral_for(slack: SlackEmulator, user: Any, words: str) -> dict[str, Any]:
    return slack.wait_for(
        lambda: next(
            (e for e in slack.ephemerals(user) if words in e["message"].get("text", "")), None
        ),
        TIMEOUT,
        f"an ephemeral saying {words!r}",
    )


def decided_review(slack: SlackEmulator, people: Any, ts: str) -> dict[str, Any]:
    return slack.wait_for(
        lambda: (m := slack.message(people.review, ts)) and not is_review(m) and m, TIMEOUT
    )


def test_a_held_answer_is_approved_after_a_refusal_and_a_restart(
    workspace, bot_factory, database_url
):
    slack, people = workspace
    harness = bot_factory(database_url)
    thread_ts, notice, review = ask_held(slack, people)
    # Not posted: only the notice is in the thread.
    assert [m for m in slack.thread("general", thread_ts) if m.get("bot_id")] == [notice]
    text = text_of(review)
    assert QUESTION in text and "no layoffs this year" in text and "*Headcount*" in text
    assert "layoffs" in text and f"<@{people.alice.id}>" in text
    assert action_ids(review) == ["approval_approve", "approval_edit", "approval_reject"]
    # An outsider's click is refused, and changes nothing.
    slack.click(people.mallory, review, "approval_approve")
    ephemeral_for(slack, people.mallory, "Only the comms approvers")
    assert [a.status for a in approvals(harness)] == ["pending"]
    # The bot restarts (a new process on the same database); the old button still works.
    harness.restart()
    slack.click(people.carol, review, "approval_approve")
    answer = slack.wait_for_message("general", is_answer, thread_ts=thread_ts, timeout=TIMEOUT)
    assert "no layoffs this year" in text_of(answer) and "AI twin" in text_of(answer)
    decided = decided_review(slack, people, review["ts"])
    assert f"*Approved* by <@{people.carol.id}>" in text_of(decided)
    [approval] = approvals(harness)
    assert (approval.status, approval.decided_by, approval.note) == (
        "approved",
        people.carol.id,
        "",
    )
    assert approval.decided_at is not None
    with harness.services.sessions() as session:
        record = session.get(AnswerRecord, approval.answer_id)
        assert record.needs_approval and f"approved by {people.carol.id}" in record.notes
    updated_notice = slack.message("general", notice["ts"])
    assert "approved" in updated_notice["text"]


def test_edit_and_approve_posts_the_edited_answer(workspace, bot_factory, database_url):
    slack, people = workspace
    harness = bot_factory(database_url)
    thread_ts, _, review = ask_held(slack, people)
    slack.click(people.dave, review, "approval_edit")
    modal = slack.wait_for(lambda: slack.views(people.dave, open_only=True), TIMEOUT)[0]
    draft = modal["blocks"][0]["element"]["initial_value"]
    assert "no layoffs this year" in draft
    empty = slack.submit_view(people.dave, modal, {"answer": {"text": "  "}})
    assert empty.json()["response_action"] == "errors"
    edited = "We have **no plans** for layoffs this year. [1]"
    assert slack.submit_view(people.dave, modal, {"answer": {"text": edited}}).ok
    answer = slack.wait_for_message("general", is_answer, thread_ts=thread_ts, timeout=TIMEOUT)
    assert "We have *no plans* for layoffs this year. [1]" in text_of(answer)  # as mrkdwn
    assert "*Headcount*" in text_of(answer)
    decided = decided_review(slack, people, review["ts"])
    assert "edited before posting" in text_of(decided)
    [approval] = approvals(harness)
    assert (approval.status, approval.final, approval.note) == ("approved", edited, "edited")


def test_reject_posts_a_polite_rejection_with_the_reason(workspace, bot_factory, database_url):
    slack, people = workspace
    harness = bot_factory(database_url)
    thread_ts, notice, review = ask_held(slack, people)
    slack.click(people.carol, review, "approval_reject")
    modal = slack.wait_for(lambda: slack.views(people.carol, open_only=True), TIMEOUT)[0]
    reason = "Headcount plans are shared at the all-hands on Friday."
    slack.submit_view(people.carol, modal, {"reason": {"text": reason}})
    rejected = slack.wait_for(
        lambda: (m := slack.message("general", notice["ts"])) and "decided" in m["text"] and m,
        TIMEOUT,
    )
    assert reason in rejected["text"] and "Sorry" in rejected["text"]
    assert not [m for m in slack.thread("general", thread_ts) if is_answer(m)]
    decided = decided_review(slack, people, review["ts"])
    assert f"*Rejected* by <@{people.carol.id}>" in text_of(decided) and reason in text_of(decided)
    [approval] = approvals(harness)
    assert (approval.status, approval.note) == ("rejected", reason)


def test_two_approvers_at_once_make_exactly_one_decision(workspace, bot_factory, database_url):
    slack, people = workspace
    harness = bot_factory(database_url)
    thread_ts, _, review = ask_held(slack, people)
    start = threading.Barrier(2)

    def click(user: Any) -> None:
        start.wait()
        slack.click(user, review, "approval_approve")

    clicks = [threading.Thread(target=click, args=(u,)) for u in (people.carol, people.dave)]
    for t in clicks:
        t.start()
    for t in clicks:
        t.join()
    slack.wait_for_message("general", is_answer, thread_ts=thread_ts, timeout=TIMEOUT)
    loser = slack.wait_for(
        lambda: [
            e
            for u in (people.carol, people.dave)
            for e in slack.ephemerals(u)
            if "already approved" in e["message"]["text"]
        ],
        TIMEOUT,
    )
    [approval] = approvals(harness)
    assert approval.status == "approved"
    assert loser[0]["user"] != approval.decided_by
    answers = [m for m in slack.thread("general", thread_ts) if is_answer(m)]
    assert len(answers) == 1


def test_a_waiting_approval_is_reminded_once_per_period(workspace, bot_factory, database_url):
    slack, people = workspace
    harness = bot_factory(database_url, remind_after_s="600")
    _, _, review = ask_held(slack, people)
    slack.wait_for(lambda: approvals(harness)[0].review_ts, TIMEOUT, "the review message saved")
    keeper = harness.services.housekeeper()
    assert keeper.run_once() == 0  # not waiting long enough yet
    later = datetime.now(UTC) + timedelta(seconds=601)
    nudges = harness.services.nudges
    assert nudges.remind(harness.services.client, now=later) == 1
    assert nudges.remind(harness.services.client, now=later) == 0
    reminder = slack.wait_for_message(
        people.review, lambda m: "has been waiting" in m.get("text", ""), thread_ts=review["ts"]
    )
    assert "Review #1" in reminder["text"] and "10 min" in reminder["text"]
    assert nudges.remind(harness.services.client, now=later + timedelta(seconds=601)) == 1


def test_a_held_slash_command_answer_arrives_by_dm_once_approved(workspace, bot_factory):
    slack, people = workspace
    bot_factory()
    slack.slash(people.alice, "/ask-elena", QUESTION)
    ephemeral_for(slack, people.alice, "direct message once it's approved")
    review = slack.wait_for_message(people.review, is_review, timeout=TIMEOUT)
    assert "a direct message" in text_of(review)
    slack.click(people.carol, review, "approval_approve")
    dm = slack.dm_channel(people.alice)
    answer = slack.wait_for_message(dm, is_answer, timeout=TIMEOUT)
    assert "no layoffs this year" in text_of(answer)
