"""Removed means gone: no text of a removed (or replaced) document stays on disk.

Deleting rows is not enough:
- chromadb keeps every write, text included, in its write-ahead log (`embeddings_queue` in
  chroma.sqlite3) until the vector index has been synced to disk; partitions are created with
  `sync_threshold` 1 (retrieval.store), so chromadb's own log purge runs after every write and
  the log never holds more than the last one (a delete, after a removal);
- SQLite leaves deleted rows' bytes in free pages and in its -wal file: the twin's database runs
  with `secure_delete` (twin.db), and both files are checkpointed or vacuumed here;
- the audit keeps, for an answer that quoted a removed document, ids and not text.

A Chroma server (`retrieval.chroma_url`) and PostgreSQL keep their own files: the log purge
happens there too, but their free space is theirs to vacuum.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from twin.models import AnswerRecord, Approval, RenderJob

__all__ = ["REDACTED", "forget_quotes", "vacuum_chroma"]

REDACTED = "[removed: this answer quoted document {doc_id}, which has been removed]"


def forget_quotes(sessions: sessionmaker[Session], doc_id: int) -> list[int]:
    """Answers, approvals and video scripts that quoted `doc_id` keep its id, not its text.

    Returns the ids of the answers that were redacted."""
    text = REDACTED.format(doc_id=doc_id)
    with sessions() as session:
        rows = session.execute(select(AnswerRecord.id, AnswerRecord.citations)).all()
        quoting = [answer_id for answer_id, cites in rows if _cites(cites, doc_id)]
        for answer_id, cites in rows:
            if answer_id in quoting:
                session.execute(
                    update(AnswerRecord)
                    .where(AnswerRecord.id == answer_id)
                    .values(answer=text, query="", notes="", citations=_ids_only(cites, doc_id))
                )
        approvals = session.execute(select(Approval.id, Approval.answer_id, Approval.citations))
        for approval_id, answer_id, cites in approvals.all():
            if answer_id in quoting or _cites(cites, doc_id):
                session.execute(
                    update(Approval)
                    .where(Approval.id == approval_id)
                    .values(draft=text, final="", citations=_ids_only(cites, doc_id))
                )
        jobs = session.execute(select(RenderJob.id, RenderJob.target)).all()
        for job_id, target in jobs:
            if (target or {}).get("answer_id") in quoting:
                session.execute(update(RenderJob).where(RenderJob.id == job_id).values(text=text))
        session.commit()
    return quoting


def _cites(citations: list[dict[str, Any]] | None, doc_id: int) -> bool:
    return any(c.get("doc_id") == doc_id for c in citations or [])


def _ids_only(citations: list[dict[str, Any]] | None, doc_id: int) -> list[dict[str, Any]]:
    return [
        {"n": c.get("n"), "doc_id": doc_id} if c.get("doc_id") == doc_id else c
        for c in citations or []
    ]


def vacuum_chroma(home: Path) -> None:
    """Rewrite the embedded Chroma database without the free pages that still hold deleted
    text (SQLite's VACUUM; what `chroma vacuum` does after its log purge)."""
    path = home / "chroma" / "chroma.sqlite3"
    if not path.exists():
        return
    connection = sqlite3.connect(path, timeout=60, isolation_level=None)
    try:
        connection.execute("VACUUM")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
