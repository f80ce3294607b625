"""`twin serve`: run the Slack app (Socket Mode with SLACK_APP_TOKEN, else HTTP)."""

from __future__ import annotations

import logging
import os
import signal
import threading

import click

from cli.context import App, pass_app


@click.command()
@click.option("--port", type=click.IntRange(1, 65535), help="HTTP port (default: slack.port).")
@click.option("--host", help="HTTP address to listen on (default: slack.host).")
@pass_app
def serve(app: App, port: int | None, host: str | None) -> None:
    """Run the Slack bot until stopped (Ctrl-C or SIGTERM).

    Tokens come from the environment only: SLACK_BOT_TOKEN, and SLACK_APP_TOKEN for Socket Mode
    or SLACK_SIGNING_SECRET for HTTP mode (requests arrive at /slack/events).
    """
    from bot.server import MissingToken, build_bot, read_tokens, run

    try:
        tokens = read_tokens(os.environ)
    except MissingToken as exc:
        raise click.ClickException(str(exc)) from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    slack = app.settings.slack
    bot = build_bot(app.settings, tokens, corpus=app.corpus)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    mode = "Socket Mode" if tokens.socket_mode else f"HTTP on port {port or slack.port}"
    click.echo(f"twin serve: {app.settings.persona.name}'s twin in Slack ({mode})", err=True)
    run(bot, host or slack.host, port or slack.port, stop)
