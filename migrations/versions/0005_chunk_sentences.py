"""Embeddings computed at ingest: each stored chunk's sentences, each document's title.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chunk_sentences",
        sa.Column("chunk_id", sa.String(64), primary_key=True),
        sa.Column(
            "doc_id",
            sa.Integer,
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("sentences", sa.JSON, nullable=False),
        sa.Column("vectors", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_chunk_sentences_doc_id", "chunk_sentences", ["doc_id"])
    op.add_column("documents", sa.Column("title_vector", sa.LargeBinary, nullable=True))


def downgrade() -> None:
    op.drop_column("documents", "title_vector")
    op.drop_table("chunk_sentences")
