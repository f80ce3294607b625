"""The audit record and conversation threads, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from persona.audit import AuditLog
from persona.conversation import Conversations
from persona.results import Answer, Citation
from twin.db import session_factory
from twin.models import AnswerRecord, Thread, utcnow


def _answer(thread_id: str, body: str = "We're remote [1].") -> Answer:
    citation = Citation(1, 7, "Remote", "2025-02-10", "/c/remote.md", "We're remote.")
    return Answer(
        body=body,
        mode="quotes",
        disclosure="AI twin.",
        citations=[citation],
        needs_approval=True,
        approval_reasons=["layoffs: the question mentions 'layoffs'"],
        latency_ms={"retrieve": 12, "generate": 30, "total": 45},
        thread_id=thread_id,
        notes=["a note"],
    )


def test_records_hold_everything_an_auditor_needs(database_url: str) -> None:
    sessions = session_factory(database_url)
    thread = Conversations(sessions).open(None, "U1")
    answer_id = AuditLog(sessions).record(
        _answer(thread), user_id="U1", groups=["b", "a"], question="Remote?", query="remote"
    )
    row = AuditLog(sessions).get(answer_id)
    assert row is not None
    assert (row.user_id, row.groups, row.question, row.query) == ("U1", "a,b", "Remote?", "remote")
    assert row.answer == "We're remote [1].\n\nAI twin."
    assert row.citations[0]["doc_id"] == 7 and row.citations[0]["quote"] == "We're remote."
    assert row.needs_approval and row.approval_reasons[0].startswith("layoffs")
    assert (row.retrieve_ms, row.generate_ms, row.total_ms) == (12, 30, 45)
    assert row.notes == "a note" and row.asked_at is not None


def test_history_is_oldest_first_and_limited_to_what_the_asker_may_see(database_url: str) -> None:
    sessions = session_factory(database_url)
    conversations, audit = Conversations(sessions), AuditLog(sessions)
    thread = conversations.open("slack:C1:171.1", "U1")
    assert conversations.open("slack:C1:171.1", "U2") == thread
    for n, groups in enumerate([[], ["exec"], []]):
        audit.record(
            _answer(thread, f"answer {n}"),
            user_id="U1",
            groups=groups,
            question=f"q{n}",
            query=f"q{n}",
        )
    assert [t.question for t in conversations.history(thread, ["exec"], 5)] == ["q0", "q1", "q2"]
    assert [t.question for t in conversations.history(thread, [], 5)] == ["q0", "q2"]
    assert [t.answer for t in conversations.history(thread, [], 1)] == ["answer 2"]


def test_purge_deletes_old_records_and_empty_threads(database_url: str) -> None:
    sessions = session_factory(database_url)
    conversations, audit = Conversations(sessions), AuditLog(sessions)
    old_thread, new_thread = conversations.open(None, "U1"), conversations.open(None, "U1")
    old = audit.record(_answer(old_thread), user_id="U1", groups=[], question="q", query="q")
    audit.record(_answer(new_thread), user_id="U1", groups=[], question="q", query="q")
    with sessions() as session:
        row = session.get(AnswerRecord, old)
        assert row is not None
        row.asked_at = utcnow() - timedelta(days=400)
        session.get(Thread, old_thread).created_at = utcnow() - timedelta(days=400)  # type: ignore[union-attr]
        session.commit()
    assert audit.purge(0) == 0  # 0 keeps everything
    assert audit.purge(365) == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AnswerRecord)) == 1
        assert session.get(Thread, old_thread) is None
        assert session.get(Thread, new_thread) is not None
