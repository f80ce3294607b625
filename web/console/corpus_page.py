"""Corpus: the documents (restricted ones only to admins in their audience), uploads with
progress, removal, re-reading a document from its source (forced: as a new version even if
unchanged), and reindexing the whole corpus. Each document's versions: web.console.versions_page.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import Response

from retrieval.access import can_read, normalize_audience
from retrieval.reindex import reindex
from twin.models import Document
from web.console.auth import ADMIN, Viewer, check_csrf, console_of, require
from web.console.pages import back, show

router = APIRouter()

KINDS = ("auto", "memo", "meeting")


def visible(request: Request, viewer: Viewer) -> list[Document]:
    """Live documents the viewer's groups may read (retrieval's own access rule)."""
    documents = console_of(request).corpus.documents()
    return [d for d in documents if d.version > 0 and can_read(d.audience, viewer.groups)]


@router.get("/corpus")
def corpus_page(request: Request, msg: str = "", job: str = "") -> Response:
    viewer = require(request, ADMIN)
    console = console_of(request)
    documents = visible(request, viewer)
    hidden = sum(1 for d in console.corpus.documents() if d.version > 0) - len(documents)
    upload = console.uploads.get(job) if job else None
    return show(
        request, "corpus.html", viewer, documents=documents, hidden=hidden, msg=msg, job=upload,
        kinds=KINDS, groups=console.directory.known_groups() if console.directory else [],
        reindex=console.reindexes.latest(),
    )  # fmt: skip


@router.post("/corpus/upload")
async def upload(
    request: Request,
    files: list[UploadFile],
    audience: str = Form("all"),
    kind: str = Form("auto"),
) -> Response:
    viewer = require(request, ADMIN)
    await check_csrf(request, viewer)
    console = console_of(request)
    try:
        chosen = normalize_audience(audience)
    except ValueError as exc:
        return back("/corpus", f"audience: {exc}")
    if kind not in KINDS:
        return back("/corpus", f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    limit = int(console.settings.retrieval.max_file_mb * 1e6)
    named = [(f.filename or "upload", await f.read(limit + 1)) for f in files if f.filename]
    if not named:
        return back("/corpus", "Choose one or more files to upload.")
    job = console.uploads.start(viewer.user, named, chosen, kind)
    console.actions.record(
        viewer.user, "upload", f"upload {job.id}", files=job.names, audience=chosen
    )
    return back(f"/corpus?job={job.id}")


@router.get("/corpus/jobs/{job_id}")
def job_progress(request: Request, job_id: str) -> Response:
    viewer = require(request, ADMIN)
    job = console_of(request).uploads.get(job_id)
    return show(request, "upload_progress.html", viewer, job=job)


@router.post("/corpus/{doc_id}/remove")
async def remove(request: Request, doc_id: int) -> Response:
    viewer = require(request, ADMIN)
    await check_csrf(request, viewer)
    console = console_of(request)
    doc = console.corpus.document(doc_id)
    if doc is None or not can_read(doc.audience, viewer.groups):
        return back("/corpus", f"No document has ID {doc_id}.")
    console.corpus.remove(doc_id)
    console.actions.record(viewer.user, "remove", f"doc {doc_id}", title=doc.title)
    return back("/corpus", f"Removed {doc_id} {doc.title}.")


@router.post("/corpus/reindex")
async def reindex_all(request: Request) -> Response:
    """Rebuild the index from the registry (retrieval.reindex), in the background."""
    viewer = require(request, ADMIN)
    await check_csrf(request, viewer)
    console = console_of(request)
    job = console.reindexes.start(viewer.user, reindex)
    if job is None:
        return back("/corpus", "A reindex is already running.")
    console.actions.record(viewer.user, "reindex", "corpus", run=job.id)
    return back("/corpus", "Reindex started.")


@router.post("/corpus/{doc_id}/reread")
async def reread(request: Request, doc_id: int, force: str = Form("")) -> Response:
    """Ingest the document's source file again: a new version if it changed on disk, or
    (forced) even if it did not."""
    viewer = require(request, ADMIN)
    await check_csrf(request, viewer)
    console = console_of(request)
    doc = console.corpus.document(doc_id)
    if doc is None or not can_read(doc.audience, viewer.groups):
        return back("/corpus", f"No document has ID {doc_id}.")
    source = Path(doc.source)
    if not source.is_file():
        return back("/corpus", f"{doc.title}: its source {doc.source} is no longer on disk.")
    forced = bool(force)
    job = console.uploads.reread(viewer.user, source, doc.audience, forced)
    action = "re-ingest" if forced else "re-read"
    console.actions.record(viewer.user, action, f"doc {doc_id}", source=doc.source)
    return back(f"/corpus?job={job.id}")
