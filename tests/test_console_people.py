"""People's names, not raw Slack ids, on the console's Reviews, Audit and Insights pages
(from the bot's directory, users.info); an id Slack does not know is shown as it is."""

from __future__ import annotations

import csv
import io

import bot_fixtures
from console_fixtures import console_client, csrf
from test_bot_approvals import ask_held

bot_factory = bot_fixtures.bot_factory
workspace = bot_fixtures.workspace  # fixtures

NOBODY = "U0NOBODY1"


def test_reviews_audit_and_insights_name_people(workspace, bot_factory):
    slack, people = workspace
    harness = bot_factory(approvers=[people.comms.id], admins=[people.adam.id, people.carol.id])
    ask_held(slack, people)
    carol = console_client(harness, people.carol)
    reviews = carol.get("/reviews").text
    assert "Asked by <span" in reviews and "Alice Chen</span>" in reviews
    carol.post("/reviews/1/reject", data={"csrf": csrf(reviews), "reason": "Not now."})
    decided = carol.get("/reviews").text.split("Recently decided")[1]
    assert "Carol Comms" in decided and f">{people.carol.id}<" not in decided
    services = harness.services
    answer = services.answerer.answer("How long is parental leave?", people.erin.id, ["exec"])
    services.answerer.answer("Is the office open on Sunday?", NOBODY, [])
    services.feedback.record(answer.answer_id, people.erin.id, True)
    services.feedback.comment(answer.answer_id, people.erin.id, "Clear and quick.")
    audit = carol.get("/audit").text
    assert "Erin Exec" in audit and "Alice Chen" in audit and "rejected by Carol Comms" in audit
    assert NOBODY in audit  # not a Slack user: the id, as it is
    actions = audit.split("Console actions")[1]
    assert "Carol Comms" in actions and f">{people.carol.id}<" not in actions
    exported = list(csv.DictReader(io.StringIO(carol.get("/audit.csv").text)))
    names = {row["user"]: row["name"] for row in exported}
    assert names[people.erin.id] == "Erin Exec" and names[NOBODY] == NOBODY
    insights = carol.get("/insights").text
    assert "Clear and quick. <cite>Erin Exec</cite>" in insights
