"""Messages the bot must post exactly once, from a durable outbox in SQL.

An approved answer is written to the outbox in the transaction that records the decision, then
posted; whatever Slack or the process does, it is posted once:
- a row is claimed by one conditional UPDATE (pending -> sending), so one process posts it;
- every message carries its outbox id in its metadata, so a row left in `sending` by a process
  that died mid-post is looked up in Slack before it is posted again;
- a failed post goes back to pending with a backoff (Slack's 429s and 5xx were already retried
  by the client); an error Slack will repeat (channel_not_found, invalid_blocks, ...) fails the
  row for good and is logged.
The messages of one batch (the parts of one answer) are posted in order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker

from twin.models import SlackOutbox

__all__ = ["OUTBOX_EVENT", "Outbox", "OutboxMessage", "of_workspace"]

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
OUTBOX_EVENT = "twin_outbox"  # metadata event type of a message that has no other metadata
RETRYABLE = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
}


@dataclass(frozen=True)
class OutboxMessage:
    channel: str
    thread_ts: str | None
    text: str
    blocks: list[dict[str, Any]]
    metadata: dict[str, Any] | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def of_workspace(column: Any, workspace: str | None) -> Any:
    """Rows of `workspace` (an OAuth-installed workspace's key; None: the single-token app's)."""
    return column.is_(None) if workspace is None else column == workspace


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Outbox:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        lease_s: float = 60,
        max_attempts: int = 8,
        workspace: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.workspace = workspace  # posts only this workspace's messages (bot.tenants)
        self.lease_s = lease_s  # a row in `sending` longer than this was left by a dead process
        self.max_attempts = max_attempts

    @staticmethod
    def add(
        session: Session, batch: str, messages: list[OutboxMessage], workspace: str | None = None
    ) -> None:
        """Queue `messages` in the caller's transaction (so they exist iff it commits)."""
        now = _now()
        for m in messages:
            session.add(
                SlackOutbox(
                    batch=batch,
                    channel=m.channel,
                    thread_ts=m.thread_ts,
                    text=m.text,
                    blocks=m.blocks,
                    payload=m.metadata,
                    status=PENDING,
                    attempts=0,
                    next_at=now,
                    error="",
                    created_at=now,
                    workspace=workspace,
                )
            )

    def batch(self, batch: str) -> list[SlackOutbox]:
        with self.sessions() as session:
            query = select(SlackOutbox).where(SlackOutbox.batch == batch)
            return list(session.scalars(query.order_by(SlackOutbox.id)))

    def deliver(self, client: WebClient, now: datetime | None = None) -> int:
        """Post every due message (and recover ones a dead process left); returns how many
        were posted now."""
        now = now or _now()
        posted = 0
        blocked: set[str] = set()  # batches with an earlier message not yet posted
        for row in self._due(now):
            if row.batch in blocked:
                continue
            if row.status == SENDING and self._recover(client, row):
                continue
            if not self._claim(row, now):
                blocked.add(row.batch)
                continue
            if self._post(client, row):
                posted += 1
            else:
                blocked.add(row.batch)
        return posted

    # -- the steps -------------------------------------------------------------------------

    def _due(self, now: datetime) -> list[SlackOutbox]:
        stale = now - timedelta(seconds=self.lease_s)
        with self.sessions() as session:
            query = select(SlackOutbox).where(
                ((SlackOutbox.status == PENDING) & (SlackOutbox.next_at <= now))
                | ((SlackOutbox.status == SENDING) & (SlackOutbox.claimed_at <= stale)),
                of_workspace(SlackOutbox.workspace, self.workspace),
            )
            return list(session.scalars(query.order_by(SlackOutbox.id)))

    def _claim(self, row: SlackOutbox, now: datetime) -> bool:
        """Take the row for this process: one conditional UPDATE, so one process posts it."""
        with self.sessions.begin() as session:
            result = session.execute(
                update(SlackOutbox)
                .where(SlackOutbox.id == row.id, SlackOutbox.status == row.status)
                .where(
                    SlackOutbox.claimed_at.is_(None)
                    if row.claimed_at is None
                    else SlackOutbox.claimed_at == row.claimed_at
                )
                .values(status=SENDING, claimed_at=now, attempts=SlackOutbox.attempts + 1)
            )
            assert isinstance(result, CursorResult)
            return result.rowcount == 1

    def _post(self, client: WebClient, row: SlackOutbox) -> bool:
        metadata = self._metadata(row)
        try:
            response = client.chat_postMessage(
                channel=row.channel,
                thread_ts=row.thread_ts,
                text=row.text,
                blocks=row.blocks or None,
                metadata=metadata,
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            self._failed(row, error, final=error not in RETRYABLE)
            return False
        except (SlackClientError, OSError) as exc:
            self._failed(row, str(exc), final=False)
            return False
        self._sent(row.id, str(response["ts"]))
        return True

    def _recover(self, client: WebClient, row: SlackOutbox) -> bool:
        """A row left in `sending`: if Slack has its message, record it as sent."""
        try:
            if row.thread_ts:
                found = client.conversations_replies(
                    channel=row.channel, ts=row.thread_ts, include_all_metadata=True, limit=200
                )
            else:
                found = client.conversations_history(
                    channel=row.channel, include_all_metadata=True, limit=200
                )
        except (SlackClientError, OSError) as exc:
            log.warning("outbox %s: cannot look for its message (%s); posting it", row.id, exc)
            return False
        messages: list[dict[str, Any]] = found.get("messages", [])
        for message in messages:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("outbox_id") == row.id:
                self._sent(row.id, str(message["ts"]))
                return True
        return False

    @staticmethod
    def _metadata(row: SlackOutbox) -> dict[str, Any]:
        metadata = dict(row.payload or {"event_type": OUTBOX_EVENT, "event_payload": {}})
        metadata["event_payload"] = {**metadata.get("event_payload", {}), "outbox_id": row.id}
        return metadata

    def _sent(self, row_id: int, ts: str) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(SlackOutbox)
                .where(SlackOutbox.id == row_id)
                .values(status=SENT, ts=ts, error="")
            )

    def _failed(self, row: SlackOutbox, error: str, *, final: bool) -> None:
        attempts = row.attempts + 1
        final = final or attempts >= self.max_attempts
        log.log(
            logging.ERROR if final else logging.WARNING,
            "outbox %s to %s: %s (%s)",
            row.id,
            row.channel,
            error,
            "given up" if final else f"retrying, attempt {attempts}",
        )
        wait = timedelta(seconds=min(600, 5 * 2 ** (attempts - 1)))
        with self.sessions.begin() as session:
            session.execute(
                update(SlackOutbox)
                .where(SlackOutbox.id == row.id)
                .values(
                    status=FAILED if final else PENDING,
                    error=error[:1000],
                    next_at=_now() + wait,
                    claimed_at=None,
                )
            )
