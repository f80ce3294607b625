"""Settings that differ per workspace of an OAuth install: the review channel, the approvers,
the admins and the admin channel.

A row of `slack_workspace_settings` is keyed by a team ID (one workspace) or an enterprise ID
(a whole Enterprise Grid organisation); a workspace reads its own row, then its organisation's,
then config.yaml's slack section, column by column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from twin.models import SlackWorkspaceSettings, utcnow
from twin.sections.slack import SlackSettings

__all__ = ["FIELDS", "WorkspaceSettings", "WorkspaceValues"]

FIELDS = ("review_channel", "approvers", "admins", "admin_channel")
ID_PREFIXES = ("T", "E")


@dataclass
class WorkspaceValues:
    """What is set for one workspace or organisation (None: not set, falls back)."""

    workspace: str
    values: dict[str, Any] = field(default_factory=dict)


class WorkspaceSettings:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def resolve(
        self, base: SlackSettings, team_id: str | None, enterprise_id: str | None
    ) -> SlackSettings:
        """`base` with the organisation's values, then the workspace's, laid over it."""
        update: dict[str, Any] = {}
        for workspace in (enterprise_id, team_id):
            if workspace:
                update |= self.get(workspace).values
        return base.model_copy(update=update) if update else base

    def get(self, workspace: str) -> WorkspaceValues:
        with self.sessions() as session:
            row = session.get(SlackWorkspaceSettings, workspace)
            if row is None:
                return WorkspaceValues(workspace)
            values = {name: getattr(row, name) for name in FIELDS}
        return WorkspaceValues(workspace, {k: v for k, v in values.items() if v is not None})

    def set(self, workspace: str, **values: Any) -> WorkspaceValues:
        """Set (a value) or clear (None) fields of `workspace`; unnamed fields are kept."""
        if not workspace.startswith(ID_PREFIXES) or not workspace.isalnum():
            raise ValueError(
                f"workspace {workspace!r}: expected a team ID (T...) or an enterprise ID (E...)"
            )
        unknown = set(values) - set(FIELDS)
        if unknown:
            raise ValueError(f"unknown workspace settings: {', '.join(sorted(unknown))}")
        checked = SlackSettings.model_validate({k: v for k, v in values.items() if v is not None})
        with self.sessions.begin() as session:
            row = session.get(SlackWorkspaceSettings, workspace)
            if row is None:
                row = SlackWorkspaceSettings(workspace=workspace)
                session.add(row)
            for name, value in values.items():
                setattr(row, name, None if value is None else getattr(checked, name))
            row.updated_at = utcnow()
        return self.get(workspace)

    def all(self) -> list[WorkspaceValues]:
        with self.sessions() as session:
            rows = session.query(SlackWorkspaceSettings).order_by(SlackWorkspaceSettings.workspace)
            return [
                WorkspaceValues(
                    r.workspace,
                    {n: getattr(r, n) for n in FIELDS if getattr(r, n) is not None},
                )
                for r in rows
            ]
