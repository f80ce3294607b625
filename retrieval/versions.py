"""A document's versions: each ingested version's text, kept so admins can see what changed.

Ingest's switch to a new version records it in the same transaction (the history never
disagrees with the registry) and drops the versions older than retrieval.keep_versions earlier
ones; with 0, a replaced version's text is erased like its chunks. Removing a document removes
its whole history in the transaction that unregisters it (Corpus.remove): the text of a removed
document survives in no version.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from twin.models import Document, DocumentVersion

__all__ = ["forget", "history", "record"]


def record(session: Session, doc: Document, text: str, keep: int) -> None:
    """Add `doc`'s current version (as just switched to) with its text; prune the oldest."""
    session.add(
        DocumentVersion(
            doc_id=doc.id,
            version=doc.version,
            title=doc.title,
            audience=doc.audience,
            sha256=doc.sha256,
            chunk_count=doc.chunk_count,
            text=text,
            ingested_by=doc.ingested_by,
            ingested_at=doc.ingested_at,
        )
    )
    session.execute(
        delete(DocumentVersion).where(
            DocumentVersion.doc_id == doc.id, DocumentVersion.version < doc.version - keep
        )
    )


def forget(session: Session, doc_id: int) -> None:
    """Every version of `doc_id`, in the caller's transaction."""
    session.execute(delete(DocumentVersion).where(DocumentVersion.doc_id == doc_id))


def history(sessions: sessionmaker[Session], doc_id: int) -> list[DocumentVersion]:
    """The kept versions of `doc_id`, newest first."""
    query = (
        select(DocumentVersion)
        .where(DocumentVersion.doc_id == doc_id)
        .order_by(DocumentVersion.version.desc())
    )
    with sessions() as session:
        return list(session.scalars(query))
