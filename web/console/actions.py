"""Every admin and approver action in the console, written to the admin_actions table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from twin.models import AdminAction

__all__ = ["ActionLog"]


class ActionLog:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def record(self, actor: str, action: str, target: str = "", **detail: Any) -> None:
        with self.sessions.begin() as session:
            session.add(
                AdminAction(
                    at=datetime.now(UTC), actor=actor, action=action, target=target, detail=detail
                )
            )

    def recent(self, limit: int = 100) -> list[AdminAction]:
        with self.sessions() as session:
            query = select(AdminAction).order_by(AdminAction.id.desc()).limit(limit)
            return list(session.scalars(query))
