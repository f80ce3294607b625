"""Slack OAuth installations: slack_sdk's SQLAlchemy installation and state store tables, the
settings that differ per workspace (review channel, approvers, admins), and the workspace each
review and outbox message belongs to.

The three slack_* store tables have exactly the columns slack_sdk's SQLAlchemyInstallationStore
and SQLAlchemyOAuthStateStore read and write (slack-sdk 3.x), so the stores work on them as
they are; they are created here, never by the stores at run time.

Revision ID: 0012
Revises: 0010 (0011 when the branch holding it is merged first)
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def _owner_columns() -> list[sa.Column]:
    """What slack_bots and slack_installations share."""
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32)),
        sa.Column("enterprise_name", sa.String(200)),
        sa.Column("team_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        sa.Column("bot_token", sa.String(200)),
        sa.Column("bot_id", sa.String(32)),
        sa.Column("bot_user_id", sa.String(32)),
        sa.Column("bot_scopes", sa.String(1000)),
        sa.Column("bot_refresh_token", sa.String(200)),
        sa.Column("bot_token_expires_at", sa.DateTime),
    ]


def upgrade() -> None:
    op.create_table(
        "slack_bots",
        *_owner_columns(),
        sa.Column("is_enterprise_install", sa.Boolean, nullable=False, default=False),
        sa.Column("installed_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
    )
    op.create_index(
        "slack_bots_idx", "slack_bots", ["client_id", "enterprise_id", "team_id", "installed_at"]
    )
    op.create_table(
        "slack_installations",
        *_owner_columns(),
        sa.Column("enterprise_url", sa.String(200)),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("user_token", sa.String(200)),
        sa.Column("user_scopes", sa.String(1000)),
        sa.Column("user_refresh_token", sa.String(200)),
        sa.Column("user_token_expires_at", sa.DateTime),
        sa.Column("incoming_webhook_url", sa.String(200)),
        sa.Column("incoming_webhook_channel", sa.String(200)),
        sa.Column("incoming_webhook_channel_id", sa.String(200)),
        sa.Column("incoming_webhook_configuration_url", sa.String(200)),
        sa.Column("is_enterprise_install", sa.Boolean, nullable=False, default=False),
        sa.Column("token_type", sa.String(32)),
        sa.Column("installed_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
    )
    op.create_index(
        "slack_installations_idx",
        "slack_installations",
        ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"],
    )
    op.create_table(
        "slack_oauth_states",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(200), nullable=False),
        sa.Column("expire_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "slack_workspace_settings",
        sa.Column("workspace", sa.String(32), primary_key=True),  # a team or enterprise ID
        sa.Column("review_channel", sa.String(64), nullable=True),
        sa.Column("approvers", sa.JSON, nullable=True),
        sa.Column("admins", sa.JSON, nullable=True),
        sa.Column("admin_channel", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    for table in ("approvals", "slack_outbox"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("workspace", sa.String(80), nullable=True))
            batch.create_index(f"ix_{table}_workspace", ["workspace"])


def downgrade() -> None:
    for table in ("approvals", "slack_outbox"):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_workspace")
            batch.drop_column("workspace")
    op.drop_table("slack_workspace_settings")
    op.drop_table("slack_oauth_states")
    op.drop_index("slack_installations_idx", "slack_installations")
    op.drop_table("slack_installations")
    op.drop_index("slack_bots_idx", "slack_bots")
    op.drop_table("slack_bots")
