"""What several listeners share: the plain ack, and reading who clicked what where."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond

from bot.blocks.answers import AnswerView, answer_footer
from bot.blocks.common import section

__all__ = ["ack_only", "clicked", "modal_text", "respond_answer", "tell_clicker", "thread_of"]


def ack_only(ack: Ack) -> None:
    ack()


def clicked(body: dict[str, Any]) -> tuple[str, int]:
    """Who clicked, and the number in the button's value (an answer or a review)."""
    return body["user"]["id"], int(body["actions"][0]["value"])


def thread_of(body: dict[str, Any]) -> tuple[str, str | None]:
    """The channel and thread of the message whose button was clicked."""
    container = body.get("container", {})
    message = body.get("message") or {}
    channel = container.get("channel_id") or body["channel"]["id"]
    return channel, message.get("thread_ts") or container.get("thread_ts") or message.get("ts")


def modal_text(view: dict[str, Any], field: tuple[str, str]) -> str:
    return str(view["state"]["values"].get(field[0], {}).get(field[1], {}).get("value") or "")


def tell_clicker(respond: Respond, text: str) -> None:
    respond(text=text, replace_original=False, response_type="ephemeral")


def respond_answer(respond: Respond, parts: list[str], view: AnswerView, **extra: Any) -> None:
    for index, part in enumerate(parts):
        footer = answer_footer(view) if index == len(parts) - 1 else []
        respond(text=part, blocks=[section(part), *footer], replace_original=False, **extra)
