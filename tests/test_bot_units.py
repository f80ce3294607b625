"""The bot's pure parts and small helpers: mrkdwn, splitting, blocks, limits, groups, config."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from slack_emulator import DEFAULT_SUBSCRIPTIONS, SlackEmulator
from slack_sdk import WebClient

from bot.asking import StreamGate
from bot.blocks import admin as admin_blocks
from bot.blocks import answers, home, modals, reviews
from bot.directory import SlackDirectory
from bot.mrkdwn import split_text, to_mrkdwn
from bot.questions import reads_as_question
from bot.ratelimit import QuestionLimit
from persona.policy import Policy
from persona.results import Citation
from twin.sections.persona import PolicySettings, Topic
from twin.sections.slack import SlackSettings

ROOT = Path(__file__).resolve().parents[1]


# -- Markdown to mrkdwn -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "mrkdwn"),
    [
        ("**bold** and __bold__", "*bold* and *bold*"),
        ("*italic* and _italic_", "_italic_ and _italic_"),
        ("~~gone~~", "~gone~"),
        ("# Heading\ntext", "*Heading*\ntext"),
        ("- one\n* two\n+ three", "• one\n• two\n• three"),
        ("[the memo](https://x.example/m?a=1)", "<https://x.example/m?a=1|the memo>"),
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("> quoted", "> quoted"),
        ("`**code**` stays", "`**code**` stays"),
        ("```python\nx = a < b\n```", "```x = a &lt; b\n```"),
        ("In my memo [1] I wrote 5 * 3 = 15.", "In my memo [1] I wrote 5 * 3 = 15."),
        ("<@U123> hi", "&lt;@U123&gt; hi"),  # no pings smuggled in through an answer
    ],
)
def test_markdown_becomes_mrkdwn(markdown: str, mrkdwn: str) -> None:
    assert to_mrkdwn(markdown) == mrkdwn


def test_split_text_respects_the_limit_and_boundaries() -> None:
    text = "\n\n".join(f"Paragraph {i}. " + "word " * 30 for i in range(6))
    parts = split_text(text, 250)
    assert all(len(p) <= 250 for p in parts) and len(parts) > 3
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())
    assert all(p.startswith("Paragraph") for p in parts[:2])
    assert split_text("short", 100) == ["short"] and split_text("   ", 100) == []


def test_a_code_block_cut_in_two_is_closed_and_reopened() -> None:
    text = "```\n" + "\n".join(f"line {i}" for i in range(60)) + "\n```"
    parts = split_text(text, 120)
    assert all(p.count("```") == 2 for p in parts) and all(len(p) <= 120 for p in parts)


# -- Block Kit builders -----------------------------------------------------------------------

CITATIONS = [Citation(1, 7, "Parental leave", "2025-07-14", "/m/leave.md", "20 weeks")]


def _ids(message_blocks: list[dict]) -> list[str]:
    kinds = ("actions", "context_actions")
    return [e["action_id"] for b in message_blocks if b["type"] in kinds for e in b["elements"]]


def test_the_answer_footer_has_sources_disclosure_and_buttons() -> None:
    view = answers.AnswerView(CITATIONS, "From an AI twin.", answer_id=12)
    footer = answers.answer_footer(view)
    assert footer[0]["elements"][1]["text"] == "[1] *Parental leave*, 14 Jul 2025"
    assert "From an AI twin." in footer[1]["elements"][0]["text"]
    assert _ids(footer) == ["video_reply", "answer_feedback"]
    assert {e["value"] for b in footer if b["type"] == "actions" for e in b["elements"]} == {"12"}
    [thumbs] = footer[-1]["elements"]
    assert (footer[-1]["type"], thumbs["type"]) == ("context_actions", "feedback_buttons")
    assert thumbs["positive_button"]["value"] == "helpful:12"
    assert thumbs["negative_button"]["value"] == "not_helpful:12"
    shared = answers.answer_footer(answers.AnswerView(CITATIONS, "", 12, video=False, share=True))
    assert _ids(shared) == ["share_answer", "answer_feedback"]
    assert answers.answer_footer(answers.AnswerView([], "", None)) == []


def test_review_blocks_before_and_after_the_decision() -> None:
    card = reviews.ReviewCard(
        approval_id=3,
        user="U1",
        channel="C1",
        private=False,
        question="Layoffs?",
        draft="No **layoffs** [1].",
        citations=CITATIONS,
        reasons=["layoffs: the question mentions 'layoffs'"],
        created_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
    )
    review = reviews.review_blocks(card)
    assert _ids(review) == ["approval_approve", "approval_edit", "approval_reject"]
    text = str(review)
    assert "No *layoffs* [1]." in text and "<#C1>" in text and "mentions 'layoffs'" in text
    at = datetime(2026, 1, 2, 5, 0, tzinfo=UTC)
    decided = reviews.decided_review_blocks(card, "rejected", "U9", at, "Not yet")
    assert _ids(decided) == [] and "*Rejected* by <@U9>" in str(decided)
    assert "<!date^1767330000^" in str(decided) and "Not yet" in str(decided)


def test_modals_and_home() -> None:
    modal = modals.edit_modal(3, "draft")
    assert json.loads(modal["private_metadata"]) == {"approval": 3, "parts": 1}
    assert modal["blocks"][0]["element"]["initial_value"] == "draft"
    file = {"id": "F1", "name": "a.md", "url": "u", "channel": "D1", "thread_ts": None}
    ingest = modals.ingest_modal(file, ["exec", "all", "exec"])
    assert [o["value"] for o in ingest["blocks"][1]["element"]["options"]] == ["all", "exec"]
    card = home.HomeCard(
        "Elena Marsh",
        "CEO",
        "Tidewater",
        "AI twin.",
        "letters to shareholders",
        "/ask-elena",
        {"memo": 3, "meeting": 1},
        date(2025, 1, 1),
        date(2025, 9, 1),
    )
    home_text = str(home.home_view(card))
    assert "4 documents: 1 meeting, 3 memos, from 1 Jan 2025 to 1 Sep 2025." in home_text
    assert "drawn only from their own letters to shareholders." in home_text
    assert admin_blocks.stats_text({}, None, None) == "The twin knows no documents yet."


# -- limits and the streaming gate ------------------------------------------------------------


def test_the_rate_limit_counts_each_user_in_a_moving_window() -> None:
    limit = QuestionLimit(2, 60)
    assert limit.check("U1") == 0 and limit.check("U1") == 0
    assert 59 < limit.check("U1") <= 60
    assert limit.check("U2") == 0


def test_the_rate_limit_holds_across_processes_on_redis() -> None:
    """Two bots (two limiters) on one Redis share each user's count."""
    user = f"U{uuid.uuid4().hex}"
    first = QuestionLimit(3, 60, "redis://127.0.0.1:6379/0")
    second = QuestionLimit(3, 60, "redis://127.0.0.1:6379/0")
    assert first.check(user) == 0 and second.check(user) == 0 and first.check(user) == 0
    assert second.check(user) > 0 and first.check(user) > 0
    assert first.check(f"{user}-other") == 0


def test_the_stream_gate_holds_back_what_the_policy_would_hold() -> None:
    policy = Policy(PolicySettings(topics=[Topic(name="layoffs", keywords=["layoff"])]))
    shown: list[str] = []
    open_gate = StreamGate(policy, "What is our plan?", allowed=True, classifier=False)
    feed = open_gate.wrap(shown.append)
    feed("We grow. ")
    feed("No layoffs. ")
    feed("More.")
    assert shown == ["We grow. "] and not open_gate.open
    assert not StreamGate(policy, "Any layoffs?", allowed=True, classifier=False).open
    assert not StreamGate(policy, "What is our plan?", allowed=False, classifier=False).open
    assert not StreamGate(policy, "What is our plan?", allowed=True, classifier=True).open


# -- Slack user groups ------------------------------------------------------------------------


def test_groups_come_from_slack_user_groups_cached() -> None:
    with SlackEmulator() as slack:
        erin, carol = slack.add_user("erin"), slack.add_user("carol")
        exec_group = slack.add_usergroup("exec", [erin])
        comms = slack.add_usergroup("comms", [carol])
        now = [0.0]
        directory = SlackDirectory(
            WebClient(token=slack.bot_token, base_url=slack.api_url),
            watched=["exec"],
            ttl_s=300,
            default_groups=["staff"],
            config_users={"U_CFO": ["finance"]},
            role_groups=[comms.id],
            clock=lambda: now[0],
        )
        assert directory.groups_for(erin.id) == ["exec", "staff"]
        assert directory.groups_for(carol.id) == ["staff"]  # comms is a role, not an audience
        assert directory.groups_for("U_CFO") == ["finance", "staff"]
        assert directory.is_member(carol.id, [comms.id]) and not directory.is_member(
            erin.id, [comms.id]
        )
        assert directory.is_member(erin.id, [erin.id])
        assert directory.known_groups() == ["exec", "finance", "staff"]
        calls = len(slack.calls())
        slack.add_usergroup("exec2", [carol])
        directory.groups_for(carol.id)
        assert len(slack.calls()) == calls  # cached
        exec_group_users = slack.workspace.groups[exec_group.id]
        slack.workspace.mutate(lambda: exec_group_users.users.append(carol.id))
        now[0] += 301
        assert directory.groups_for(carol.id) == ["exec", "staff"]


def test_without_slack_a_user_gets_only_the_default_groups() -> None:
    client = WebClient(token="xoxb-x", base_url="http://127.0.0.1:9/api/", timeout=1)
    directory = SlackDirectory(
        client, watched=[], ttl_s=300, default_groups=["staff"], config_users={}
    )
    assert directory.groups_for("U1") == ["staff"]


# -- configuration and the app manifest -------------------------------------------------------


def test_every_slack_setting_is_documented_in_config_yaml() -> None:
    text = (ROOT / "config.yaml").read_text()
    section = yaml.safe_load(text)["slack"]
    assert set(section) == set(SlackSettings.model_fields)
    assert SlackSettings.model_validate(section).command == "/ask-elena"
    assert SlackSettings(api_base_url="http://x/api").api_base_url == "http://x/api/"
    with pytest.raises(ValueError):
        SlackSettings(command="ask")


def test_the_manifest_matches_the_config_and_the_events_handled() -> None:
    manifest = yaml.safe_load((ROOT / "deploy" / "slack" / "manifest.yaml").read_text())
    settings = SlackSettings.model_validate(
        yaml.safe_load((ROOT / "config.yaml").read_text())["slack"]
    )
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == {settings.command, settings.admin_command}
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == DEFAULT_SUBSCRIPTIONS
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "commands", "files:read", "files:write", "usergroups:read"} <= scopes
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    urls = {c["url"] for c in manifest["features"]["slash_commands"]}
    urls |= {manifest["settings"]["interactivity"]["request_url"]}
    assert {u.rsplit("/", 2)[-2:] == ["slack", "events"] for u in urls} == {True}


def test_the_slack_publisher_for_twin_worker_needs_the_bot_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.video import SlackPublisher, slack_publisher
    from render.errors import RenderError
    from twin.settings import load_settings
    from twin.text import speakable

    settings = load_settings(environ={"TWIN__SLACK__API_BASE_URL": "http://127.0.0.1:9/api"})
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    with pytest.raises(RenderError, match="SLACK_BOT_TOKEN"):
        slack_publisher(settings)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    publisher = slack_publisher(settings)
    assert isinstance(publisher, SlackPublisher)
    assert publisher.client.base_url == "http://127.0.0.1:9/api/"
    assert speakable("We grow **fast** [1], and _well_ [2].") == "We grow fast, and well."


def test_a_reply_reads_as_a_question_when_it_asks_not_when_it_thanks() -> None:
    asking = ["And when does it start?", "what about Japan", "ok, and why", "Tell me more", "so?"]
    chatter = ["thanks!", "ok", "great, thanks", "Thanks, that helps", "+1", "Howdy", ""]
    assert all(reads_as_question(text) for text in asking)
    assert not any(reads_as_question(text) for text in chatter)
