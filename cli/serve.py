"""`twin serve`: run the Slack app (Socket Mode with SLACK_APP_TOKEN, else HTTP), and the web
console beside it."""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import TYPE_CHECKING, Any

import click

from cli.context import App, pass_app

if TYPE_CHECKING:
    from retrieval.corpus import Corpus
    from twin.settings import Settings


@click.command()
@click.option("--port", type=click.IntRange(1, 65535), help="HTTP port (default: slack.port).")
@click.option("--host", help="HTTP address to listen on (default: slack.host).")
@click.option("--console-only", is_flag=True, help="Serve only the web console (no Slack).")
@pass_app
def serve(app: App, port: int | None, host: str | None, console_only: bool) -> None:
    """Run the Slack bot and the web console until stopped (Ctrl-C or SIGTERM).

    Tokens come from the environment only: SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and
    SLACK_CLIENT_SECRET to install in many workspaces by OAuth), and SLACK_APP_TOKEN for Socket
    Mode or SLACK_SIGNING_SECRET for HTTP mode (requests arrive at /slack/events).
    """
    from bot.server import MissingToken, build_bot, read_tokens, run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    if console_only:
        console = start_console(app, None)
        stop.wait()
        console.stop()
        return
    try:
        tokens = read_tokens(os.environ)
    except MissingToken as exc:
        raise click.ClickException(str(exc)) from None
    slack = app.settings.slack
    bot = build_bot(app.settings, tokens, corpus=app.corpus)
    console = start_console(app, bot) if app.settings.console.enabled else None
    mode = "Socket Mode" if tokens.socket_mode else f"HTTP on port {port or slack.port}"
    if tokens.oauth:
        mode += f"; OAuth installs at port {port or slack.port} /slack/install"
    click.echo(f"twin serve: {app.settings.persona.name}'s twin in Slack ({mode})", err=True)
    try:
        run(bot, host or slack.host, port or slack.port, stop)
    finally:
        if console is not None:
            console.stop()


def start_console(app: App, bot: Any) -> Any:
    """The web console on console.host:port (see console_app)."""
    from web.console.server import ConsoleServer

    settings = app.settings
    web = console_app(settings, app.corpus, bot)
    server = ConsoleServer(web, settings.console.host, settings.console.port).start()
    click.echo(f"twin serve: the console is at {settings.console.base_url()}", err=True)
    return server


def console_app(settings: Settings, corpus: Corpus, bot: Any, environ: Any = None) -> Any:
    """The console sharing the bot's pipeline, directory and review decisions (when there is
    a bot), so a decision made in it is the Slack app's own; with the OpenAI-compatible
    endpoint (web.openai_api) on the same pipeline."""
    from bot.web_reviews import WebReviews
    from retrieval.access import ConfigGroups
    from web.console.app import create_console
    from web.openai_api import openai_router

    if bot is None:
        web = create_console(settings, corpus=corpus, environ=environ)
        access = settings.access
        groups_of = ConfigGroups(access.users, access.default_groups).groups_for
    else:
        services = bot.services
        web = create_console(
            settings,
            corpus=services.corpus,
            answerer=services.answerer,
            directory=services.directory,
            reviews=WebReviews(services, bot.tenants),
            tasks=services.tasks,
            workspaces=bot.tenants,
            environ=environ,
        )
        groups_of = services.directory.groups_for
    answerer = web.state.console.answerer
    web.include_router(
        openai_router(answerer, groups_of, os.environ if environ is None else environ)
    )
    return web
