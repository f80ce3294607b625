"""Answer deliveries: what a Slack answer task posted, so a task run again never posts twice.

Revision ID: 0011
Revises: 0015 (the newest before it)
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_deliveries",
        sa.Column("key", sa.String(160), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("thread_ts", sa.String(32), nullable=True),
        sa.Column("partial_ts", sa.String(32), nullable=True),
        sa.Column("posted", sa.JSON, nullable=False),
        sa.Column("answer_id", sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("answer_deliveries")
