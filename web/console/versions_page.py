"""A document's page: its versions (who ingested each, when, with what audience) and what
changed between each and the one before (web.console.diffs).

The document is shown only to admins who may read it now, and a version's text (or a
comparison with it) only to admins who may read the audience that version had: retrieval's
own rule (retrieval.access.can_read), applied to each version.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from retrieval.access import can_read
from retrieval.versions import history
from twin.models import DocumentVersion
from web.console.auth import ADMIN, Viewer, console_of, require
from web.console.diffs import Line, changes
from web.console.pages import back, show

router = APIRouter()

LARGEST = 2_000_000  # characters: longer versions are not compared on a page (1 MB takes ~1 s)


@dataclass(frozen=True)
class Shown:
    version: DocumentVersion
    readable: bool  # the viewer may read this version's audience
    previous: DocumentVersion | None  # the version before it, if kept
    lines: list[Line] | None  # what changed since `previous`; None: not shown
    too_large: bool = False  # both readable, but too long to compare here

    @property
    def compared(self) -> bool:
        return self.lines is not None

    def renamed(self) -> bool:
        return self.previous is not None and self.previous.title != self.version.title

    def moved(self) -> bool:
        return self.previous is not None and self.previous.audience != self.version.audience


def compare(kept: list[DocumentVersion], viewer: Viewer) -> list[Shown]:
    """Each kept version (newest first) with its changes from the one before, where the viewer
    may read both."""
    shown = []
    for newer, older in zip(kept, [*kept[1:], None], strict=True):
        readable = can_read(newer.audience, viewer.groups)
        both = readable and older is not None and can_read(older.audience, viewer.groups)
        large = both and max(len(newer.text), len(older.text if older else "")) > LARGEST
        lines = changes(older.text, newer.text) if both and older and not large else None
        shown.append(Shown(newer, readable, older, lines, large))
    return shown


@router.get("/corpus/{doc_id}")
def document_page(request: Request, doc_id: int, msg: str = "") -> Response:
    viewer = require(request, ADMIN)
    console = console_of(request)
    doc = console.corpus.document(doc_id)
    if doc is None or doc.version <= 0 or not can_read(doc.audience, viewer.groups):
        return back("/corpus", f"No document has ID {doc_id}.")
    kept = history(console.sessions, doc_id)
    return show(
        request,
        "document.html",
        viewer,
        doc=doc,
        versions=compare(kept, viewer),
        untracked=doc.version - len(kept),
        keep=console.settings.retrieval.keep_versions,
        msg=msg,
    )
