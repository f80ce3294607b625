"""Who may ask: members of the workspace. Guests (`is_restricted`, `is_ultra_restricted`) and
Slack Connect users from another organisation are refused by default with a clear message
(slack.allow_guests, slack.allow_external), so nobody outside the company gets its
"all"-audience documents just by asking. A user's record (users.info) is cached for
slack.groups_cache_s; when Slack cannot say who someone is, they are refused (fails closed)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.blocks import notices

__all__ = ["Admission"]

log = logging.getLogger(__name__)


class Admission:
    def __init__(
        self,
        client: WebClient,
        *,
        allow_guests: bool,
        allow_external: bool,
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.allow_guests = allow_guests
        self.allow_external = allow_external
        self.ttl_s = ttl_s
        self.clock = clock
        self._lock = threading.Lock()
        self._users: dict[str, tuple[float, dict[str, Any]]] = {}
        self._home: dict[str, str] | None = None  # the installation's team and enterprise

    def refusal(self, user: str) -> str | None:
        """Why `user` may not ask, or None when they may."""
        if self.allow_guests and self.allow_external:
            return None
        try:
            record, home = self._user(user), self._installation()
        except (SlackClientError, OSError) as exc:
            log.warning("cannot tell who %s is (%s); refusing", user, exc)
            return notices.WHO_ARE_YOU
        guest = record.get("is_restricted") or record.get("is_ultra_restricted")
        if guest and not self.allow_guests:
            return notices.GUEST_REFUSED
        enterprise = (record.get("enterprise_user") or {}).get("enterprise_id")
        same_org = record.get("team_id") == home["team"] or (
            bool(enterprise) and enterprise == home["enterprise"]
        )
        if not self.allow_external and not same_org:
            return notices.EXTERNAL_REFUSED
        return None

    def _user(self, user: str) -> dict[str, Any]:
        with self._lock:
            cached = self._users.get(user)
        if cached and self.clock() - cached[0] < self.ttl_s:
            return cached[1]
        record: dict[str, Any] = self.client.users_info(user=user)["user"]
        with self._lock:
            self._users[user] = (self.clock(), record)
        return record

    def _installation(self) -> dict[str, str]:
        if self._home is None:
            auth = self.client.auth_test()
            self._home = {
                "team": str(auth["team_id"]),
                "enterprise": str(auth.get("enterprise_id") or ""),
            }
        return self._home
