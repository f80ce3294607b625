"""Consent records and the render job queue.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("persona", sa.String(255), nullable=False),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("consented_by", sa.String(255), nullable=False),
        sa.Column("consented_on", sa.Date, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(255), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(255), nullable=True),
    )
    op.create_index("ix_consents_persona", "consents", ["persona"])
    op.create_table(
        "render_jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_key", sa.String(255), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("persona", sa.String(255), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("avatar", sa.String(1024), nullable=False),
        sa.Column("captions", sa.Boolean, nullable=True),
        sa.Column("target", sa.JSON, nullable=False),
        sa.Column("cache_key", sa.String(64), nullable=False),
        sa.Column("clip_path", sa.String(1024), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("max_attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("lease_owner", sa.String(255), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("publishing_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_render_jobs_request_key", "render_jobs", ["request_key"], unique=True)
    op.create_index("ix_render_jobs_status", "render_jobs", ["status"])


def downgrade() -> None:
    op.drop_index("ix_render_jobs_status", table_name="render_jobs")
    op.drop_index("ix_render_jobs_request_key", table_name="render_jobs")
    op.drop_table("render_jobs")
    op.drop_index("ix_consents_persona", table_name="consents")
    op.drop_table("consents")
