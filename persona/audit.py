"""The audit record: who asked what, when, and what the twin answered, from which sources."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session, sessionmaker

from persona.results import Answer
from twin.models import AnswerRecord, Thread, utcnow

__all__ = ["AuditLog"]


class AuditLog:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def record(
        self,
        answer: Answer,
        *,
        user_id: str,
        groups: list[str],
        question: str,
        query: str,
        llm_model: str = "",
    ) -> int:
        row = AnswerRecord(
            thread_id=answer.thread_id,
            user_id=user_id,
            groups=",".join(sorted(set(groups))),
            question=question,
            query=query,
            answer=answer.answer,
            mode=answer.mode,
            citations=[asdict(c) for c in answer.citations],
            needs_approval=answer.needs_approval,
            approval_reasons=list(answer.approval_reasons),
            refused=answer.refused,
            retrieve_ms=answer.latency_ms.get("retrieve", 0),
            generate_ms=answer.latency_ms.get("generate", 0),
            total_ms=answer.latency_ms.get("total", 0),
            llm_model=llm_model,
            notes="\n".join(answer.notes),
        )
        with self.sessions() as session:
            session.add(row)
            session.commit()
            return row.id

    def get(self, answer_id: int) -> AnswerRecord | None:
        with self.sessions() as session:
            return session.get(AnswerRecord, answer_id)

    def recent(self, limit: int = 50, user_id: str | None = None) -> list[AnswerRecord]:
        query = select(AnswerRecord).order_by(AnswerRecord.id.desc()).limit(limit)
        if user_id:
            query = query.where(AnswerRecord.user_id == user_id)
        with self.sessions() as session:
            return list(session.scalars(query))

    def purge(self, retention_days: int, now: datetime | None = None) -> int:
        """Delete records older than the retention period, and threads left empty by it.

        Returns the number of answers deleted. retention_days 0 keeps everything.
        """
        if retention_days <= 0:
            return 0
        cutoff = (now or utcnow()) - timedelta(days=retention_days)
        with self.sessions() as session:
            deleted = session.execute(delete(AnswerRecord).where(AnswerRecord.asked_at < cutoff))
            has_answers = exists().where(AnswerRecord.thread_id == Thread.id)
            session.execute(delete(Thread).where(Thread.created_at < cutoff, ~has_answers))
            session.commit()
            return int(deleted.rowcount or 0)  # type: ignore[attr-defined]
