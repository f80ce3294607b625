"""Whether a document says a position stated before has changed (recency in search).

Revision ID: 0015
Revises: 0012
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows stored before this revision read False until their file is ingested again.
    with op.batch_alter_table("documents") as batch:
        batch.add_column(
            sa.Column("revises", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("revises")
