"""The approval loop closed: an approved answer reaches the employee as a real message from a
durable outbox (retried, exactly once), saying who approved it and whether comms edited it;
edits are checked again; waiting reviews are escalated to the approver group; a draft citing
restricted documents is shown only to approvers who may read its sources; review cards stay
within Slack's limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import bot_fixtures
from bot_fixtures import CANARY
from slack_emulator import SlackEmulator
from test_bot_approvals import QUESTION, approvals, ask_held, decided_review, ephemeral_for
from test_bot_questions import TIMEOUT, action_ids, is_answer, text_of

from bot.blocks.modals import edit_fields, edit_modal
from bot.blocks.reviews import ReviewCard, review_blocks
from bot.questions import Place, Question
from persona.results import Answer, Citation
from twin.models import SlackOutbox

bot_factory = bot_fixtures.bot_factory
workspace = bot_fixtures.workspace  # fixtures


def outbox(harness: Any) -> list[SlackOutbox]:
    with harness.services.sessions() as session:
        return session.query(SlackOutbox).order_by(SlackOutbox.id).all()


def test_an_approved_answer_is_a_real_message_saying_who_approved_it(
    workspace, bot_factory, database_url
):
    slack, people = workspace
    harness = bot_factory(database_url)
    thread_ts, notice, review = ask_held(slack, people)
    slack.click(people.carol, review, "approval_approve")
    answer = slack.wait_for_message("general", is_answer, thread_ts=thread_ts, timeout=TIMEOUT)
    assert f"Approved by <@{people.carol.id}>" in text_of(answer)
    assert "edited" not in text_of(answer)
    assert not slack.ephemerals(people.alice)  # a message in the thread, not an ephemeral
    slack.wait_for(lambda: outbox(harness)[0].status == "sent", TIMEOUT, "the outbox row sent")
    [row] = outbox(harness)
    assert (row.ts, row.batch) == (answer["ts"], "approval:1")
    assert answer["metadata"]["event_payload"]["outbox_id"] == row.id
    assert harness.services.housekeeper().run_once() == 0
    assert len([m for m in slack.thread("general", thread_ts) if is_answer(m)]) == 1
    assert f"<@{people.carol.id}>" in slack.message("general", notice["ts"])["text"]


def test_a_failed_post_is_retried_from_the_outbox_exactly_once(workspace, bot_factory):
    slack, people = workspace
    harness = bot_factory(env={"SLACK__API_RETRIES": "0"})
    thread_ts, _, review = ask_held(slack, people)
    slack.rate_limit(every=1, methods=["chat.postMessage"])  # Slack refuses every post
    slack.click(people.dave, review, "approval_approve")
    slack.wait_for(lambda: approvals(harness)[0].status == "approved", TIMEOUT)
    slack.wait_for(lambda: outbox(harness) and outbox(harness)[0].error, TIMEOUT)
    [row] = outbox(harness)
    assert (row.status, row.error) == ("pending", "ratelimited")
    slack.rate_limit(every=0)
    harness.services.outbox.deliver(harness.services.client, now=row.next_at)
    harness.services.outbox.deliver(harness.services.client, now=row.next_at)
    answers = [m for m in slack.thread("general", thread_ts) if is_answer(m)]
    assert len(answers) == 1 and outbox(harness)[0].status == "sent"


def test_a_post_left_half_done_by_a_dead_process_is_found_not_repeated(workspace, bot_factory):
    slack, people = workspace
    harness = bot_factory()
    services = harness.services
    thread_ts, _, review = ask_held(slack, people)
    slack.rate_limit(every=1, methods=["chat.postMessage"])
    slack.click(people.carol, review, "approval_approve")
    slack.wait_for(lambda: outbox(harness) and outbox(harness)[0].error, TIMEOUT)
    slack.rate_limit(every=0)
    [row] = outbox(harness)
    # A process claimed the row and posted it, then died before recording that it had.
    claimed = datetime.now(UTC) - timedelta(minutes=5)
    with services.sessions.begin() as session:
        session.get(SlackOutbox, row.id).status = "sending"
        session.get(SlackOutbox, row.id).claimed_at = claimed
    metadata = {"event_type": "twin_outbox", "event_payload": {"outbox_id": row.id}}
    posted = services.client.chat_postMessage(
        channel=row.channel, thread_ts=row.thread_ts, text=row.text, metadata=metadata
    )
    assert services.outbox.deliver(services.client) == 0
    assert (outbox(harness)[0].status, outbox(harness)[0].ts) == ("sent", posted["ts"])
    bot_posts = [m for m in slack.thread("general", thread_ts) if m["text"] == row.text]
    assert len(bot_posts) == 1


def test_an_edit_is_checked_again_and_the_employee_sees_it_was_edited(workspace, bot_factory):
    slack, people = workspace
    harness = bot_factory()
    thread_ts, _, review = ask_held(slack, people)
    slack.click(people.dave, review, "approval_edit")
    modal = slack.wait_for(lambda: slack.views(people.dave, open_only=True), TIMEOUT)[0]
    sensitive = "No layoffs this year, and our salaries and bonuses go up by 10%."
    refused = slack.submit_view(people.dave, modal, {"answer": {"text": sensitive}})
    assert refused.json()["response_action"] == "errors"
    assert "compensation" in refused.json()["errors"]["answer"]
    assert approvals(harness)[0].status == "pending"
    invented = "There will be no layoffs this year. We will open an office on the Moon in March."
    ungrounded = slack.submit_view(people.dave, modal, {"answer": {"text": invented}})
    assert "not supported" in ungrounded.json()["errors"]["answer"]
    assert "Moon" in ungrounded.json()["errors"]["answer"]
    assert "no layoffs" not in ungrounded.json()["errors"]["answer"]  # her own words pass
    assert approvals(harness)[0].status == "pending"
    edited = "There will be no layoffs this year. [1]"
    assert slack.submit_view(people.dave, modal, {"answer": {"text": edited}}).ok
    answer = slack.wait_for_message("general", is_answer, thread_ts=thread_ts, timeout=TIMEOUT)
    assert "There will be no layoffs this year." in text_of(answer)
    assert "edited by comms" in text_of(answer) and f"<@{people.dave.id}>" in text_of(answer)


def test_a_waiting_review_is_escalated_once_to_the_approver_group(workspace, bot_factory):
    slack, people = workspace
    harness = bot_factory(escalate_after_s="1800", remind_after_s="600")
    thread_ts, _, review = ask_held(slack, people)
    slack.wait_for(lambda: approvals(harness)[0].review_ts, TIMEOUT, "the review message saved")
    nudges, client = harness.services.nudges, harness.services.client
    assert nudges.escalate(client) == 0  # not waiting long enough yet
    later = datetime.now(UTC) + timedelta(seconds=1801)
    assert nudges.escalate(client, now=later) == 1
    assert nudges.escalate(client, now=later + timedelta(days=1)) == 0  # once
    escalated = slack.wait_for_message(
        people.review, lambda m: "escalated" in m.get("text", ""), thread_ts=review["ts"]
    )
    assert f"<!subteam^{people.comms.id}>" in escalated["text"] and "30 min" in escalated["text"]
    waiting = slack.wait_for_message(
        "general", lambda m: "still waiting" in m.get("text", ""), thread_ts=thread_ts
    )
    assert waiting["bot_id"]
    assert nudges.remind(client, now=later) == 1
    reminded = slack.wait_for_message(
        people.review, lambda m: "has been waiting" in m.get("text", ""), thread_ts=review["ts"]
    )
    assert f"<!subteam^{people.comms.id}>" in reminded["text"]  # reminders mention someone


def test_a_restricted_draft_is_shown_only_to_approvers_who_may_read_its_sources(
    workspace, bot_factory
):
    slack, people = workspace
    grace = slack.add_user("grace", real_name="Grace Exec-Comms")
    slack.workspace.mutate(lambda: slack.workspace.groups[people.exec.id].users.append(grace.id))
    harness = bot_factory(approvers=[people.comms.id, grace.id])
    services = harness.services
    heron = next(d for d in services.corpus.documents() if d.title == "Project Heron")
    answer = Answer(
        body=f"Project Heron, code word {CANARY}, is our expansion into Japan. [1]",
        mode="quotes",
        disclosure="AI twin of Elena Marsh.",
        citations=[Citation(1, heron.id, heron.title, "2025-09-01", heron.source, "Japan")],
        needs_approval=True,
        approval_reasons=["m&a: the question mentions 'expansion'"],
    )
    asked = services.client.chat_postMessage(channel="general", text="(the question)")["ts"]
    place = Place(slack.general.id, asked, private=False)
    question = Question("Where do we expand next?", people.erin.id, place)
    services.approvals.submit(services.client, question, answer)
    review = slack.wait_for_message(people.review, lambda m: "approval_approve" in str(m))
    assert CANARY not in text_of(review) and "Project Heron" not in text_of(review)
    assert action_ids(review)[0] == "approval_view_draft"
    slack.click(people.carol, review, "approval_view_draft")  # comms, but not in exec
    ephemeral_for(slack, people.carol, "documents you may not read")
    slack.click(people.carol, review, "approval_approve")
    slack.wait_for(lambda: len(slack.ephemerals(people.carol)) == 2, TIMEOUT)
    assert approvals(harness)[0].status == "pending" and not slack.views(people.carol)
    slack.click(grace, review, "approval_view_draft")
    [draft] = slack.wait_for(lambda: slack.views(grace, open_only=True), TIMEOUT)
    assert CANARY in text_of(draft)
    slack.click(grace, review, "approval_approve")
    dm = slack.dm_channel(people.erin)
    delivered = slack.wait_for_message(dm, lambda m: CANARY in text_of(m), timeout=TIMEOUT)
    assert f"<#{slack.general.id}>" in text_of(delivered) and "Approved by" in text_of(delivered)
    assert not [m for m in slack.thread("general", asked) if CANARY in text_of(m)]
    decided = decided_review(slack, people, review["ts"])
    assert CANARY not in text_of(decided)


def test_a_long_draft_keeps_the_review_card_within_slacks_limits() -> None:
    draft = "\n\n".join(
        f"Paragraph {i}: " + "we grow & hire < 5 roles > plan. " * 40 for i in range(20)
    )
    card = ReviewCard(
        approval_id=9,
        user="U1",
        channel="C1",
        private=False,
        question="Layoffs?",
        draft=draft,
        citations=[],
        reasons=["layoffs: the question mentions 'layoffs'"],
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    blocks = review_blocks(card)
    with SlackEmulator() as slack:
        client = slack_client(slack)
        client.chat_postMessage(channel=slack.general.id, text="review", blocks=blocks)
    assert "full text is in *Edit & approve*" in str(blocks)
    modal = edit_modal(9, draft)
    inputs = [b for b in modal["blocks"] if b["type"] == "input"]
    assert len(inputs) == len(edit_fields(len(inputs))) > 1
    typed = " ".join(b["element"]["initial_value"] for b in inputs)
    assert " ".join(typed.split()) == " ".join(draft.split())  # the whole draft, to edit


def slack_client(slack: SlackEmulator) -> Any:
    from slack_sdk import WebClient

    return WebClient(token=slack.bot_token, base_url=slack.api_url)


_ = QUESTION
