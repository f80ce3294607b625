"""Running the bot: tokens from the environment, then Socket Mode or HTTP.

Single-token mode (SLACK_BOT_TOKEN): one workspace. OAuth mode (SLACK_CLIENT_ID and
SLACK_CLIENT_SECRET, no bot token): installed in any number of workspaces or Grid
organisations through /slack/install (bot.tenants). With SLACK_APP_TOKEN set, the app connects
out over Socket Mode (no public URL needed for events); otherwise it serves the Events API,
interactivity and slash commands on one HTTP port, at /slack/events, verifying every request
with SLACK_SIGNING_SECRET. In OAuth mode the install pages are served on that port either way.
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
from bot.constants import BOT_SCOPES
from bot.installs import Installations
from bot.services import Services
from bot.slack_client import web_client
from bot.tenants import Tenants, create_oauth_app
from twin.db import engine_for
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
    client_id: str = ""
    client_secret: str = ""

    @property
    def socket_mode(self) -> bool:
        return bool(self.app)

    @property
    def oauth(self) -> bool:
        """Installed by OAuth (a token per workspace), not with one bot token."""
        return not self.bot


def read_tokens(environ: Mapping[str, str]) -> Tokens:
    """SLACK_BOT_TOKEN, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for OAuth installs;
    SLACK_APP_TOKEN selects Socket Mode, else SLACK_SIGNING_SECRET."""
    bot, app, secret, client_id, client_secret = (
        environ.get(f"SLACK_{name}", "").strip()
        for name in ("BOT_TOKEN", "APP_TOKEN", "SIGNING_SECRET", "CLIENT_ID", "CLIENT_SECRET")
    )
    if not bot and not (client_id and client_secret):
        raise MissingToken(
            "SLACK_BOT_TOKEN is not set: export the app's Bot User OAuth Token (xoxb-...), or "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install the app by OAuth"
        )
    if app and not app.startswith("xapp-"):
        raise MissingToken("SLACK_APP_TOKEN must be an app-level token (xapp-...) for Socket Mode")
    if not app and not secret:
        raise MissingToken(
            "SLACK_SIGNING_SECRET is not set: HTTP mode verifies Slack's requests with it "
            "(or set SLACK_APP_TOKEN to use Socket Mode)"
        )
    oauth = not bot
    return Tokens(bot, secret, app, client_id if oauth else "", client_secret if oauth else "")


@dataclass
class Bot:
    """The bolt App and its services. In OAuth mode `services` holds what every workspace
    shares (the corpus, the answer pipeline) and `tenants` each workspace's bot."""

    services: Services
    app: App
    tokens: Tokens
    tenants: Tenants | None = None

    def close(self) -> None:
        if self.tenants is not None:
            self.tenants.close()
        self.services.close()


def build_bot(settings: Settings, tokens: Tokens, **services: Any) -> Bot:
    """The services and the bolt App for `settings` (`services`: corpus=, answerer= to share)."""
    slack = settings.slack
    client = web_client(tokens.bot or None, slack.api_base_url, slack.api_retries)
    built = Services(settings, client, **services)
    secret = "" if tokens.socket_mode else tokens.signing_secret
    if not tokens.oauth:
        return Bot(built, create_app(built, secret), tokens)
    installations = Installations(
        engine_for(settings.db_url),
        tokens.client_id,
        tokens.client_secret,
        client,
        slack.rotate_before_min,
    )
    tenants = Tenants(settings, installations, built)
    built.video.clients = lambda key: tenants.for_key(key).services.client  # jobs name theirs
    app = create_oauth_app(
        settings,
        tenants,
        client_id=tokens.client_id,
        client_secret=tokens.client_secret,
        signing_secret=secret,
        scopes=list(BOT_SCOPES),
    )
    return Bot(built, app, tokens, tenants)


def worker_services(
    settings: Settings, environ: Mapping[str, str], **services: Any
) -> tuple[Services, Tenants | None]:
    """What a `twin worker` runs tasks with (no HTTP app): SLACK_BOT_TOKEN's services, or for
    OAuth installs (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, no bot token) shared services and
    a bot per workspace, built when a task names it."""
    token, client_id, client_secret = (
        environ.get(f"SLACK_{key}", "").strip()
        for key in ("BOT_TOKEN", "CLIENT_ID", "CLIENT_SECRET")
    )
    if not token and client_id and client_secret:
        bot = build_bot(settings, Tokens("", "", "", client_id, client_secret), **services)
        return bot.services, bot.tenants
    slack = settings.slack
    client = web_client(token, slack.api_base_url, slack.api_retries)
    return Services(settings, client, **services), None


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # Slack sends bursts; the default backlog of 5 resets them


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)


class HttpServer:
    """The app's HTTP endpoint: POST /slack/events (and, in OAuth mode, GET /slack/install and
    /slack/oauth_redirect), one thread per request."""

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
    housekeeper = None
    if bot.tenants is not None:  # each workspace's bot has its own housekeeping
        started = bot.tenants.start_known()
        log.info("OAuth mode: %d workspaces with work waiting", started)
    else:
        housekeeper = bot.services.housekeeper().start()
    bot.services.video.resume()  # in-process: render jobs left by a stopped process
    server = handler = None
    try:
        if not bot.tokens.socket_mode or bot.tokens.oauth:
            server = HttpServer(bot.app, host, port).start()
            log.info("listening on http://%s:%s%s", host, server.port, EVENTS_PATH)
        if bot.tokens.socket_mode:
            handler = socket_mode_handler(bot)
            handler.connect()
            log.info("connected to Slack over Socket Mode")
        stop.wait()
    finally:
        if handler is not None:
            handler.close()
        if server is not None:
            server.stop()
        if housekeeper is not None:
            housekeeper.stop()
        bot.close()


def socket_mode_handler(bot: Bot) -> Any:
    """bolt's SocketModeHandler (slack_sdk's built-in WebSocket client) for the app token; it
    opens its connection with apps.connections.open on slack.api_base_url."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    slack = bot.services.slack
    client = web_client(bot.tokens.bot or None, slack.api_base_url, slack.api_retries)
    return SocketModeHandler(bot.app, bot.tokens.app, web_client=client)
