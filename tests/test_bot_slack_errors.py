"""Slack's errors are retried, not shown to the employee: 429s (after Retry-After), 5xx and
dropped connections go through slack_sdk's retry handlers on every client the bot makes; a
stream Slack stops mid-answer ends with the whole answer posted."""

from __future__ import annotations

import bot_fixtures
from slack_emulator import SlackEmulator
from slack_sdk import WebClient
from test_bot_questions import is_answer, text_of, wait_answer

from bot.directory import SlackDirectory
from bot.replies import StreamingSupport, ThreadReply
from bot.slack_client import web_client
from persona.answer import CANT_ANSWER

bot_factory = bot_fixtures.bot_factory
workspace = bot_fixtures.workspace  # fixtures


def test_rate_limited_calls_are_retried_and_the_answer_arrives_whole(workspace, bot_factory):
    slack, people = workspace
    bot_factory()
    slack.rate_limit(every=2, retry_after=0)  # every second Web API call is refused with 429
    delivery = slack.dm(people.alice, "How long is parental leave?")
    dm = slack.dm_channel(people.alice)
    answer = wait_answer(slack, dm, delivery.event["ts"])
    text = text_of(answer)
    assert "20 weeks" in text and CANT_ANSWER not in text
    calls = slack.calls()
    refused = [i for i, c in enumerate(calls) if c.response.get("error") == "ratelimited"]
    assert len(refused) >= 2  # Slack did refuse calls on the way...
    for i in refused:  # ...and each refused call was made again and succeeded
        assert any(c.method == calls[i].method and c.ok for c in calls[i + 1 :])


def test_a_stream_slack_stops_mid_answer_ends_with_the_whole_answer(workspace):
    slack, people = workspace
    dm = slack.dm_channel(people.alice)
    client = web_client(slack.bot_token, slack.api_url, retries=0)  # no retries: errors show
    asked = client.chat_postMessage(channel=dm, text="Your question:")["ts"]
    reply = ThreadReply(
        client,
        channel=dm,
        thread_ts=asked,
        user=people.alice.id,
        team=slack.identity.team_id,
        streaming=StreamingSupport(True),
        limit=3000,
        interval_s=0,
    )
    reply.append("We are remote-first. ")
    slack.rate_limit(every=1, methods=["chat.appendStream"])
    reply.append("Everyone may work from home. ")  # refused: the stream stops, nothing raises
    assert reply.broken
    slack.rate_limit(every=0)
    reply.finish("We are remote-first. Everyone may work from home. The hubs stay open.", [])
    [posted] = [m for m in slack.thread(dm, asked) if m["ts"] != asked]
    assert posted["text"] == "We are remote-first. Everyone may work from home. The hubs stay open."


def test_user_groups_come_from_one_usergroups_list_call() -> None:
    with SlackEmulator() as slack:
        erin, carol = slack.add_user("erin"), slack.add_user("carol")
        slack.add_usergroup("exec", [erin])
        comms = slack.add_usergroup("comms", [carol])
        slack.add_usergroup("finance", [carol])
        directory = SlackDirectory(
            WebClient(token=slack.bot_token, base_url=slack.api_url),
            watched=[],
            ttl_s=300,
            default_groups=[],
            config_users={},
            role_groups=[comms.id],
        )
        assert directory.groups_for(carol.id) == ["comms", "finance"]
        assert directory.is_member(carol.id, [comms.id])
        [call] = slack.calls()
        assert call.method == "usergroups.list" and call.args["include_users"] in ("true", "1")


def test_a_refused_answer_in_a_thread_is_not_hidden_behind_retries(workspace, bot_factory):
    """Retrying must not post twice: a 429 is refused before Slack did anything."""
    slack, people = workspace
    bot_factory()
    slack.rate_limit(every=3, retry_after=0)
    asked = slack.mention(people.alice, "general", "How long is parental leave?").event
    wait_answer(slack, "general", asked["ts"])
    answers = [m for m in slack.thread("general", asked["ts"]) if is_answer(m)]
    assert len(answers) == 1
