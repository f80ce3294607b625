"""The small pieces every surface uses: text objects, sections, context lines, buttons."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextActionsBlock,
    ContextBlock,
    FeedbackButtonObject,
    FeedbackButtonsElement,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.mrkdwn import escape

__all__ = [
    "Block",
    "actions",
    "button",
    "context",
    "escape",
    "feedback",
    "plain",
    "section",
    "slack_date",
    "when",
]

Block = dict[str, Any]

# A plain-text label (headers, options, input labels) shows at most this many characters.
LABEL_CHARS = 150
# A context element's text: slack_sdk.models does not check this limit of Slack's.
CONTEXT_CHARS = 2000


def plain(text: str, limit: int = LABEL_CHARS) -> PlainTextObject:
    return PlainTextObject(text=text[:limit] or " ", emoji=True)


def section(text: str) -> Block:
    """A mrkdwn section. Text longer than Slack takes is refused (SlackObjectFormationError),
    never cut: split it first (bot.mrkdwn.split_text)."""
    return SectionBlock(text=MarkdownTextObject(text=text)).to_dict()


def context(*texts: str) -> Block:
    """A context line of up to ten mrkdwn elements (more are left off)."""
    elements = [MarkdownTextObject(text=t[:CONTEXT_CHARS]) for t in texts if t]
    return ContextBlock(elements=elements[: ContextBlock.elements_max_length]).to_dict()


def button(label: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=plain(label, ButtonElement.text_max_length),
        action_id=action_id,
        value=value,
        style=style,
    )


def actions(block_id: str, *elements: ButtonElement) -> Block:
    return ActionsBlock(block_id=block_id, elements=list(elements)).to_dict()


def feedback(block_id: str, action_id: str, answer_id: int) -> Block:
    """Slack's thumbs up / down under an answer; each button's value is "helpful:ID" or
    "not_helpful:ID" (bot.listeners.feedback reads it back)."""
    thumbs = FeedbackButtonsElement(
        action_id=action_id,
        positive_button=FeedbackButtonObject(
            text=plain("👍"), value=f"helpful:{answer_id}", accessibility_label="Helpful"
        ),
        negative_button=FeedbackButtonObject(
            text=plain("👎"), value=f"not_helpful:{answer_id}", accessibility_label="Not helpful"
        ),
    )
    return ContextActionsBlock(block_id=block_id, elements=[thumbs]).to_dict()


def slack_date(moment: datetime) -> str:
    """A date Slack shows in the reader's time zone, with a plain fallback."""
    stamp = int(moment.timestamp())
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{stamp}^{{date_short_pretty}} at {{time}}|{fallback}>"


def when(value: str | date | None) -> str:
    """A document date as "14 Jul 2025" ("" when it has none)."""
    if not value:
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return day.strftime("%-d %b %Y")
