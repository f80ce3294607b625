"""What every console page uses, built once by create_console.

The console decides nothing itself that the Slack app decides: `twin serve` hands it the bot's
directory (who is in which group, who is an approver or admin) and its review decisions
(bot.web_reviews), which the console sees only as these small protocols.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from fastapi.templating import Jinja2Templates
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import Session, sessionmaker

from persona.answer import Answerer
from retrieval.corpus import Corpus
from twin.models import Approval
from twin.settings import Settings
from web.console.actions import ActionLog
from web.console.clips import Clips
from web.console.reindexing import Reindexes
from web.console.uploads import Uploads

__all__ = ["Console", "Directory", "Reviews", "Workspaces"]

TEMPLATES = Path(__file__).parent / "templates"


class Directory(Protocol):
    """Slack's users and groups, as the Slack app reads them (cached)."""

    def is_member(self, user: str, allowed: list[str]) -> bool: ...
    def groups_for(self, user: str) -> list[str]: ...
    def known_groups(self) -> list[str]: ...
    def name_of(self, user: str) -> str | None: ...


class Workspaces(Protocol):
    """OAuth mode (bot.tenants): the directory, approvers and admins of the workspace a person
    signed in from, by its team ID (and Grid organisation); None where the app is not
    installed."""

    def access(
        self, team_id: str, enterprise_id: str = ""
    ) -> tuple[Directory, list[str], list[str]] | None: ...


class Reviews(Protocol):
    """Comms-review decisions, made the one way the Slack app makes them."""

    def approve(self, approval_id: int, by: str, edited: str | None) -> tuple[bool, str]: ...
    def reject(self, approval_id: int, by: str, reason: str) -> tuple[bool, str]: ...
    def cleared(self, user: str, approval: Approval) -> bool: ...


@dataclass
class Console:
    settings: Settings
    corpus: Corpus
    answerer: Answerer
    directory: Directory | None  # None: no Slack (development sign-in only)
    reviews: Reviews | None  # None: no Slack app to carry decisions out
    signer: URLSafeTimedSerializer
    client_id: str
    client_secret: str
    templates: Jinja2Templates
    uploads: Uploads
    reindexes: Reindexes
    clips: Clips
    workspaces: Workspaces | None = None  # OAuth mode: roles per signed-in workspace

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.corpus.sessions

    @property
    def actions(self) -> ActionLog:
        return ActionLog(self.sessions)
