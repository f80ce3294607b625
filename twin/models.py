"""Database models. Every schema change goes through an Alembic migration in migrations/."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Document(Base):
    """One ingested source file; its chunks live in the vector store, tagged with its version."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(1024), unique=True)
    title: Mapped[str] = mapped_column(String(512))
    kind: Mapped[str] = mapped_column(String(16))
    date: Mapped[date | None] = mapped_column(Date)
    date_precision: Mapped[str | None] = mapped_column(String(8), default=None)  # day/month/year
    # Where the date came from: cli, front matter, file name, text or metadata.
    date_source: Mapped[str | None] = mapped_column(String(16), default=None)
    audience: Mapped[str] = mapped_column(String(512), default="all")
    sha256: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    ingested_by: Mapped[str] = mapped_column(String(255))
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    text_preview: Mapped[str] = mapped_column(Text, default="")
    title_vector: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)  # float16
    # The document says a position stated before has changed (twin.text.revises_a_position).
    revises: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def audience_groups(self) -> list[str]:
        return self.audience.split(",")


class DocumentVersion(Base):
    """One ingested version of a document: its text and who ingested it, kept so admins can
    see what changed (retrieval.versions). Removing the document removes all of them."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("doc_id", "version", name="uq_document_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(512))
    audience: Mapped[str] = mapped_column(String(512))
    sha256: Mapped[str] = mapped_column(String(64))
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    ingested_by: Mapped[str] = mapped_column(String(255))
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ChunkSentences(Base):
    """The sentences of one stored chunk with their embeddings, computed at ingest so that
    answering embeds nothing of the corpus (retrieval.embeddings.pack: one row per sentence)."""

    __tablename__ = "chunk_sentences"

    chunk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    doc_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    sentences: Mapped[list[str]] = mapped_column(JSON)
    vectors: Mapped[bytes] = mapped_column(LargeBinary)


class CorpusState(Base):
    """One row whose generation goes up in every transaction that changes which documents are
    live (ingest's switch, removal): a cheap key for caches of the corpus, in any process."""

    __tablename__ = "corpus_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)


class Thread(Base):
    """A conversation: follow-up questions in one thread build on its earlier turns."""

    __tablename__ = "threads"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AnswerRecord(Base):
    """The audit record of one question and its answer (also a turn of its thread)."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("threads.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(255), index=True)
    groups: Mapped[str] = mapped_column(String(1024), default="")
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    question: Mapped[str] = mapped_column(Text)
    query: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(16))
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    needs_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    approval_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    refused: Mapped[bool] = mapped_column(Boolean, default=False)
    retrieve_ms: Mapped[int] = mapped_column(Integer, default=0)
    generate_ms: Mapped[int] = mapped_column(Integer, default=0)
    total_ms: Mapped[int] = mapped_column(Integer, default=0)
    llm_model: Mapped[str] = mapped_column(String(255), default="")
    notes: Mapped[str] = mapped_column(Text, default="")


class Consent(Base):
    """A persona's consent to be rendered: who consented, to what (voice, likeness), and when."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    persona: Mapped[str] = mapped_column(String(255), index=True)
    scope: Mapped[str] = mapped_column(String(64))  # "voice", "likeness" or "voice,likeness"
    consented_by: Mapped[str] = mapped_column(String(255))
    consented_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(255), default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(255))


class RenderJob(Base):
    """A video reply to render and deliver; workers claim it with a lease (see render.jobs)."""

    __tablename__ = "render_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The caller's idempotency key (e.g. the Slack event): queuing it twice gives one job.
    request_key: Mapped[str | None] = mapped_column(String(255), unique=True, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued/running/done/failed
    persona: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    avatar: Mapped[str] = mapped_column(String(1024))
    captions: Mapped[bool | None] = mapped_column(Boolean)
    target: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cache_key: Mapped[str] = mapped_column(String(64), default="")
    clip_path: Mapped[str] = mapped_column(String(1024), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="")
    lease_owner: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    publishing_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# --- The Slack front door (bot/) ------------------------------------------------------------


class SlackEvent(Base):
    """An Events API delivery already taken: its retry, or another process, skips it."""

    __tablename__ = "slack_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class Approval(Base):
    """A flagged answer waiting for (or decided by) the comms team; one decision, ever."""

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("answers.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending/approved/rejected
    user_id: Mapped[str] = mapped_column(String(255))
    question: Mapped[str] = mapped_column(Text)
    draft: Mapped[str] = mapped_column(Text)  # the answer body, without the disclosure
    final: Mapped[str] = mapped_column(Text, default="")  # what was posted, if approved
    disclosure: Mapped[str] = mapped_column(Text, default="")
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Where the question was asked: the channel, the thread, and whether only the asker sees it.
    channel: Mapped[str] = mapped_column(String(64))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    notice_ts: Mapped[str | None] = mapped_column(String(32))
    review_channel: Mapped[str] = mapped_column(String(64), default="")
    review_ts: Mapped[str | None] = mapped_column(String(32))
    decided_by: Mapped[str | None] = mapped_column(String(255))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="")  # the rejection reason, or "edited"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The OAuth-installed workspace it belongs to (bot.tenants); NULL with a single token.
    workspace: Mapped[str | None] = mapped_column(String(80), index=True)


class SlackOutbox(Base):
    """A message the bot must post exactly once (an approved answer, its notices), kept until
    Slack has it: pending -> sending (claimed by one process) -> sent (with its ts), or failed.
    The messages of one `batch` are posted in id order."""

    __tablename__ = "slack_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(64))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    blocks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the message's metadata
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ts: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The OAuth-installed workspace whose token posts it (bot.tenants); NULL with a single token.
    workspace: Mapped[str | None] = mapped_column(String(80), index=True)


class AnswerDelivery(Base):
    """What the task answering one Slack question has posted: running (attempts so far, the
    message a stream started) -> posting (one attempt won the right to post the final answer)
    -> posted / held / private / refused, with the final messages' ts."""

    __tablename__ = "answer_deliveries"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(64))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    partial_ts: Mapped[str | None] = mapped_column(String(32))
    posted: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Feedback(Base):
    """A reader's verdict on an answer (helpful or not), with an optional comment."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("answer_id", "user_id", name="uq_feedback_answer_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("answers.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(255))
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(64), default="")
    message_ts: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AdminAction(Base):
    """What an admin or approver did in the web console: who, when, what, to which object."""

    __tablename__ = "admin_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(255), index=True)
    action: Mapped[str] = mapped_column(String(64))  # e.g. "approve", "upload", "remove"
    target: Mapped[str] = mapped_column(String(255), default="")  # e.g. "approval 3", "doc 12"
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SlackWorkspaceSettings(Base):
    """Slack settings of one workspace (a team ID) or one Enterprise Grid organisation (an
    enterprise ID) of an OAuth install; a NULL column falls back to config.yaml's slack section.
    (The installations themselves are slack_sdk's store tables, migration 0012.)"""

    __tablename__ = "slack_workspace_settings"

    workspace: Mapped[str] = mapped_column(String(32), primary_key=True)
    review_channel: Mapped[str | None] = mapped_column(String(64))
    approvers: Mapped[list[str] | None] = mapped_column(JSON)
    admins: Mapped[list[str] | None] = mapped_column(JSON)
    admin_channel: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConsoleUpload(Base):
    """A console upload or re-read handed to the ingest task: what it is ingesting and how far
    it got (the task may run in another process), shown as the Corpus page's progress."""

    __tablename__ = "console_uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    by: Mapped[str] = mapped_column(String(255))
    audience: Mapped[str] = mapped_column(String(512))
    names: Mapped[list[str]] = mapped_column(JSON, default=list)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str] = mapped_column(Text, default="")
