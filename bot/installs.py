"""OAuth installations: where each workspace's bot token lives, and a fresh token on demand.

The installations are slack_sdk's SQLAlchemy installation store on the twin's own database
(tables from migration 0012, never created at run time); the OAuth `state` values are its
SQLAlchemy state store. With token rotation on, a bot token expires after 12 hours: every
lookup refreshes it with the refresh token (slack_sdk's TokenRotator, through our Web API
client, so an enterprise proxy or the emulator is used as for every other call) when it
expires within `rotate_before_min`, and saves the new one, so any process on the database
reads a valid token. An org-wide install on Enterprise Grid is one installation for the whole
organisation (no team), found for an event from any of its workspaces.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine

__all__ = [
    "InstallationAuthorize",
    "Installations",
    "NotInstalled",
    "Owner",
    "RotatingClient",
    "state_store",
]

log = logging.getLogger(__name__)

STATE_TTL_S = 600  # an install started must be finished within ten minutes
CACHE_S = 10.0  # how long a bot read from the store is used before it is read again


class NotInstalled(Exception):
    """The app has no (usable) installation for this workspace or organisation."""


@dataclass(frozen=True)
class Owner:
    """Who an installation belongs to: a workspace (team), or a whole Grid organisation."""

    enterprise_id: str | None
    team_id: str | None  # None for an org-wide install
    org_wide: bool = False


def state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    return SQLAlchemyOAuthStateStore(expiration_seconds=STATE_TTL_S, engine=engine, logger=log)


class Installations:
    """The installation store plus token rotation: `bot(owner)` is always usable now."""

    def __init__(
        self,
        engine: Engine,
        client_id: str,
        client_secret: str,
        client: WebClient,
        rotate_before_min: int = 120,
    ) -> None:
        self.store = SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=log)
        self.rotator = TokenRotator(client_id=client_id, client_secret=client_secret, client=client)
        self.rotate_before_min = rotate_before_min
        self._lock = threading.Lock()
        self._cache: dict[Owner, tuple[float, Bot]] = {}

    def bot(self, owner: Owner) -> Bot:
        """The owner's bot, its token refreshed (and saved) when it is about to expire. A bot
        read from the store is reused for CACHE_S seconds unless its token is due."""
        with self._lock:
            cached = self._cache.get(owner)
            if cached and time.monotonic() - cached[0] < CACHE_S and not self._due(cached[1]):
                return cached[1]
            bot = self._fresh(owner)  # one lookup (and rotation) at a time in this process
            self._cache[owner] = (time.monotonic(), bot)
            return bot

    def _fresh(self, owner: Owner) -> Bot:
        bot = self.store.find_bot(
            enterprise_id=owner.enterprise_id,
            team_id=owner.team_id,
            is_enterprise_install=owner.org_wide,
        )
        if bot is None or not bot.bot_token:
            raise NotInstalled(f"the app is not installed for {owner}")
        if bot.bot_refresh_token:
            refreshed = self.rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=self.rotate_before_min
            )
            if refreshed is not None:
                self.store.save_bot(refreshed)
                log.info("rotated the bot token of %s", owner)
                return refreshed
        return bot

    def _due(self, bot: Bot) -> bool:
        expires = bot.bot_token_expires_at
        return expires is not None and expires <= time.time() + self.rotate_before_min * 60


class InstallationAuthorize(Authorize):
    """bolt's authorize step for every request: the installation of the request's workspace
    or organisation, with a fresh token, and no auth.test round trip (the store has the bot's
    IDs)."""

    def __init__(self, installations: Installations) -> None:
        self.installations = installations

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_: Any,
    ) -> AuthorizeResult | None:
        owner = Owner(enterprise_id, team_id, bool(context.is_enterprise_install))
        try:
            bot = self.installations.bot(owner)
        except NotInstalled:
            log.warning("a request from %s, where the app is not installed", owner)
            return None
        except SlackClientError as exc:
            log.error("cannot refresh the bot token of %s: %s", owner, exc)
            return None
        return AuthorizeResult(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id or team_id,
            bot_user_id=bot.bot_user_id,
            bot_id=bot.bot_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
            user_id=user_id,
        )


class RotatingClient(WebClient):
    """A Web API client for one installation whose token is looked up (and rotated) before
    every call, for the work a bot does outside a request (the user-group directory, the
    outbox, reminders, video uploads)."""

    def __init__(self, installations: Installations, owner: Owner, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.installations = installations
        self.owner = owner

    def api_call(self, api_method: str, **kwargs: Any) -> Any:
        self.token = self.installations.bot(self.owner).bot_token
        return super().api_call(api_method, **kwargs)

    def pinned(self) -> WebClient:
        """A client with the installation's current token, for one task (an answer), so all
        its calls carry one token, as a request's own client does."""
        return WebClient(
            token=self.installations.bot(self.owner).bot_token,
            base_url=self.base_url,
            retry_handlers=self.retry_handlers,
            team_id=self.default_params.get("team_id"),
        )
