"""An answer message: its text in parts that fit, then sources, disclosure and buttons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot import constants as ids
from bot.blocks.common import Block, actions, button, context, escape, feedback, section, when
from bot.mrkdwn import split_text, to_mrkdwn
from persona.results import Citation

__all__ = [
    "AnswerView",
    "answer_blocks",
    "answer_footer",
    "answer_metadata",
    "answer_parts",
    "shared_intro",
    "source_lines",
]


@dataclass(frozen=True)
class AnswerView:
    """What an answer message shows besides its text."""

    citations: Sequence[Citation]
    disclosure: str
    answer_id: int | None
    video: bool = True  # the "Video reply" button
    share: bool = False  # the "Share in channel" button (ephemeral answers)


def answer_parts(body_markdown: str, limit: int) -> list[str]:
    """The answer body as mrkdwn, in parts that each fit one message."""
    return split_text(to_mrkdwn(body_markdown), limit) or ["…"]


def source_lines(citations: Sequence[Citation]) -> list[str]:
    lines = []
    for c in citations:
        date = when(c.date)
        lines.append(f"[{c.n}] *{escape(c.title)}*" + (f", {date}" if date else ""))
    return lines


def answer_footer(view: AnswerView, *, disclosure: bool = True) -> list[Block]:
    """Sources, the disclosure line and the buttons that end every answer: Share / Video
    reply, then Slack's own thumbs (feedback_buttons in a context_actions block)."""
    blocks: list[Block] = []
    if view.citations:
        blocks.append(context("*Sources*", *source_lines(view.citations)))
    if disclosure and view.disclosure:
        blocks.append(context(f":robot_face: {escape(view.disclosure)}"))
    buttons = []
    if view.answer_id is not None:
        value = str(view.answer_id)
        if view.share:
            buttons.append(button("Share in channel", ids.SHARE_ANSWER, value, "primary"))
        if view.video:
            buttons.append(button(":movie_camera: Video reply", ids.VIDEO_REPLY, value))
    if buttons:
        blocks.append(actions(f"answer-{view.answer_id}", *buttons))
    if view.answer_id is not None:
        blocks.append(feedback(f"feedback-{view.answer_id}", ids.FEEDBACK, view.answer_id))
    return blocks


def answer_blocks(text_mrkdwn: str, view: AnswerView | None) -> list[Block]:
    """One message of an answer: its text, and the footer when `view` is given (the last part)."""
    blocks = [section(text_mrkdwn)]
    return blocks + answer_footer(view) if view is not None else blocks


def answer_metadata(answer_id: int | None) -> dict[str, Any]:
    return {"event_type": ids.ANSWER_EVENT, "event_payload": {"answer_id": answer_id or 0}}


def shared_intro(user: str, question: str) -> str:
    return f"<@{user}> asked: _{escape(question)[:500]}_"
