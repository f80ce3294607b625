"""Asking the twin in Slack, end to end: the emulator, `twin serve`'s app over HTTP, the real
answer pipeline (quote mode) on a tiny corpus, and a fresh SQLite database per test."""

from __future__ import annotations

import threading
from typing import Any

import bot_fixtures
import pytest
from bot_fixtures import CANARY
from helpers import free_port
from slack_emulator import SlackEmulator

from twin.models import AnswerRecord, Feedback

bot_factory = bot_fixtures.bot_factory
workspace = bot_fixtures.workspace  # fixtures

DISCLOSURE = "AI twin of Elena Marsh"
TIMEOUT = 20


def text_of(message: dict[str, Any]) -> str:
    """A message's text and every text inside its blocks."""
    parts = [message.get("text", "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    parts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks", []))
    return "\n".join(parts)


def action_ids(message: dict[str, Any]) -> list[str]:
    return [
        e["action_id"]
        for b in message.get("blocks", [])
        if b.get("type") in ("actions", "context_actions")
        for e in b["elements"]
    ]


def is_answer(message: dict[str, Any]) -> bool:
    """A finished answer: it ends with the buttons."""
    return "answer_feedback" in action_ids(message)


def bot_messages(slack: SlackEmulator, channel: str) -> list[dict[str, Any]]:
    return [m for m in slack.messages(channel) if m.get("bot_id") == slack.identity.bot_id]


def wait_answer(slack: SlackEmulator, channel: str, thread_ts: str) -> dict[str, Any]:
    return slack.wait_for_message(channel, is_answer, thread_ts=thread_ts, timeout=TIMEOUT)


# -- the front doors --------------------------------------------------------------------------


def test_a_dm_streams_its_answer_with_sources_disclosure_and_buttons(workspace, bot_factory):
    slack, people = workspace
    harness = bot_factory()
    delivery = slack.dm(people.alice, "How long is parental leave?")
    assert delivery.acked_in_time
    dm = slack.dm_channel(people.alice)
    answer = wait_answer(slack, dm, delivery.event["ts"])
    text = text_of(answer)
    assert "20 weeks" in text and "[1]" in text and DISCLOSURE in text
    assert "*Parental leave*, 14 Jul 2025" in text  # the source, with its date
    assert action_ids(answer) == ["video_reply", "answer_feedback"]
    [started] = slack.calls("chat.startStream")
    assert started.ok and started.args["thread_ts"] == delivery.event["ts"]
    assert slack.calls("chat.stopStream")[0].args["blocks"][-1]["type"] == "context_actions"
    with harness.services.sessions() as session:
        [record] = session.query(AnswerRecord).all()
    assert (record.user_id, record.thread_id) == (
        people.alice.id,
        f"slack:{dm}:{answer['thread_ts']}",
    )


def test_a_mention_is_answered_in_its_thread_and_the_askers_follow_ups_need_no_mention(
    workspace, bot_factory
):
    slack, people = workspace
    harness = bot_factory()
    asked = slack.mention(people.alice, "general", "How long is parental leave?").event
    first = wait_answer(slack, "general", asked["ts"])
    assert "20 weeks" in text_of(first)
    # The channel thread showed the twin thinking (with loading messages) before the answer.
    methods = [c.method for c in slack.calls() if c.method.startswith(("assistant", "chat."))]
    assert methods[:2] == ["assistant.threads.setStatus", "chat.startStream"]
    status = slack.calls("assistant.threads.setStatus")[0]
    assert status.ok and (status.args["channel_id"], status.args["thread_ts"]) == (
        slack.general.id,
        asked["ts"],
    )
    assert status.args["loading_messages"][0].startswith("Looking through")
    assert slack.assistant_status(slack.general.id, asked["ts"]) is None
    start = slack.calls("chat.startStream")[0].args
    assert (start["recipient_user_id"], start["recipient_team_id"]) == (
        people.alice.id,
        slack.identity.team_id,
    )
    chatter = slack.say(people.alice, "general", "lunch?")[0].event
    slack.say(people.mallory, "general", "and when does it start?", thread_ts=chatter["ts"])
    # Talk in the twin's thread that is not for it: thanks, and someone else's question.
    slack.say(people.alice, "general", "thanks!", thread_ts=asked["ts"])
    slack.say(people.alice, "general", "ok", thread_ts=asked["ts"])
    slack.say(people.mallory, "general", "And when does it start?", thread_ts=asked["ts"])
    slack.say(people.alice, "general", "And when does it start?", thread_ts=asked["ts"])
    follow_up = slack.wait_for_message(
        "general",
        lambda m: is_answer(m) and m["ts"] != first["ts"],
        thread_ts=asked["ts"],
        timeout=TIMEOUT,
    )
    assert "*Parental leave*" in text_of(follow_up)  # the thread's topic carried over
    assert not [m for m in slack.thread("general", chatter["ts"]) if m.get("bot_id")]
    # Replies are matched before the ack: the ones not for the twin started nothing.
    with harness.services.sessions() as session:
        records = session.query(AnswerRecord).order_by(AnswerRecord.id).all()
    assert [(r.user_id, r.question) for r in records] == [
        (people.alice.id, "How long is parental leave?"),
        (people.alice.id, "And when does it start?"),
    ]
    # Anyone may still ask in the thread by mentioning the twin.
    slack.mention(people.mallory, "general", "is it paid?", thread_ts=asked["ts"])
    slack.wait_for(
        lambda: len([m for m in slack.thread("general", asked["ts"]) if is_answer(m)]) == 3,
        TIMEOUT,
        "mallory's mention answered",
    )


def test_a_slash_command_answers_ephemerally_and_shares_on_request(workspace, bot_factory):
    slack, people = workspace
    bot_factory()
    delivery = slack.slash(people.alice, "/ask-elena", "How long is parental leave?")
    assert delivery.acked_in_time and "Thinking" in delivery.text
    answer = slack.wait_for(
        lambda: next((e for e in slack.ephemerals(people.alice) if is_answer(e["message"])), None),
        TIMEOUT,
    )
    assert "20 weeks" in text_of(answer["message"])
    assert action_ids(answer["message"])[0] == "share_answer"
    assert not bot_messages(slack, "general")
    slack.click(people.alice, answer, "share_answer")
    shared = slack.wait_for_message("general", is_answer, timeout=TIMEOUT)
    text = text_of(shared)
    assert f"<@{people.alice.id}> asked" in text and "20 weeks" in text and DISCLOSURE in text
    assert "video_reply" in action_ids(shared)


def test_the_assistant_thread_greets_suggests_thinks_and_answers(workspace, bot_factory):
    slack, people = workspace
    bot_factory()
    started = slack.start_assistant_thread(people.alice, context_channel=slack.general.id)
    thread_ts = started.event["assistant_thread"]["thread_ts"]
    dm = slack.dm_channel(people.alice)
    greeting = slack.wait_for_message(dm, thread_ts=thread_ts, timeout=TIMEOUT)
    assert "AI twin" in greeting["text"]
    prompts = slack.wait_for(lambda: slack.suggested_prompts(dm, thread_ts), TIMEOUT)
    assert prompts["prompts"][0]["title"] == "Strategy"
    slack.dm(people.alice, "Can I work from home?", thread_ts=thread_ts)
    answer = wait_answer(slack, dm, thread_ts)
    assert "four days a week" in text_of(answer)
    shown, cleared = slack.calls("assistant.threads.setStatus")
    assert (shown.args["status"], len(shown.args["loading_messages"])) == ("is thinking…", 3)
    assert (cleared.args["status"], cleared.ok) == ("", True)
    assert slack.assistant_status(dm, thread_ts) is None
    assert slack.calls("assistant.threads.setTitle")[0].args["title"] == "Can I work from home?"


# -- robustness -------------------------------------------------------------------------------


def test_a_retried_event_is_answered_once_and_a_lost_one_on_its_retry(workspace, bot_factory):
    slack, people = workspace
    harness = bot_factory()
    dm = slack.dm_channel(people.alice)
    first = slack.dm(people.alice, "How long is parental leave?")
    retries = [slack.retry(first), slack.retry(slack.retry(first))]
    assert all(r.status == 200 and r.acked_in_time for r in retries)
    assert retries[-1].retry_num == 2
    wait_answer(slack, dm, first.event["ts"])
    # A delivery that never reached the app is answered when Slack retries it.
    live_url, slack.request_url = slack.request_url, f"http://127.0.0.1:{free_port()}/slack/events"
    lost = slack.dm(people.alice, "Can I work from home?")
    assert lost.status is None
    slack.request_url = live_url
    assert slack.retry(lost).status == 200
    wait_answer(slack, dm, lost.event["ts"])
    assert len([m for m in bot_messages(slack, dm) if is_answer(m)]) == 2
    with harness.services.sessions() as session:
        assert session.query(AnswerRecord).count() == 2


def test_forged_and_stale_requests_are_rejected(workspace, bot_factory):
    slack, people = workspace
    bot_factory()
    event = {"type": "app_home_opened", "user": people.alice.id, "channel": "D1", "tab": "home"}
    assert slack.send_event(event, forged_signature="v0=" + "0" * 64).status == 401
    assert slack.send_event(event, timestamp=__import__("time").time() - 600).status == 401
    assert slack.calls("views.publish") == []


def test_messages_from_bots_and_from_itself_are_ignored(workspace, bot_factory):
    slack, people = workspace
    bot_factory()
    dm = slack.dm_channel(people.alice)
    base = {"type": "message", "channel": dm, "channel_type": "im", "text": "How long is leave?"}
    other_bot = {**base, "user": "U0OTHERBOT", "bot_id": "B0OTHER", "ts": "1700000000.000001"}
    itself = {
        **base,
        "user": slack.bot_user_id,
        "bot_id": slack.identity.bot_id,
        "ts": "1700000000.000002",
    }
    assert slack.send_event(other_bot).status == 200
    assert slack.send_event(itself).status == 200
    sentinel = slack.dm(people.alice, "Can I work from home?")
    wait_answer(slack, dm, sentinel.event["ts"])
    assert [m.get("thread_ts") for m in bot_messages(slack, dm)] == [sentinel.event["ts"]]


def test_the_rate_limit_answers_with_a_friendly_message(workspace, bot_factory):
    slack, people = workspace
    bot_factory(rate_limit="1")
    dm = slack.dm_channel(people.alice)
    first = slack.dm(people.alice, "How long is parental leave?")
    wait_answer(slack, dm, first.event["ts"])
    second = slack.dm(people.alice, "Can I work from home?")
    note = slack.wait_for_message(dm, thread_ts=second.event["ts"], timeout=TIMEOUT)
    assert "faster than I can keep up" in note["text"]


@pytest.mark.parametrize("streaming", [True, False])
def test_long_answers_are_split_within_the_limit(workspace, bot_factory, streaming):
    slack, people = workspace
    slack.streaming = streaming
    bot_factory(max_message_chars="200")
    asked = slack.dm(people.alice, "How long is parental leave?").event
    dm = slack.dm_channel(people.alice)
    last = wait_answer(slack, dm, asked["ts"])
    replies = [m for m in slack.thread(dm, asked["ts"]) if m.get("bot_id")]
    assert len(replies) >= 2 and replies[-1]["ts"] == last["ts"]
    assert all(len(m["text"]) <= 200 for m in replies)
    whole = " ".join(m["text"] for m in replies)
    assert "20 weeks" in whole and DISCLOSURE in " ".join(whole.split())
    assert [is_answer(m) for m in replies] == [False] * (len(replies) - 1) + [True]


def test_without_streaming_the_answer_is_posted_and_updated(workspace, bot_factory):
    slack, people = workspace
    slack.streaming = False
    bot_factory()
    asked = slack.mention(people.alice, "general", "Can I work from home?").event
    answer = wait_answer(slack, "general", asked["ts"])
    assert [c.response["error"] for c in slack.calls("chat.startStream")] == ["unknown_method"]
    [posted] = slack.calls("chat.postMessage")
    updates = slack.calls("chat.update")
    assert updates and updates[-1].args["ts"] == posted.response["ts"] == answer["ts"]
    assert "four days a week" in text_of(answer) and DISCLOSURE in text_of(answer)
    again = slack.mention(people.alice, "general", "How long is parental leave?").event
    wait_answer(slack, "general", again["ts"])
    assert len(slack.calls("chat.startStream")) == 1  # learnt once per process


# -- access control ---------------------------------------------------------------------------


def test_a_restricted_document_reaches_only_its_audience(workspace, bot_factory):
    slack, people = workspace
    bot_factory()
    dm_alice, dm_erin = slack.dm_channel(people.alice), slack.dm_channel(people.erin)
    asked = slack.dm(people.alice, "What is Project Heron?").event
    refused = wait_answer(slack, dm_alice, asked["ts"])
    assert CANARY not in text_of(refused) and "haven't spoken" in text_of(refused)
    asked = slack.dm(people.erin, "What is Project Heron?").event
    assert CANARY in text_of(wait_answer(slack, dm_erin, asked["ts"]))
    # In a channel, an exec member's answer from an exec-only memo is shown to them alone.
    asked = slack.mention(people.erin, "general", "What is Project Heron?").event
    private = slack.wait_for(
        lambda: next(
            (e for e in slack.ephemerals(people.erin) if CANARY in text_of(e["message"])), None
        ),
        TIMEOUT,
    )
    assert private["channel"] == slack.general.id and "Only you can see" in text_of(
        private["message"]
    )
    slack.mention(people.alice, "general", "And what is the code word?", thread_ts=asked["ts"])
    reply = wait_answer(slack, "general", asked["ts"])
    assert CANARY not in text_of(reply)
    for channel in ("general", dm_alice):
        assert all(CANARY not in text_of(m) for m in slack.messages(channel))
    assert all(CANARY not in text_of(e["message"]) for e in slack.ephemerals(people.alice))


# -- App Home, feedback, video ----------------------------------------------------------------


def test_app_home_shows_the_twin_and_what_it_knows(workspace, bot_factory):
    slack, people = workspace
    bot_factory()
    assert slack.open_home(people.alice).acked_in_time
    home = slack.wait_for(lambda: slack.home_view(people.alice), TIMEOUT)
    text = text_of(home)
    assert "Elena Marsh" in text and "CEO" in text and DISCLOSURE in text
    assert "4 documents: 4 memos, from 10 Mar 2025 to 1 Sep 2025." in text
    assert "/ask-elena" in text


def test_feedback_is_stored_with_an_optional_comment(workspace, bot_factory):
    slack, people = workspace
    harness = bot_factory()
    asked = slack.mention(people.alice, "general", "Can I work from home?").event
    answer = wait_answer(slack, "general", asked["ts"])
    [thumbs] = answer["blocks"][-1]["elements"]
    assert thumbs["type"] == "feedback_buttons"
    slack.click(people.alice, answer, "answer_feedback", "positive")
    slack.wait_for(
        lambda: [e for e in slack.ephemerals(people.alice) if "Thanks" in e["message"]["text"]],
        TIMEOUT,
    )
    assert slack.click(people.mallory, answer, "answer_feedback", "negative").acked_in_time
    # Opened in the ack, within the trigger_id's 3 s: the modal is there when the ack arrives.
    [modal] = slack.views(people.mallory, open_only=True)
    assert modal["callback_id"] == "feedback_comment"
    assert slack.submit_view(people.mallory, modal, {"comment": {"text": "Too vague"}}).ok

    def rows() -> list[tuple[str, bool, str]]:
        with harness.services.sessions() as session:
            found = session.query(Feedback).order_by(Feedback.user_id).all()
            return [(f.user_id, f.helpful, f.comment) for f in found]

    expected = sorted([(people.alice.id, True, ""), (people.mallory.id, False, "Too vague")])
    slack.wait_for(lambda: rows() == expected, TIMEOUT, "both verdicts stored")


def test_the_video_button_says_when_video_replies_are_off(workspace, bot_factory):
    slack, people = workspace
    bot_factory(video_replies="false")
    asked = slack.mention(people.alice, "general", "Can I work from home?").event
    answer = wait_answer(slack, "general", asked["ts"])
    slack.click(people.alice, answer, "video_reply")
    note = slack.wait_for(
        lambda: [e for e in slack.ephemerals(people.alice) if "Video" in e["message"]["text"]],
        TIMEOUT,
    )
    assert "not enabled" in note[0]["message"]["text"]


def test_many_questions_at_once_are_each_answered_once(workspace, bot_factory):
    slack, people = workspace
    bot_factory()
    dm = slack.dm_channel(people.alice)
    questions = ["How long is parental leave?", "Can I work from home?", "Will the hubs stay open?"]
    deliveries: list[Any] = []
    threads = [
        threading.Thread(target=lambda q=q: deliveries.append(slack.dm(people.alice, q)))
        for q in questions
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(d.acked_in_time for d in deliveries)
    for d in deliveries:
        wait_answer(slack, dm, d.event["ts"])
    assert len([m for m in bot_messages(slack, dm) if is_answer(m)]) == 3
