"""What every console page uses, built once by create_console."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi.templating import Jinja2Templates
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import Session, sessionmaker

from persona.answer import Answerer
from persona.approvals import ApprovalStore
from persona.directory import SlackDirectory
from retrieval.corpus import Corpus
from twin.settings import Settings
from web.console.actions import ActionLog
from web.console.uploads import Uploads

__all__ = ["Console", "OnDecided"]

TEMPLATES = Path(__file__).parent / "templates"

# Called with an approval's id after the console decided it, to carry the decision out in
# Slack (post the answer or the rejection, update the review message).
OnDecided = Callable[[int], None]


@dataclass
class Console:
    settings: Settings
    corpus: Corpus
    answerer: Answerer
    directory: SlackDirectory | None  # None: no Slack (development sign-in only)
    signer: URLSafeTimedSerializer
    client_id: str
    client_secret: str
    on_decided: OnDecided | None
    templates: Jinja2Templates
    uploads: Uploads

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.corpus.sessions

    @property
    def approvals(self) -> ApprovalStore:
        return ApprovalStore(self.sessions)

    @property
    def actions(self) -> ActionLog:
        return ActionLog(self.sessions)
