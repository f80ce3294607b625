"""The console in a real browser: Debian's Chromium driven by Playwright, against `twin serve`'s
console on a real port, the running bot and the emulated Slack. Signs in through the emulator's
Sign in with Slack pages, approves a held answer (Slack's review card shows it), uploads files,
reads the audit, the insights and asks in Try it; reads a document's versions and what changed.
Screenshots go to $CONSOLE_SCREENSHOTS when set (the README's come from there), else to the
test's temporary folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import bot_fixtures
import pytest
from console_fixtures import make_console
from helpers import free_port, memo, write
from playwright.sync_api import Browser, Page, expect, sync_playwright
from test_bot_approvals import QUESTION, approvals, ask_held, decided_review
from test_bot_questions import text_of

from retrieval.ingest import Ingestor
from web.console.server import ConsoleServer

bot_factory = bot_fixtures.bot_factory
workspace = bot_fixtures.workspace  # fixtures

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
WAIT_MS = 30_000
UNANSWERED = [
    "What is our dental insurance plan?",
    "Which dental insurance do we offer?",
    "Who won the football match on Sunday?",
]


@pytest.fixture
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make install` (apt chromium)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def snap(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def sign_in_as(page: Page, base: str, who: str) -> None:
    page.goto(f"{base}/")
    page.get_by_role("link", name="Sign in with Slack").click()
    page.get_by_role("link", name=f"Continue as {who}").click()  # the emulator's Slack page
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CONSOLE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.slow
def test_sign_in_approve_upload_and_read_insights_in_a_browser(
    workspace, bot_factory, browser, tmp_path, shots
):
    slack, people = workspace
    harness = bot_factory()
    _, _, review = ask_held(slack, people)
    port = free_port()
    base = f"http://localhost:{port}"
    server = ConsoleServer(make_console(harness, base), "127.0.0.1", port).start()
    try:
        page = browser.new_page(viewport={"width": 1100, "height": 760})
        page.set_default_timeout(WAIT_MS)
        page.goto(f"{base}/reviews")
        expect(page.get_by_role("link", name="Sign in with Slack")).to_be_visible()
        snap(page, shots, "signin")
        # A comms approver approves in the browser; Slack's review card shows who decided.
        sign_in_as(page, base, "Carol Comms")
        card = page.locator("#review-1")
        expect(card).to_contain_text(QUESTION)
        expect(card).to_contain_text("no layoffs this year")
        snap(page, shots, "reviews")
        card.get_by_role("button", name="Approve", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("Review #1 approved")
        decided = decided_review(slack, people, review["ts"])
        assert f"*Approved* by <@{people.carol.id}>" in text_of(decided)
        assert [a.status for a in approvals(harness)] == ["approved"]
        page.get_by_role("button", name="Sign out").click()
        # An admin uploads two files and watches them ingest.
        sign_in_as(page, base, "Adam Admin")
        upload_and_check_corpus(page, base, tmp_path, shots)
        check_audit_insights_and_try(page, base, shots, harness)
    finally:
        server.stop()


def upload_and_check_corpus(page: Page, base: str, tmp_path: Path, shots: Path) -> None:
    page.goto(f"{base}/corpus")
    expect(page.locator("table")).to_contain_text("Remote work")
    expect(page.locator("table")).not_to_contain_text("Project Heron")  # exec-only; Adam isn't
    texts = {
        "offsites.md": memo("Offsites", "2025-10-01", "We meet twice a year in Lisbon."),
        "laptops.md": memo("Laptops", "2025-10-02", "Everyone gets a laptop every three years."),
    }
    files = [write(tmp_path / "up" / name, text) for name, text in texts.items()]
    page.locator("input[name=files]").set_input_files([str(f) for f in files])
    page.get_by_role("button", name="Upload and ingest").click()
    expect(page.locator("#progress")).to_contain_text("Done: 2 of 2 files")  # polled by htmx
    page.get_by_role("link", name="Refresh the list").click()
    expect(page.locator("table")).to_contain_text("Offsites")
    expect(page.locator("table")).to_contain_text("Laptops")
    snap(page, shots, "corpus")


def check_audit_insights_and_try(page: Page, base: str, shots: Path, harness: object) -> None:
    page.goto(f"{base}/audit")
    expect(page.locator("table.audit")).to_contain_text(QUESTION)
    expect(page.locator("table.audit")).to_contain_text("approved by")
    snap(page, shots, "audit")
    page.goto(f"{base}/try")
    page.locator("input[name=question]").fill("How long is parental leave?")
    page.get_by_role("button", name="Ask").click()
    expect(page.locator("article.answer")).to_contain_text("20 weeks")
    expect(page.locator("article.answer")).to_contain_text("AI twin")
    snap(page, shots, "try")
    for question in UNANSWERED:  # questions the corpus cannot answer: gaps for the insights
        harness.services.answerer.answer(question, "U0ALICE", [])  # type: ignore[attr-defined]
    page.goto(f"{base}/insights")
    expect(page.locator("svg").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("Questions per day")
    expect(page.locator("main")).to_contain_text("dental insurance")
    snap(page, shots, "insights")


@pytest.mark.slow
def test_a_documents_versions_and_what_changed_in_a_browser(
    workspace, bot_factory, browser, tmp_path, shots
):
    _, people = workspace
    harness = bot_factory()
    body = (
        "We are a remote-first company. Everyone may work from home up to three days a week. "
        "The hubs stay open for anyone who wants a desk. I'd rather we trust people than "
        "count badge swipes.\n\nFrom March, Tuesday is an office day for every team."
    )
    new = write(tmp_path / "memos" / "remote.md", memo("Remote work", "2025-03-10", body))
    assert Ingestor(harness.corpus, f"slack:{people.adam.id}").run([new]).counts["updated"] == 1
    port = free_port()
    base = f"http://localhost:{port}"
    server = ConsoleServer(make_console(harness, base), "127.0.0.1", port).start()
    try:
        page = browser.new_page(viewport={"width": 1100, "height": 760})
        page.set_default_timeout(WAIT_MS)
        sign_in_as(page, base, "Adam Admin")
        page.goto(f"{base}/corpus")
        page.get_by_role("link", name="Remote work").click()
        expect(page.locator("h1")).to_contain_text("Remote work")
        expect(page.locator("table.versions")).to_contain_text("Adam Admin (slack)")
        diff = page.locator("#v2 .diff")
        expect(diff.locator("del")).to_have_text("four")
        expect(diff.locator("ins").first).to_have_text("three")
        expect(diff.locator(".ins", has_text="Tuesday is an office day")).to_be_visible()
        snap(page, shots, "versions")
    finally:
        server.stop()
