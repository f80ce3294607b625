"""The console's Corpus, Audit, Insights and Try it pages over HTTP, and the development
sign-in: access rules from retrieval, every admin action in the audit, CSV export, charts."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import bot_fixtures
import yaml
from console_fixtures import BASE, console_client, csrf
from fastapi.testclient import TestClient
from helpers import memo
from test_bot_approvals import QUESTION, ask_held
from test_console_reviews import actions

from web.console.app import create_console

ROOT = Path(__file__).resolve().parents[1]
bot_factory = bot_fixtures.bot_factory
workspace = bot_fixtures.workspace  # fixtures


def test_corpus_lists_restricted_documents_only_to_admins_who_may_read_them(workspace, bot_factory):
    _, people = workspace
    harness = bot_factory(admins=[people.adam.id, people.erin.id])
    adam = console_client(harness, people.adam)  # no groups
    erin = console_client(harness, people.erin)  # @exec
    assert "Remote work" in adam.get("/corpus").text
    assert "Project Heron" not in adam.get("/corpus").text
    assert "1 restricted ones outside your groups" in adam.get("/corpus").text
    assert "Project Heron" in erin.get("/corpus").text
    heron = next(d for d in harness.corpus.documents() if d.title == "Project Heron")
    token = csrf(adam.get("/corpus").text)
    refused = adam.post(f"/corpus/{heron.id}/remove", data={"csrf": token})
    assert f"No document has ID {heron.id}" in refused.text
    assert harness.corpus.document(heron.id) is not None


def test_upload_with_an_audience_then_remove_both_audited(workspace, bot_factory):
    _, people = workspace
    harness = bot_factory()
    adam = console_client(harness, people.adam)
    token = csrf(adam.get("/corpus").text)
    files = [
        ("files", ("offsites.md", memo("Offsites", "2025-10-01", "We meet in Lisbon."))),
        ("files", ("broken.pdf", b"%PDF-1.4 truncated", "application/pdf")),
    ]
    started = adam.post("/corpus/upload", data={"csrf": token, "audience": "all"}, files=files)
    job = str(started.url).split("job=")[1]
    deadline = time.monotonic() + 60
    while "Done:" not in (progress := adam.get(f"/corpus/jobs/{job}").text):
        assert time.monotonic() < deadline, progress
        time.sleep(0.2)
    assert "offsites.md: added" in progress and "broken.pdf: failed" in progress
    offsites = next(d for d in harness.corpus.documents() if d.title == "Offsites")
    assert offsites.audience == "all" and offsites.ingested_by == f"console:{people.adam.id}"
    removed = adam.post(f"/corpus/{offsites.id}/remove", data={"csrf": token})
    assert "Removed" in removed.text and harness.corpus.document(offsites.id) is None
    done = actions(harness)
    assert (people.adam.id, "upload", f"upload {job}") in done
    assert (people.adam.id, "remove", f"doc {offsites.id}") in done
    bad = adam.post("/corpus/upload", data={"csrf": token, "audience": "a\nb"}, files=files[:1])
    assert "audience:" in bad.text


def test_audit_filters_and_csv_export(workspace, bot_factory):
    slack, people = workspace
    harness = bot_factory()
    ask_held(slack, people)
    answerer = harness.services.answerer
    answerer.answer("How long is parental leave?", people.erin.id, ["exec"])
    adam = console_client(harness, people.adam)
    everything = adam.get("/audit").text
    assert QUESTION in everything and "parental leave" in everything
    only_erin = adam.get("/audit", params={"person": people.erin.id}).text
    assert "parental leave" in only_erin and QUESTION not in only_erin
    by_document = adam.get("/audit", params={"document": "headcount"}).text
    assert QUESTION in by_document and "parental leave" not in by_document
    future = adam.get("/audit", params={"since": "2999-01-01"}).text
    assert "No questions match" in future
    exported = adam.get("/audit.csv", params={"person": people.alice.id})
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["question"] for r in table] == [QUESTION]
    assert table[0]["approval"] == "pending" and "Headcount" in table[0]["sources"]
    assert (people.adam.id, "export audit", "") in actions(harness)
    answerer.answer('=HYPERLINK("http://x")', people.erin.id, [])
    formula = adam.get("/audit.csv", params={"person": people.erin.id}).text
    assert "'=HYPERLINK" in formula  # shown as text by spreadsheets, never run


def test_insights_chart_questions_and_group_the_unanswered(workspace, bot_factory):
    _, people = workspace
    harness = bot_factory()
    answerer = harness.services.answerer
    for question in [
        "What is our dental insurance plan?",
        "Which dental insurance do we offer?",
        "Who won the football match on Sunday?",
        "How long is parental leave?",
    ]:
        answerer.answer(question, people.alice.id, [])
    page = console_client(harness, people.adam).get("/insights").text
    assert page.count("<svg") >= 3 and "4 questions" in page
    gaps = page.split("Unanswered, by topic")[1].split("Feedback")[0]
    assert "dental insurance" in gaps and "(2 questions)" in gaps  # two dental questions, one topic
    assert "parental leave" not in gaps


def test_try_it_answers_as_the_chosen_groups(workspace, bot_factory):
    _, people = workspace
    harness = bot_factory()
    adam = console_client(harness, people.adam)
    token = csrf(adam.get("/try").text)
    question = "What is the code word of Project Heron?"
    as_employee = adam.post("/try", data={"csrf": token, "question": question, "groups": ""})
    as_exec = adam.post("/try", data={"csrf": token, "question": question, "groups": "exec"})
    assert bot_fixtures.CANARY not in as_employee.text
    assert bot_fixtures.CANARY in as_exec.text and "AI twin" in as_exec.text
    assert [a[1] for a in actions(harness)].count("try") == 2


def test_development_sign_in_only_behind_its_flag(tmp_path):
    settings = bot_fixtures.make_settings(tmp_path / "home", env={"CONSOLE__DEV_LOGIN": "false"})
    environ = {"CONSOLE_SESSION_SECRET": "s"}
    closed = TestClient(create_console(settings, environ=environ), base_url=BASE)
    assert "Development sign-in" not in closed.get("/signin").text
    assert closed.post("/auth/dev", data={"name": "me"}).status_code == 404
    dev = settings.model_copy(
        update={"console": settings.console.model_copy(update={"dev_login": True})}
    )
    opened = TestClient(create_console(dev, environ=environ), base_url=BASE)
    assert "Development sign-in" in opened.get("/signin").text
    signed = opened.post("/auth/dev", data={"name": "dana", "groups": "exec"})
    assert signed.status_code == 200 and "Nothing is waiting" in signed.text
    assert opened.get("/corpus").status_code == 200
    # The same session is no session once the flag is off.
    closed.cookies = opened.cookies
    assert closed.get("/corpus", follow_redirects=False).headers["location"] == "/signin"


def test_the_slack_manifest_lets_the_console_sign_people_in() -> None:
    manifest = yaml.safe_load((ROOT / "deploy" / "slack" / "manifest.yaml").read_text())
    assert {"openid", "profile"} <= set(manifest["oauth_config"]["scopes"]["user"])
    redirects = manifest["oauth_config"]["redirect_urls"]
    assert any(u.endswith("/auth/callback") for u in redirects)  # and /slack/oauth_redirect
