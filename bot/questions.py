"""A question from Slack and the place its answer goes."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Place", "Question", "thread_key"]


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


def thread_key(channel: str, thread_ts: str | None) -> str | None:
    """The pipeline's conversation id of a Slack thread."""
    return f"slack:{channel}:{thread_ts}" if thread_ts else None
