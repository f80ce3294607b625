"""App Home: what the twin is, whose words it draws on, the disclosure, and what it knows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import DividerBlock, HeaderBlock
from slack_sdk.models.views import View

from bot.blocks.admin import stats_text
from bot.blocks.common import Block, context, escape, plain, section

__all__ = ["HomeCard", "home_view"]


@dataclass(frozen=True)
class HomeCard:
    persona: str
    title: str
    company: str
    disclosure: str
    sources: str
    command: str
    by_kind: dict[str, int]
    first: date | None
    last: date | None


def home_view(card: HomeCard) -> Block:
    knows = stats_text(card.by_kind, card.first, card.last)
    blocks: list[Block] = [
        HeaderBlock(text=plain(f"{card.persona}'s AI twin")).to_dict(),
        section(
            f"I answer questions in the words of *{escape(card.persona)}*, {escape(card.title)} "
            f"of {escape(card.company)}, drawn only from their own {escape(card.sources)}. "
            "Every answer lists its sources. Some answers are checked by the comms team before "
            "they are posted."
        ),
        context(f":robot_face: {escape(card.disclosure)}"),
        DividerBlock().to_dict(),
        section(f"*What I know*\n{knows}"),
        DividerBlock().to_dict(),
        section(
            "*How to ask*\n• Send me a direct message, or open me in the AI assistant panel\n"
            "• Mention me in a channel; I answer in the thread, and follow-ups there need no "
            f"mention\n• `{card.command} your question` answers only you"
        ),
    ]
    return View(type="home", blocks=blocks).to_dict()
