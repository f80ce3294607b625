"""The comms review message: question, draft, sources, reasons, and the three buttons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import HeaderBlock, SectionBlock

from bot import constants as ids
from bot.blocks.answers import answer_parts, source_lines
from bot.blocks.common import Block, actions, button, context, escape, plain, section, slack_date
from persona.results import Citation

__all__ = ["ReviewCard", "decided_review_blocks", "review_blocks"]

# The question is quoted in one section, with room for its heading.
QUESTION_CHARS = SectionBlock.text_max_length - 200
# At most this many sections of draft (Slack takes 50 blocks in a message).
DRAFT_SECTIONS = 20


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


def review_blocks(card: ReviewCard) -> list[Block]:
    where = "a direct message" if card.private else f"<#{card.channel}>"
    question = escape(card.question)[:QUESTION_CHARS]
    blocks: list[Block] = [
        HeaderBlock(text=plain("Answer waiting for comms review")).to_dict(),
        section(f"*Question* from <@{card.user}> in {where}:\n>{question}"),
        section("*Why it was held*\n" + "\n".join(f"• {escape(r)}" for r in card.reasons)),
        section("*Draft answer*"),
    ]
    draft = answer_parts(card.draft, SectionBlock.text_max_length)
    blocks += [section(part) for part in draft][:DRAFT_SECTIONS]
    if card.citations:
        blocks.append(context("*Sources*", *source_lines(card.citations)))
    blocks.append(context(f"Asked {slack_date(card.created_at)} · review #{card.approval_id}"))
    value = str(card.approval_id)
    blocks.append(
        actions(
            f"review-{card.approval_id}",
            button("Approve", ids.APPROVE, value, "primary"),
            button("Edit & approve", ids.EDIT_APPROVE, value),
            button("Reject", ids.REJECT, value, "danger"),
        )
    )
    return blocks


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
