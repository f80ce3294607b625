"""The comms review message: question, draft, sources, reasons, and the decision buttons.

A review message stays within Slack's limits (50 blocks, about 12,000 characters of block text,
else `msg_blocks_too_long`): a long draft is cut, and its full text is in the Edit & approve
modal. A draft that cites restricted documents is not shown in the channel at all: approvers
who may read every cited source open it with View draft.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import HeaderBlock, SectionBlock

from bot import constants as ids
from bot.blocks import notices
from bot.blocks.answers import answer_parts, source_lines
from bot.blocks.common import (
    Block,
    actions,
    button,
    context,
    escape,
    plain,
    section,
    slack_date,
)
from persona.results import Citation

__all__ = ["ReviewCard", "decided_review_blocks", "draft_blocks", "review_blocks"]

# The question is quoted in one section, with room for its heading.
QUESTION_CHARS = SectionBlock.text_max_length - 200
# Slack refuses a message whose blocks carry more text than about 12,000 characters, or more
# than 50 blocks; the card keeps room for the verdict added once decided.
CARD_TEXT_CHARS = 11_000
CARD_BLOCKS = 45
DRAFT_CUT = "_The draft continues: its full text is in *Edit & approve*._"


@dataclass(frozen=True)
class ReviewCard:
    """What the comms team sees about one flagged answer."""

    approval_id: int
    user: str
    channel: str
    private: bool
    question: str
    draft: str
    citations: Sequence[Citation]
    reasons: Sequence[str]
    created_at: datetime
    hidden: bool = False  # the draft cites restricted documents: not shown in the channel


def _chars(blocks: list[Block]) -> int:
    return len(str(blocks))  # an upper bound of the text they carry


def review_blocks(card: ReviewCard) -> list[Block]:
    where = "a direct message" if card.private else f"<#{card.channel}>"
    question = escape(card.question)[:QUESTION_CHARS]
    head: list[Block] = [
        HeaderBlock(text=plain("Answer waiting for comms review")).to_dict(),
        section(f"*Question* from <@{card.user}> in {where}:\n>{question}"),
        section("*Why it was held*\n" + "\n".join(f"• {escape(r)}" for r in card.reasons)),
    ]
    tail: list[Block] = []
    if card.citations and not card.hidden:
        tail.append(context("*Sources*", *source_lines(card.citations)))
    tail.append(context(f"Asked {slack_date(card.created_at)} · review #{card.approval_id}"))
    tail.append(_buttons(card))
    if card.hidden:
        return [*head, section(notices.DRAFT_HIDDEN), *tail]
    return [*head, *_draft_within(card.draft, head + tail), *tail]


def _draft_within(draft: str, others: list[Block]) -> list[Block]:
    """The draft's sections, as many as fit beside `others`; a note where it is cut."""
    blocks = [section("*Draft answer*")]
    room = CARD_TEXT_CHARS - _chars(others) - len(DRAFT_CUT) - 200
    parts = answer_parts(draft, SectionBlock.text_max_length)
    for part in parts:
        if len(blocks) + len(others) >= CARD_BLOCKS or _chars(blocks) + len(part) + 60 > room:
            blocks.append(context(DRAFT_CUT))
            break
        blocks.append(section(part))
    return blocks


def _buttons(card: ReviewCard) -> Block:
    value = str(card.approval_id)
    view = [button("View draft", ids.VIEW_DRAFT, value)] if card.hidden else []
    return actions(
        f"review-{card.approval_id}",
        *view,
        button("Approve", ids.APPROVE, value, "primary"),
        button("Edit & approve", ids.EDIT_APPROVE, value),
        button("Reject", ids.REJECT, value, "danger"),
    )


def draft_blocks(card: ReviewCard) -> list[Block]:
    """The whole draft with its sources, for the View draft modal (up to 100 blocks)."""
    blocks = [section(part) for part in answer_parts(card.draft, SectionBlock.text_max_length)]
    if card.citations:
        blocks.append(context("*Sources*", *source_lines(card.citations)))
    return blocks[:100]


def decided_review_blocks(
    card: ReviewCard, status: str, by: str, at: datetime, note: str = ""
) -> list[Block]:
    """The review message once decided: no buttons, and who decided what, when."""
    blocks = [b for b in review_blocks(card) if b.get("type") != "actions"]
    if status == "approved":
        verdict = f":white_check_mark: *Approved* by <@{by}> {slack_date(at)}"
        if note == "edited":
            verdict += " (edited before posting)"
    else:
        verdict = f":no_entry: *Rejected* by <@{by}> {slack_date(at)}"
        if note:
            verdict += f"\n>{escape(note)[:QUESTION_CHARS]}"
    return [*blocks, section(verdict)]
