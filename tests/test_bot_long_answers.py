"""Long answers are split after escaping, never cut: every character the reader should see
arrives, in as many messages as it takes, whichever way the answer is written."""

from __future__ import annotations

import html

import pytest
from slack_emulator import SlackEmulator

from bot.replies import StreamingSupport, ThreadReply
from bot.slack_client import web_client

# 2,690 characters in which &, < and > are frequent: escaped for mrkdwn it is far longer.
SENTENCE = "R&D spend < 5% & margin > 20% means Q&A <-> P&L stay aligned & clear. "
ANSWER = (SENTENCE * 40)[:2690].rstrip() + " The end."


def visible(messages: list[dict]) -> str:
    """What the reader sees: each message's text, entities decoded, whitespace collapsed."""
    return " ".join(" ".join(html.unescape(m["text"]) for m in messages).split())


@pytest.mark.parametrize("streaming", [True, False])
@pytest.mark.parametrize("streamed", [0, 1200])
def test_a_long_answer_full_of_entities_arrives_whole(streaming: bool, streamed: int) -> None:
    with SlackEmulator(streaming=streaming) as slack:
        alice = slack.add_user("alice")
        dm = slack.dm_channel(alice)
        client = web_client(slack.bot_token, slack.api_url, retries=0)
        asked = client.chat_postMessage(channel=dm, text="Your question:")["ts"]
        reply = ThreadReply(
            client,
            channel=dm,
            thread_ts=asked,
            user=alice.id,
            team=slack.identity.team_id,
            streaming=StreamingSupport(True),
            limit=3000,
            interval_s=0,
        )
        if streamed:
            reply.append(ANSWER[:streamed])
        posted = reply.finish(ANSWER, [])
        messages = [m for m in slack.thread(dm, asked) if m["ts"] != asked]
        assert [m["ts"] for m in messages] == posted
        if not (streaming and streamed):  # a stream takes Markdown; mrkdwn needs 2 messages
            assert len(posted) >= 2
        assert visible(messages) == " ".join(ANSWER.split())
        for message in messages:
            for block in message.get("blocks", []):
                if block["type"] == "section":
                    assert len(block["text"]["text"]) <= 3000
