"""What the bot keeps in the database: delivered event ids, comms approvals, feedback.

Every race is settled by the database, so it holds across processes: an event id is taken by
one INSERT (primary key), an approval is decided by one conditional UPDATE (WHERE status is
'pending', checking the row count), a reminder is claimed the same way.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.outbox import Outbox, OutboxMessage, of_workspace
from persona.results import Answer, Citation
from twin.models import AnswerDelivery, AnswerRecord, Approval, Feedback, SlackEvent

__all__ = ["APPROVED", "PENDING", "REJECTED", "ApprovalStore", "EventLog", "FeedbackStore"]

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


def _now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite keeps no time zone; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _rowcount(session: Session, statement: Any) -> int:
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


class EventLog:
    """Events API deliveries already taken, by event_id (Slack's retries reuse it)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def first_time(self, event_id: str) -> bool:
        """True for the first delivery of `event_id`, in any process; False for a repeat."""
        try:
            with self.sessions.begin() as session:
                session.add(SlackEvent(event_id=event_id[:64], received_at=_now()))
        except IntegrityError:
            return False
        return True

    def forget(self, event_id: str) -> None:
        """Give `event_id` back (it was not handled), so a retry of it is taken."""
        with self.sessions.begin() as session:
            session.execute(delete(SlackEvent).where(SlackEvent.event_id == event_id[:64]))

    def purge(self, older_than_s: float) -> int:
        """Forget event ids, and answer tasks' delivery records, older than `older_than_s`."""
        cutoff = _now() - timedelta(seconds=older_than_s)
        with self.sessions.begin() as session:
            session.execute(delete(AnswerDelivery).where(AnswerDelivery.updated_at < cutoff))
            return _rowcount(session, delete(SlackEvent).where(SlackEvent.received_at < cutoff))


class ApprovalStore:
    def __init__(self, sessions: sessionmaker[Session], workspace: str | None = None) -> None:
        self.sessions = sessions
        self.workspace = workspace

    def create(
        self,
        answer: Answer,
        *,
        user: str,
        question: str,
        channel: str,
        thread_ts: str | None,
        private: bool,
        review_channel: str,
    ) -> Approval:
        row = Approval(
            answer_id=answer.answer_id,
            status=PENDING,
            user_id=user,
            question=question,
            draft=answer.body,
            final="",
            disclosure=answer.disclosure,
            citations=[asdict(c) for c in answer.citations],
            reasons=list(answer.approval_reasons),
            channel=channel,
            thread_ts=thread_ts,
            private=private,
            review_channel=review_channel,
            note="",
            created_at=_now(),
            workspace=self.workspace,
        )
        with self.sessions.begin() as session:
            session.add(row)
        return row

    def get(self, approval_id: int) -> Approval | None:
        with self.sessions() as session:
            return session.get(Approval, approval_id)

    def for_answer(self, answer_id: int) -> Approval | None:
        with self.sessions() as session:
            query = select(Approval).where(Approval.answer_id == answer_id)
            return session.scalars(query.order_by(Approval.id.desc())).first()

    def pending(self) -> list[Approval]:
        with self.sessions() as session:
            query = select(Approval).where(Approval.status == PENDING).order_by(Approval.id)
            return list(session.scalars(query))

    def set_messages(
        self, approval_id: int, *, notice_ts: str | None = None, review_ts: str | None = None
    ) -> None:
        values = {
            k: v for k, v in (("notice_ts", notice_ts), ("review_ts", review_ts)) if v is not None
        }
        if values:
            with self.sessions.begin() as session:
                session.execute(update(Approval).where(Approval.id == approval_id).values(**values))

    def decide(
        self,
        approval_id: int,
        status: str,
        by: str,
        final: str = "",
        note: str = "",
        messages: list[OutboxMessage] | None = None,
    ) -> bool:
        """Record the decision if nobody has decided yet: True for the one caller that won.

        The winner's decision is also noted on the answer's audit record, and `messages` (the
        approved answer) go into the outbox in the same transaction: they are posted if and
        only if the decision stands.
        """
        now = _now()
        with self.sessions.begin() as session:
            won = _rowcount(
                session,
                update(Approval)
                .where(Approval.id == approval_id, Approval.status == PENDING)
                .values(status=status, decided_by=by, decided_at=now, final=final, note=note),
            )
            if won != 1:
                return False
            row = session.get(Approval, approval_id)
            record = session.get(AnswerRecord, row.answer_id) if row and row.answer_id else None
            if record is not None:
                line = f"comms review #{approval_id}: {status} by {by} at {now.isoformat()}"
                if note:
                    line += f" ({note})"
                record.notes = f"{record.notes}\n{line}" if record.notes else line
            batch = f"approval:{approval_id}"
            Outbox.add(session, batch, messages or [], row.workspace if row else None)
        return True

    def due_for_reminder(self, after_s: float, now: datetime | None = None) -> list[Approval]:
        """Pending approvals older than `after_s` whose last reminder is older than that too."""
        cutoff = (now or _now()) - timedelta(seconds=after_s)
        with self.sessions() as session:
            query = select(Approval).where(
                Approval.status == PENDING,
                Approval.created_at <= cutoff,
                or_(Approval.reminded_at.is_(None), Approval.reminded_at <= cutoff),
                of_workspace(Approval.workspace, self.workspace),
            )
            return list(session.scalars(query.order_by(Approval.id)))

    def due_for_escalation(self, after_s: float, now: datetime | None = None) -> list[Approval]:
        """Pending approvals older than `after_s` that were not escalated yet."""
        cutoff = (now or _now()) - timedelta(seconds=after_s)
        with self.sessions() as session:
            query = select(Approval).where(
                Approval.status == PENDING,
                Approval.created_at <= cutoff,
                Approval.escalated_at.is_(None),
                of_workspace(Approval.workspace, self.workspace),
            )
            return list(session.scalars(query.order_by(Approval.id)))

    def claim_escalation(self, approval_id: int, now: datetime | None = None) -> bool:
        """Take the right to escalate this approval, once ever (one process wins)."""
        with self.sessions.begin() as session:
            statement = (
                update(Approval)
                .where(
                    Approval.id == approval_id,
                    Approval.status == PENDING,
                    Approval.escalated_at.is_(None),
                )
                .values(escalated_at=now or _now())
            )
            return _rowcount(session, statement) == 1

    def claim_reminder(self, approval: Approval, now: datetime | None = None) -> bool:
        """Take the right to send this reminder (one process wins)."""
        previous = approval.reminded_at
        same = (
            Approval.reminded_at.is_(None) if previous is None else Approval.reminded_at == previous
        )
        with self.sessions.begin() as session:
            return (
                _rowcount(
                    session,
                    update(Approval)
                    .where(Approval.id == approval.id, Approval.status == PENDING, same)
                    .values(reminded_at=now or _now()),
                )
                == 1
            )


def citations_of(approval: Approval) -> list[Citation]:
    return [Citation(**c) for c in approval.citations or []]


class FeedbackStore:
    """One verdict per reader per answer; clicking again changes it."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def record(
        self, answer_id: int, user: str, helpful: bool, channel: str = "", message_ts: str = ""
    ) -> None:
        for _ in range(2):  # a concurrent first click by the same reader: update theirs instead
            try:
                with self.sessions.begin() as session:
                    row = self._find(session, answer_id, user)
                    if row is None:
                        session.add(
                            Feedback(
                                answer_id=answer_id,
                                user_id=user,
                                helpful=helpful,
                                comment="",
                                channel=channel,
                                message_ts=message_ts,
                                created_at=_now(),
                                updated_at=_now(),
                            )
                        )
                    else:
                        row.helpful, row.updated_at = helpful, _now()
                return
            except IntegrityError:
                continue

    def comment(self, answer_id: int, user: str, text: str) -> bool:
        with self.sessions.begin() as session:
            row = self._find(session, answer_id, user)
            if row is None:
                return False
            row.comment, row.updated_at = text.strip(), _now()
            return True

    def for_answer(self, answer_id: int) -> list[Feedback]:
        with self.sessions() as session:
            query = select(Feedback).where(Feedback.answer_id == answer_id).order_by(Feedback.id)
            return list(session.scalars(query))

    @staticmethod
    def _find(session: Session, answer_id: int, user: str) -> Feedback | None:
        query = select(Feedback).where(Feedback.answer_id == answer_id, Feedback.user_id == user)
        return session.scalars(query).first()
