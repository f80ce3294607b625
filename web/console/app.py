"""create_console: the web console as a FastAPI app, on the pipeline and database of the bot."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from itsdangerous import URLSafeTimedSerializer

from persona.answer import Answerer, make_llm
from retrieval.corpus import Corpus
from retrieval.uploads import INGEST_UPLOAD, UploadJobs, ingest_upload
from twin.settings import Settings
from twin.tasks import TaskRunner, task_runner
from web.console import (
    audit,
    corpus_page,
    insights,
    reviews_page,
    signin,
    try_it,
    versions_page,
)
from web.console.auth import Forbidden, SignInRequired
from web.console.clips import Clips
from web.console.context import TEMPLATES, Console, Directory, Reviews, Workspaces
from web.console.reindexing import Reindexes
from web.console.uploads import Uploads

__all__ = ["create_console"]

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self' https:"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def create_console(
    settings: Settings,
    *,
    corpus: Corpus | None = None,
    answerer: Answerer | None = None,
    directory: Directory | None = None,
    reviews: Reviews | None = None,
    tasks: TaskRunner | None = None,
    workspaces: Workspaces | None = None,
    environ: Mapping[str, str] | None = None,
) -> FastAPI:
    """The console app. `twin serve` passes the bot's corpus, answerer, directory and review
    decisions; without them only the development sign-in can get in, and reviews are read-only.
    Uploads are ingested by the `tasks` runner (the bot's; without one, the console's own on
    settings.tasks: in-process, or through the broker to `twin worker`). In OAuth mode
    `workspaces` (bot.tenants) gives each signed-in person's workspace's roles.
    Secrets from `environ`: SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (Sign in with Slack),
    CONSOLE_SESSION_SECRET (signs sessions)."""
    env = os.environ if environ is None else environ
    corpus = corpus or Corpus(settings)
    if tasks is None:
        own = corpus
        tasks = task_runner(settings.tasks, {INGEST_UPLOAD: lambda *a: ingest_upload(own, *a)})
    secret = env.get("CONSOLE_SESSION_SECRET", "")
    if not secret:
        log.warning("CONSOLE_SESSION_SECRET is not set: sign-ins end when the server restarts")
        secret = secrets.token_urlsafe(32)
    console = Console(
        settings=settings,
        corpus=corpus,
        answerer=answerer or Answerer(settings, corpus, make_llm(settings.llm)),
        directory=directory,
        reviews=reviews,
        signer=URLSafeTimedSerializer(secret, salt="twin-console"),
        client_id=env.get("SLACK_CLIENT_ID", ""),
        client_secret=env.get("SLACK_CLIENT_SECRET", ""),
        templates=Jinja2Templates(directory=TEMPLATES),
        uploads=Uploads(UploadJobs(corpus.sessions), tasks),
        reindexes=Reindexes(corpus),
        clips=Clips(settings),
        workspaces=workspaces,
    )
    app = FastAPI(title="ceo-twin console", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = console
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (signin, reviews_page, corpus_page, versions_page, audit, insights, try_it):
        app.include_router(module.router)
    _handle_errors(app, console)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    return app


def _handle_errors(app: FastAPI, console: Console) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, exc: SignInRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/signin"})
        return RedirectResponse("/signin", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> HTMLResponse:
        return console.templates.TemplateResponse(
            request, "forbidden.html", {"message": str(exc), "viewer": None}, status_code=403
        )
