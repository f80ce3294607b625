"""The console's sign-in and Reviews, against the emulated Slack and the running bot: one
decision, whichever front door makes it first; roles and CSRF checked on the server."""

from __future__ import annotations

import bot_fixtures
from console_fixtures import BASE, console_client, csrf, make_console, sign_in
from fastapi.testclient import TestClient
from test_bot_approvals import (
    QUESTION,
    approvals,
    ask_held,
    decided_review,
    is_review,
)
from test_bot_questions import TIMEOUT, is_answer, text_of

from bot.store import ApprovalStore
from persona.results import Answer, Citation
from twin.models import AdminAction

bot_factory = bot_fixtures.bot_factory
workspace = bot_fixtures.workspace  # fixtures


def actions(harness) -> list[tuple[str, str, str]]:
    with harness.services.sessions() as session:
        rows = session.query(AdminAction).order_by(AdminAction.id).all()
        return [(a.actor, a.action, a.target) for a in rows]


def test_an_approval_in_the_console_is_carried_out_in_slack(workspace, bot_factory, database_url):
    slack, people = workspace
    harness = bot_factory(database_url)
    thread_ts, _, review = ask_held(slack, people)
    carol = console_client(harness, people.carol)
    page = carol.get("/reviews")
    assert page.status_code == 200
    assert (
        QUESTION in page.text and "no layoffs this year" in page.text and "Headcount" in page.text
    )
    assert "layoffs" in page.text.split("Why it waits:")[1]  # the policy's reason
    # A form without the session's CSRF token changes nothing.
    assert carol.post("/reviews/1/approve", data={"csrf": "forged"}).status_code == 403
    assert [a.status for a in approvals(harness)] == ["pending"]
    done = carol.post("/reviews/1/approve", data={"csrf": csrf(page.text)})
    assert "Review #1 approved" in done.text
    # Slack sees it: the answer in the asker's thread, the review card marked decided.
    answer = slack.wait_for_message("general", is_answer, thread_ts=thread_ts, timeout=TIMEOUT)
    assert "no layoffs this year" in text_of(answer) and "AI twin" in text_of(answer)
    decided = decided_review(slack, people, review["ts"])
    assert f"*Approved* by <@{people.carol.id}>" in text_of(decided)
    [approval] = approvals(harness)
    assert (approval.status, approval.decided_by) == ("approved", people.carol.id)
    assert (people.carol.id, "approve", "approval 1") in actions(harness)
    assert not is_review(decided)  # no buttons left to click in Slack


def test_a_decision_in_slack_first_wins_over_the_console(workspace, bot_factory, database_url):
    slack, people = workspace
    harness = bot_factory(database_url)
    _, _, review = ask_held(slack, people)
    dave = console_client(harness, people.dave)
    token = csrf(dave.get("/reviews").text)
    slack.click(people.carol, review, "approval_approve")
    decided_review(slack, people, review["ts"])
    late = dave.post("/reviews/1/reject", data={"csrf": token, "reason": "not yet"})
    assert "already approved by Carol Comms" in late.text  # by name, not Slack id
    [approval] = approvals(harness)
    assert (approval.status, approval.decided_by, approval.note) == (
        "approved",
        people.carol.id,
        "",
    )
    assert not [a for a in actions(harness) if a[1] == "reject"]
    assert "Nothing is waiting" in dave.get("/reviews").text


def test_edit_and_reject_from_the_console(workspace, bot_factory):
    slack, people = workspace
    harness = bot_factory()
    thread_ts, notice, review = ask_held(slack, people)
    carol = console_client(harness, people.carol)
    token = csrf(carol.get("/reviews").text)
    no_reason = carol.post("/reviews/1/reject", data={"csrf": token, "reason": " "})
    assert "needs a reason" in no_reason.text
    reason = "Headcount is for the all-hands."
    carol.post("/reviews/1/reject", data={"csrf": token, "reason": reason})
    rejected = slack.wait_for(
        lambda: (m := slack.message("general", notice["ts"])) and reason in m["text"] and m,
        TIMEOUT,
    )
    assert "Sorry" in rejected["text"]
    assert not [m for m in slack.thread("general", thread_ts) if is_answer(m)]
    assert not is_review(decided_review(slack, people, review["ts"]))
    # A second held answer: an edit goes through the checks Slack's edit modal applies.
    thread2, _, _ = ask_held(slack, people)
    invented = "There will be no layoffs this year. We will open an office on the Moon in March."
    refused = carol.post("/reviews/2/approve", data={"csrf": token, "text": invented})
    assert "not supported" in refused.text and "Moon" in refused.text
    assert approvals(harness)[1].status == "pending"
    edited = "There will be no layoffs this year. [1]"
    carol.post("/reviews/2/approve", data={"csrf": token, "text": edited})
    answer = slack.wait_for_message("general", is_answer, thread_ts=thread2, timeout=TIMEOUT)
    assert "There will be no layoffs this year." in text_of(answer)
    assert "edited by comms" in text_of(answer)
    assert [(a.status, a.note) for a in approvals(harness)] == [
        ("rejected", reason),
        ("approved", "edited"),
    ]


def test_only_approvers_and_admins_sign_in_and_roles_are_checked_per_page(workspace, bot_factory):
    slack, people = workspace
    harness = bot_factory()
    ask_held(slack, people)
    outsider = TestClient(make_console(harness), base_url=BASE)
    refused = sign_in(outsider, slack, people.mallory)
    assert refused.status_code == 403 and "comms approvers and corpus admins" in refused.text
    assert outsider.get("/reviews", follow_redirects=False).headers["location"] == "/signin"
    # An admin who is not an approver may not decide; an approver may not read the audit.
    adam = console_client(harness, people.adam)
    assert adam.get("/reviews").status_code == 403
    assert adam.post("/reviews/1/approve", data={"csrf": "x"}).status_code == 403
    carol = console_client(harness, people.carol)
    assert carol.get("/audit").status_code == 403
    assert [a.status for a in approvals(harness)] == ["pending"]
    assert (people.mallory.id, "sign-in refused", "") in actions(harness)


def test_a_forged_or_replayed_sign_in_is_refused(workspace, bot_factory):
    slack, people = workspace
    harness = bot_factory()
    client = TestClient(make_console(harness), base_url=BASE)
    # No state cookie (the sign-in was started in another browser).
    assert client.get("/auth/callback?code=x&state=y").status_code == 403
    # A real code with the wrong state.
    slack.sign_in_browser_as(people.carol)
    to_slack = client.get("/auth/slack", follow_redirects=False)
    import httpx

    back = httpx.get(to_slack.headers["location"], follow_redirects=False).headers["location"]
    forged = back.replace("state=", "state=x")
    assert client.get(forged.removeprefix(BASE)).status_code == 403
    # A cookie signed with another secret is no session.
    client.cookies.set("twin_console", "eyJ1c2VyIjoiVTEifQ.forged", domain="testserver")
    assert client.get("/reviews", follow_redirects=False).status_code == 303


def test_a_draft_citing_restricted_documents_stays_hidden_from_other_approvers(
    workspace, bot_factory
):
    _, people = workspace
    harness = bot_factory()
    heron = next(d for d in harness.corpus.documents() if d.title == "Project Heron")
    draft = f"Project Heron, code word {bot_fixtures.CANARY}, is our expansion into Japan. [1]"
    cited = Citation(1, heron.id, heron.title, "2025-09-01", heron.source, draft)
    ApprovalStore(harness.services.sessions).create(
        Answer(draft, "quotes", "AI twin", [cited], True, ["m&a: test"]),
        user=people.erin.id,
        question="What is Project Heron?",
        channel=people.erin.id,
        thread_ts=None,
        private=True,
        review_channel=people.review.id,
    )
    carol = console_client(harness, people.carol)  # an approver, not in @exec
    page = carol.get("/reviews").text
    assert "What is Project Heron?" in page and bot_fixtures.CANARY not in page
    assert "cites documents you may not read" in page
    refused = carol.post("/reviews/1/approve", data={"csrf": csrf(page)})
    assert "cites documents you may not read" in refused.text
    assert bot_fixtures.CANARY not in refused.text
    assert [a.status for a in approvals(harness)] == ["pending"]
