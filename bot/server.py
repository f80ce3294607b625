"""Running the bot: tokens from the environment, then Socket Mode or HTTP.

With SLACK_APP_TOKEN set, the app connects out over Socket Mode (no public URL needed);
otherwise it serves the Events API, interactivity and slash commands on one HTTP port, at
/slack/events, verifying every request with SLACK_SIGNING_SECRET.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.app import create_app
from bot.services import Services
from bot.slack_client import web_client
from twin.settings import Settings

__all__ = [
    "EVENTS_PATH",
    "Bot",
    "HttpServer",
    "MissingToken",
    "Tokens",
    "build_bot",
    "read_tokens",
    "worker_services",
]

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


class MissingToken(Exception):
    """A required Slack token is not in the environment; the message names the variable."""


@dataclass(frozen=True)
class Tokens:
    bot: str
    signing_secret: str
    app: str

    @property
    def socket_mode(self) -> bool:
        return bool(self.app)


def read_tokens(environ: Mapping[str, str]) -> Tokens:
    """SLACK_BOT_TOKEN always; SLACK_APP_TOKEN selects Socket Mode, else SLACK_SIGNING_SECRET."""
    bot = environ.get("SLACK_BOT_TOKEN", "").strip()
    app = environ.get("SLACK_APP_TOKEN", "").strip()
    secret = environ.get("SLACK_SIGNING_SECRET", "").strip()
    if not bot:
        raise MissingToken(
            "SLACK_BOT_TOKEN is not set: export the app's Bot User OAuth Token (xoxb-...)"
        )
    if app and not app.startswith("xapp-"):
        raise MissingToken("SLACK_APP_TOKEN must be an app-level token (xapp-...) for Socket Mode")
    if not app and not secret:
        raise MissingToken(
            "SLACK_SIGNING_SECRET is not set: HTTP mode verifies Slack's requests with it "
            "(or set SLACK_APP_TOKEN to use Socket Mode)"
        )
    return Tokens(bot, secret, app)


@dataclass
class Bot:
    services: Services
    app: App
    tokens: Tokens

    def close(self) -> None:
        self.services.close()


def build_bot(settings: Settings, tokens: Tokens, **services: Any) -> Bot:
    """The services and the bolt App for `settings` (`services`: corpus=, answerer= to share)."""
    slack = settings.slack
    client = web_client(tokens.bot, slack.api_base_url, slack.api_retries)
    built = Services(settings, client, **services)
    secret = "" if tokens.socket_mode else tokens.signing_secret
    return Bot(built, create_app(built, secret), tokens)


def worker_services(settings: Settings, bot_token: str, **services: Any) -> Services:
    """The services a `twin worker` runs tasks with (no HTTP app, no signing secret)."""
    slack = settings.slack
    return Services(
        settings, web_client(bot_token, slack.api_base_url, slack.api_retries), **services
    )


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # Slack sends bursts; the default backlog of 5 resets them


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)


class HttpServer:
    """The app's HTTP endpoint: POST /slack/events, one thread per request."""

    def __init__(self, app: App, host: str, port: int) -> None:
        self._server = make_server(
            host,
            port,
            SlackRequestHandler(app, path=EVENTS_PATH),
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.2)

    def start(self) -> HttpServer:
        """Serve from a background thread."""
        self._thread = threading.Thread(target=self.serve_forever, name="twin-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()


def run(bot: Bot, host: str, port: int, stop: threading.Event) -> None:
    """Serve until `stop` is set: Socket Mode or HTTP, with the housekeeping thread."""
    bot.services.answerer.warm_up()
    housekeeper = bot.services.housekeeper().start()
    bot.services.video.resume()  # in-process: render jobs left by a stopped process
    try:
        if bot.tokens.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            handler = SocketModeHandler(bot.app, bot.tokens.app, web_client=bot.services.client)
            handler.connect()
            log.info("connected to Slack over Socket Mode")
            stop.wait()
            handler.close()
        else:
            server = HttpServer(bot.app, host, port).start()
            log.info("listening on http://%s:%s%s", host, server.port, EVENTS_PATH)
            stop.wait()
            server.stop()
    finally:
        housekeeper.stop()
        bot.close()
