"""A question from Slack and the place its answer goes."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Place", "Question", "reads_as_question", "thread_key"]

# Words a question or a request starts with, after an "and", "so", "ok", ... ("ok, and why?").
_ASKING = re.compile(
    r"^(?:(?:and|but|so|also|ok|okay|then|hmm|wait)\b[\s,.…-]*)*"
    r"(?:what|when|where|who|whom|whose|why|how|which|is|are|was|were|do|does|did|can|could|"
    r"will|would|should|shall|may|might|has|have|had|tell|explain|describe|give|list|show)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Place:
    """Where a question was asked and its answer goes."""

    channel: str
    thread_ts: str | None  # None: a slash command (answered ephemerally)
    private: bool  # only the asker sees it (a DM or an assistant thread)
    team: str | None = None


@dataclass(frozen=True)
class Question:
    text: str
    user: str
    place: Place

    @property
    def thread_id(self) -> str | None:
        return thread_key(self.place.channel, self.place.thread_ts)


def reads_as_question(text: str) -> bool:
    """Whether a reply asks something: it has a question mark, or starts (after a connective)
    like a question or a request ("and the UK?", "what about Japan", "tell me more") — not
    "thanks!", "ok" or "great, that helps"."""
    text = text.strip()
    return "?" in text or bool(_ASKING.match(text))


def thread_key(channel: str, thread_ts: str | None) -> str | None:
    """The pipeline's conversation id of a Slack thread."""
    return f"slack:{channel}:{thread_ts}" if thread_ts else None
