"""Guests and people of other organisations (Slack Connect) are refused by default, with a
clear message, and never read the company's "all"-audience documents just by asking."""

from __future__ import annotations

import bot_fixtures
from test_bot_questions import TIMEOUT, bot_messages, is_answer, wait_answer

from twin.models import AnswerRecord

bot_factory = bot_fixtures.bot_factory
workspace = bot_fixtures.workspace  # fixtures

QUESTION = "How long is parental leave?"


def answers(harness) -> list[AnswerRecord]:
    with harness.services.sessions() as session:
        return session.query(AnswerRecord).all()


def test_guests_are_refused_with_a_clear_message(workspace, bot_factory):
    slack, _ = workspace
    harness = bot_factory()
    guest = slack.add_user("gus", is_restricted=True)
    single = slack.add_user("sam", is_ultra_restricted=True)
    for user in (guest, single):
        slack.dm(user, QUESTION)
        dm = slack.dm_channel(user)
        refusal = slack.wait_for_message(dm, lambda m: "guests" in m.get("text", ""))
        assert "20 weeks" not in refusal["text"]
    slack.slash(guest, "/ask-elena", QUESTION)
    slack.wait_for(
        lambda: [r for r in slack.responses() if "guests" in r.payload.get("text", "")], TIMEOUT
    )
    assert answers(harness) == []  # nothing was even searched
    assert not [m for m in bot_messages(slack, slack.dm_channel(guest)) if is_answer(m)]


def test_people_of_another_organisation_are_refused_in_a_shared_channel(workspace, bot_factory):
    slack, people = workspace
    harness = bot_factory()
    outsider = slack.add_user("olga", team="T0OTHERORG")
    asked = slack.mention(outsider, "general", QUESTION).event
    refusal = slack.wait_for(
        lambda: [e for e in slack.ephemerals(outsider) if "other" in e["message"]["text"]],
        TIMEOUT,
    )
    assert "organisations" in refusal[0]["message"]["text"]
    assert not [m for m in slack.thread("general", asked["ts"]) if is_answer(m)]
    assert answers(harness) == []
    member = slack.mention(people.alice, "general", QUESTION).event  # a member still may
    assert "20 weeks" in str(wait_answer(slack, "general", member["ts"]))


def test_a_workspace_may_let_guests_ask(workspace, bot_factory):
    slack, _ = workspace
    bot_factory(allow_guests="true")
    guest = slack.add_user("gus", is_restricted=True)
    delivery = slack.dm(guest, QUESTION)
    answer = wait_answer(slack, slack.dm_channel(guest), delivery.event["ts"])
    assert "20 weeks" in str(answer)
