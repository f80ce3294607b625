"""Corpus admin in Slack: upload -> audience modal -> ingest -> answers use it; /twin-admin."""

from __future__ import annotations

from typing import Any

import bot_fixtures
from helpers import memo
from slack_emulator import SlackEmulator
from test_bot_questions import TIMEOUT, action_ids, text_of, wait_answer

bot_factory = bot_fixtures.bot_factory
workspace = bot_fixtures.workspace  # fixtures

HIRING = memo(
    "Hiring plan",
    "2025-10-01",
    "We are hiring forty engineers in Lisbon next year. Every candidate meets two future "
    "teammates before an offer.",
)


def choose(audience: list[str], kind: str = "auto") -> dict[str, dict[str, Any]]:
    return {
        "audience": {
            "groups": {
                "type": "multi_static_select",
                "selected_options": [{"value": a} for a in audience],
            }
        },
        "kind": {"choice": {"type": "static_select", "selected_option": {"value": kind}}},
    }


def admin_reply(slack: SlackEmulator, user: Any, words: str) -> str:
    """The text of the first ephemeral for `user` containing `words`."""
    found = slack.wait_for(
        lambda: next((e for e in slack.ephemerals(user) if words in text_of(e["message"])), None),
        TIMEOUT,
        f"an ephemeral with {words!r}",
    )
    return text_of(found["message"])


def test_an_admin_uploads_in_a_dm_and_the_twin_answers_from_it(workspace, bot_factory):
    slack, people = workspace
    harness = bot_factory()
    dm = slack.dm_channel(people.adam)
    slack.share_file(people.adam, dm, "hiring.md", HIRING.encode())
    offer = slack.wait_for_message(dm, lambda m: "ingest_file" in action_ids(m), timeout=TIMEOUT)
    assert "hiring.md" in text_of(offer)
    slack.click(people.adam, offer, "ingest_file")
    modal = slack.wait_for(lambda: slack.views(people.adam, open_only=True), TIMEOUT)[0]
    options = [o["value"] for o in modal["blocks"][1]["element"]["options"]]
    assert options[0] == "all" and "exec" in options
    assert slack.submit_view(people.adam, modal, choose(["all"], "memo")).ok
    report = slack.wait_for_message(
        dm, lambda m: "hiring.md" in m["text"] and "added" in m["text"], timeout=TIMEOUT
    )
    assert "document 5" in report["text"]
    downloads = [c for c in slack.calls("files.info")]
    assert downloads and downloads[0].args["file"] == offer["blocks"][1]["elements"][0]["value"]
    # Everyone can now get answers from it.
    asked = slack.dm(people.alice, "Are we hiring engineers in Lisbon?").event
    answer = wait_answer(slack, slack.dm_channel(people.alice), asked["ts"])
    assert "forty engineers in Lisbon" in text_of(answer) and "*Hiring plan*" in text_of(answer)
    doc = harness.services.corpus.document(5)
    assert (doc.audience, doc.kind, doc.ingested_by) == ("all", "memo", f"slack:{people.adam.id}")
    # /twin-admin: docs, stats, remove.
    slack.slash(people.adam, "/twin-admin", "docs")
    assert "Hiring plan" in admin_reply(slack, people.adam, "5 documents")
    slack.slash(people.adam, "/twin-admin", "stats")
    assert "5 memos" in admin_reply(slack, people.adam, "5 documents:")
    slack.slash(people.adam, "/twin-admin", "remove 5")
    admin_reply(slack, people.adam, "Removed `5` Hiring plan")
    assert harness.services.corpus.document(5) is None
    slack.slash(people.adam, "/twin-admin", "remove 99")
    admin_reply(slack, people.adam, "No document has ID 99")


def test_uploads_in_the_admin_channel_can_be_restricted_and_others_are_refused(
    workspace, bot_factory
):
    slack, people = workspace
    bot_factory()
    secret = memo("Office move", "2025-11-01", "We are moving the Boston office to Cambridge.")
    secret = secret.replace("audience: all\n", "")  # no audience of its own: the modal's counts
    slack.share_file(people.adam, people.admin, "move.md", secret.encode())
    offer = slack.wait_for(
        lambda: next(
            (e for e in slack.ephemerals(people.adam) if "ingest_file" in action_ids(e["message"])),
            None,
        ),
        TIMEOUT,
    )
    slack.click(people.adam, offer, "ingest_file")
    modal = slack.wait_for(lambda: slack.views(people.adam, open_only=True), TIMEOUT)[0]
    slack.submit_view(people.adam, modal, choose(["exec"]))
    assert "front matter" not in admin_reply(slack, people.adam, "added")
    asked = slack.dm(people.erin, "Where is the Boston office moving?").event
    assert "Cambridge" in text_of(wait_answer(slack, slack.dm_channel(people.erin), asked["ts"]))
    asked = slack.dm(people.alice, "Where is the Boston office moving?").event
    assert "Cambridge" not in text_of(
        wait_answer(slack, slack.dm_channel(people.alice), asked["ts"])
    )
    # Non-admins: an upload in a DM and the admin command are refused.
    mallory_dm = slack.dm_channel(people.mallory)
    slack.share_file(people.mallory, mallory_dm, "evil.md", b"# nothing")
    refusal = slack.wait_for_message(mallory_dm, timeout=TIMEOUT)
    assert "Only twin admins" in refusal["text"] and not action_ids(refusal)
    slack.slash(people.mallory, "/twin-admin", "remove 1")
    admin_reply(slack, people.mallory, "Only twin admins")
    slack.click(people.mallory, offer, "ingest_file")
    admin_reply(slack, people.mallory, "Only twin admins")
    assert len(slack.views(people.mallory)) == 0


def test_a_file_dropped_in_the_assistant_pane_is_offered_to_an_admin_and_can_be_ignored(
    workspace, bot_factory
):
    slack, people = workspace
    harness = bot_factory()
    dm = slack.dm_channel(people.adam)
    started = slack.start_assistant_thread(people.adam).event["assistant_thread"]["thread_ts"]
    slack.share_file(people.adam, dm, "hiring.md", HIRING.encode(), thread_ts=started)
    offer = slack.wait_for_message(
        dm, lambda m: "ingest_file" in action_ids(m), thread_ts=started, timeout=TIMEOUT
    )
    assert action_ids(offer) == ["ingest_file", "ignore_file"] and "hiring.md" in text_of(offer)
    slack.click(people.adam, offer, "ingest_file")
    modal = slack.wait_for(lambda: slack.views(people.adam, open_only=True), TIMEOUT)[0]
    assert slack.submit_view(people.adam, modal, choose(["all"], "memo")).ok
    report = slack.wait_for_message(
        dm, lambda m: "added" in m["text"], thread_ts=started, timeout=TIMEOUT
    )
    assert "hiring.md" in report["text"] and "document 5" in report["text"]
    [info] = slack.calls("files.info")
    assert info.ok and info.token == slack.bot_token
    doc = harness.services.corpus.document(5)
    assert (doc.audience, doc.kind, doc.ingested_by) == ("all", "memo", f"slack:{people.adam.id}")
    # Another file, ignored: the offer goes away and nothing is read or ingested.
    slack.share_file(people.adam, dm, "draft.md", b"# A draft\n\nNot yet.", thread_ts=started)
    second = slack.wait_for_message(
        dm, lambda m: "draft.md" in text_of(m) and action_ids(m), thread_ts=started, timeout=TIMEOUT
    )
    slack.click(people.adam, second, "ignore_file")
    slack.wait_for(lambda: slack.message(dm, second["ts"]) is None, TIMEOUT, "the offer removed")
    assert len(slack.calls("files.info")) == 1 and harness.services.corpus.document(6) is None


def test_a_non_admin_dropping_a_file_is_offered_nothing_and_their_question_is_answered(
    workspace, bot_factory
):
    slack, people = workspace
    bot_factory()
    dm = slack.dm_channel(people.alice)
    started = slack.start_assistant_thread(people.alice).event["assistant_thread"]["thread_ts"]
    slack.share_file(
        people.alice,
        dm,
        "notes.md",
        b"# Notes",
        text="How long is parental leave?",
        thread_ts=started,
    )
    answer = wait_answer(slack, dm, started)
    assert "20 weeks" in text_of(answer)
    slack.share_file(people.alice, dm, "more.md", b"# More", thread_ts=started)
    refusal = slack.wait_for_message(
        dm, lambda m: "Only twin admins" in m["text"], thread_ts=started, timeout=TIMEOUT
    )
    assert not action_ids(refusal)
    # In the DM itself (not the pane) a question that comes with a file is answered too.
    asked = slack.share_file(people.alice, dm, "wfh.md", b"# Home", text="Can I work from home?")[
        0
    ].event
    assert "four days a week" in text_of(wait_answer(slack, dm, asked["ts"]))
    offered = [m for m in slack.messages(dm) if {"ingest_file", "ignore_file"} & set(action_ids(m))]
    assert offered == [] and slack.calls("files.info") == []
