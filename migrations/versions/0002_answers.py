"""Conversation threads and the audit record of answers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "threads",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "thread_id",
            sa.String(128),
            sa.ForeignKey("threads.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("groups", sa.String(1024), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("citations", sa.JSON, nullable=False),
        sa.Column("needs_approval", sa.Boolean, nullable=False),
        sa.Column("approval_reasons", sa.JSON, nullable=False),
        sa.Column("refused", sa.Boolean, nullable=False),
        sa.Column("retrieve_ms", sa.Integer, nullable=False),
        sa.Column("generate_ms", sa.Integer, nullable=False),
        sa.Column("total_ms", sa.Integer, nullable=False),
        sa.Column("llm_model", sa.String(255), nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
    )
    op.create_index("ix_answers_thread_id", "answers", ["thread_id"])
    op.create_index("ix_answers_user_id", "answers", ["user_id"])
    op.create_index("ix_answers_asked_at", "answers", ["asked_at"])


def downgrade() -> None:
    op.drop_index("ix_answers_asked_at", table_name="answers")
    op.drop_index("ix_answers_user_id", table_name="answers")
    op.drop_index("ix_answers_thread_id", table_name="answers")
    op.drop_table("answers")
    op.drop_table("threads")
