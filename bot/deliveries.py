"""The exactly-once record of an answer task: a task run again never posts the answer twice.

An answer task may run more than once (its worker was killed and the broker delivered it
again; rarely, two deliveries at once). Each run goes through the question's row in
`answer_deliveries`, keyed by the Slack event:

- `start` counts the attempt (INSERT, or UPDATE attempts + 1) and returns the row as it was;
  a row already in an end state (posted, held, private, refused) means the work is done.
- `set_partial` records the message a stream started, as soon as Slack returns its ts, so the
  next attempt can delete what a dead one left half-written.
- `begin_final` is one conditional UPDATE (running -> posting, WHERE attempts is still this
  attempt's): exactly one attempt, the latest, wins the right to post the final answer; an
  older run that lost removes its partial message and stops.
- `finish` records the outcome and the posted messages' ts.

A run that died between `begin_final` and `finish` leaves `posting`: the next attempt looks in
the thread for the final message, which carries the delivery key in its metadata, and records
it as posted if Slack has it (`recover`), else answers again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from sqlalchemy import CursorResult, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from twin.models import AnswerDelivery

if TYPE_CHECKING:
    from bot.questions import Question
    from persona.results import Answer

__all__ = [
    "DONE",
    "HELD",
    "POSTED",
    "POSTING",
    "PRIVATE",
    "REFUSED",
    "RUNNING",
    "AnswerOnce",
    "Deliveries",
    "Delivery",
    "delivery_metadata",
]

log = logging.getLogger(__name__)

RUNNING, POSTING = "running", "posting"
POSTED, HELD, PRIVATE, REFUSED = "posted", "held", "private", "refused"
DONE = frozenset({POSTED, HELD, PRIVATE, REFUSED})


@dataclass(frozen=True)
class Delivery:
    key: str
    status: str
    attempts: int  # this attempt's number (1 for the first run)
    partial_ts: str | None
    posted: list[str]

    @property
    def done(self) -> bool:
        return self.status in DONE

    @property
    def retried(self) -> bool:
        return self.attempts > 1


def _now() -> datetime:
    return datetime.now(UTC)


class Deliveries:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def start(self, key: str, channel: str, thread_ts: str | None) -> Delivery:
        """Count this attempt; the row as this attempt sees it."""
        now = _now()
        try:
            with self.sessions.begin() as session:
                session.add(
                    AnswerDelivery(
                        key=key,
                        status=RUNNING,
                        attempts=1,
                        channel=channel,
                        thread_ts=thread_ts,
                        posted=[],
                        created_at=now,
                        updated_at=now,
                    )
                )
            return Delivery(key, RUNNING, 1, None, [])
        except IntegrityError:
            pass
        with self.sessions.begin() as session:
            row = session.get(AnswerDelivery, key, with_for_update=True)
            assert row is not None
            if row.status not in DONE:
                row.attempts += 1
                row.updated_at = now
            return Delivery(key, row.status, row.attempts, row.partial_ts, list(row.posted or []))

    def get(self, key: str) -> AnswerDelivery | None:
        with self.sessions() as session:
            return session.get(AnswerDelivery, key)

    def set_partial(self, key: str, ts: str | None) -> None:
        self._update(key, None, partial_ts=ts)

    def begin_final(self, delivery: Delivery) -> bool:
        """Take the right to post the final answer: True for one attempt, the latest."""
        return self._update(delivery.key, delivery.attempts, status=POSTING)

    def reopen(self, delivery: Delivery) -> bool:
        """A `posting` row whose message Slack does not have: answer again (this attempt)."""
        return self._update(delivery.key, delivery.attempts, expect=POSTING, status=RUNNING)

    def finish(
        self, key: str, status: str, posted: list[str], answer_id: int | None = None
    ) -> None:
        assert status in DONE
        self._update(
            key,
            None,
            expect=None,
            status=status,
            posted=posted,
            answer_id=answer_id,
            partial_ts=None,
        )

    def _update(
        self, key: str, attempts: int | None, *, expect: str | None = RUNNING, **values: object
    ) -> bool:
        statement = update(AnswerDelivery).where(AnswerDelivery.key == key)
        if expect is not None:
            statement = statement.where(AnswerDelivery.status == expect)
        if attempts is not None:
            statement = statement.where(AnswerDelivery.attempts == attempts)
        with self.sessions.begin() as session:
            result = session.execute(statement.values(updated_at=_now(), **values))
            assert isinstance(result, CursorResult)
            return result.rowcount == 1


def delivery_metadata(metadata: dict[str, Any], run: Delivery | None) -> dict[str, Any]:
    """The answer message's metadata, with the delivery key that `recover` looks for."""
    if run is None:
        return metadata
    payload = {**metadata.get("event_payload", {}), "delivery": run.key}
    return {**metadata, "event_payload": payload}


class AnswerOnce:
    """The steps of an answer task that make a run again post nothing twice (see above)."""

    def __init__(self, deliveries: Deliveries) -> None:
        self.deliveries = deliveries

    def begin(self, client: WebClient, key: str, question: Question) -> Delivery:
        """This attempt; done when an earlier one finished. Clears what a dead one left."""
        place = question.place
        run = self.deliveries.start(key, place.channel, place.thread_ts)
        if run.status == POSTING:
            ts = self._find_final(client, run, place.channel, place.thread_ts)
            if ts is not None or not self.deliveries.reopen(run):
                if ts is not None:
                    self.deliveries.finish(key, POSTED, [ts])
                return replace(run, status=POSTED)
        if run.retried and run.partial_ts:
            try:
                client.chat_delete(channel=place.channel, ts=run.partial_ts)
            except (SlackClientError, OSError) as exc:
                log.info("delivery %s: the partial answer is gone already (%s)", key, exc)
            self.deliveries.set_partial(key, None)
            log.info("delivery %s: attempt %s removed a partial answer", key, run.attempts)
        return run

    def partial_recorder(self, run: Delivery | None) -> Callable[[str], None] | None:
        if run is None:
            return None
        key = run.key
        return lambda ts: self.deliveries.set_partial(key, ts)

    def may_post(self, run: Delivery | None) -> bool:
        return run is None or self.deliveries.begin_final(run)

    def finished(
        self, run: Delivery | None, status: str, posted: list[str], answer: Answer
    ) -> None:
        if run is not None:
            self.deliveries.finish(run.key, status, posted, answer.answer_id)

    def refused(self, run: Delivery | None) -> None:
        if run is not None:
            self.deliveries.finish(run.key, REFUSED, [])

    @staticmethod
    def _find_final(
        client: WebClient, run: Delivery, channel: str, thread_ts: str | None
    ) -> str | None:
        """The ts of the message carrying this delivery's key, if Slack has it."""
        if not thread_ts:
            return None
        try:
            found = client.conversations_replies(
                channel=channel, ts=thread_ts, include_all_metadata=True, limit=200
            )
        except (SlackClientError, OSError) as exc:
            log.warning("delivery %s: cannot look for its answer (%s)", run.key, exc)
            return None
        messages: list[dict[str, Any]] = found.get("messages", [])
        for message in messages:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("delivery") == run.key:
                return str(message["ts"])
        return None
