"""Where each document's date came from, and how precise it is.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("date_precision", sa.String(8), nullable=True))
        batch.add_column(sa.Column("date_source", sa.String(16), nullable=True))
    # Dates stored before this revision came from front matter or a dated file name, to the day.
    op.execute("UPDATE documents SET date_precision = 'day' WHERE date IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("date_source")
        batch.drop_column("date_precision")
