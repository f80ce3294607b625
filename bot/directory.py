"""Who is who in Slack: users' groups for access control, and who is an approver or an admin.

A user's groups are the configured defaults, any listed for them under access.users, and the
handle of every Slack user group they belong to (so a document with audience "exec" reaches
the members of @exec). Membership comes from one usergroups.list(include_users=true) call,
cached for slack.groups_cache_s. One thread refreshes a stale cache while the others go on
with what is cached (only the very first load is waited for). When Slack cannot be asked and
nothing is cached, a user gets only the default groups: access fails closed. People's names
(for the web console) come from users.info, cached per person for the same time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

__all__ = ["SlackDirectory"]

log = logging.getLogger(__name__)


class SlackDirectory:
    def __init__(
        self,
        client: WebClient,
        *,
        watched: list[str],
        ttl_s: float,
        default_groups: list[str],
        config_users: dict[str, list[str]],
        role_groups: Iterable[str] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.watched = watched  # handles or IDs of the groups that matter; empty: all
        self.ttl_s = ttl_s
        self.default_groups = default_groups
        self.config_users = config_users
        self.role_groups = set(role_groups)  # approver/admin groups: loaded, not access groups
        self.clock = clock
        self._lock = threading.Lock()
        self._members: dict[str, set[str]] = {}  # group id -> user ids
        self._handles: dict[str, str] = {}  # group id -> handle
        self._access: set[str] = set()  # ids of the groups that grant document access
        self._loaded_at: float | None = None
        self._refreshing = False
        self._first_load = threading.Event()
        self._names: dict[str, tuple[float, str | None]] = {}  # user -> (read at, name)

    # -- access control ------------------------------------------------------------------------

    def groups_for(self, user: str) -> list[str]:
        """The groups `user` reads documents as (always the asking user's own)."""
        groups = {*self.default_groups, *self.config_users.get(user, [])}
        members, handles, access = self._snapshot()
        groups |= {handles[g] for g, users in members.items() if user in users and g in access}
        return sorted(groups)

    def known_groups(self) -> list[str]:
        """Group names an admin may choose as a document's audience."""
        _, handles, access = self._snapshot()
        configured = {g for groups in self.config_users.values() for g in groups}
        return sorted({*(handles[g] for g in access), *configured, *self.default_groups})

    # -- roles ---------------------------------------------------------------------------------

    def is_member(self, user: str, allowed: list[str]) -> bool:
        """Whether `user` is listed in `allowed` (user IDs or user-group IDs or handles)."""
        if user in allowed:
            return True
        members, handles, _ = self._snapshot()
        for entry in allowed:
            group_id = entry if entry in members else self._id_of(entry.lstrip("@"), handles)
            if group_id and user in members.get(group_id, set()):
                return True
        return False

    def group_id(self, handle_or_id: str) -> str | None:
        """The ID of a user group given by handle (or by ID)."""
        _, handles, _ = self._snapshot()
        if handle_or_id in handles:
            return handle_or_id
        return self._id_of(handle_or_id, handles)

    # -- names ---------------------------------------------------------------------------------

    def name_of(self, user: str) -> str | None:
        """The person's name as Slack shows it (real name, else display name or handle); None
        when Slack does not know them or cannot be asked (tried again after the TTL)."""
        with self._lock:
            cached = self._names.get(user)
        if cached and self.clock() - cached[0] < self.ttl_s:
            return cached[1]
        try:
            record = self.client.users_info(user=user)["user"]
            profile = record.get("profile") or {}
            found = record.get("real_name") or profile.get("display_name") or record.get("name")
            name = str(found) if found else None
        except (SlackClientError, OSError) as exc:
            log.info("cannot read the name of %s (%s)", user, exc)
            name = None
        with self._lock:
            self._names[user] = (self.clock(), name)
        return name

    # -- the cache -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Load the groups and their members from Slack now."""
        self._load()

    def _snapshot(self) -> tuple[dict[str, set[str]], dict[str, str], set[str]]:
        with self._lock:
            stale = self._loaded_at is None or self.clock() - self._loaded_at >= self.ttl_s
            refresh = stale and not self._refreshing
            self._refreshing = self._refreshing or refresh
        if refresh:
            self._load()
        elif self._loaded_at is None:
            self._first_load.wait(timeout=30)  # another thread is loading for the first time
        with self._lock:
            return self._members, self._handles, self._access

    def _load(self) -> None:
        try:
            listed = self.client.usergroups_list(include_disabled=False, include_users=True)
            groups = listed["usergroups"]
        except (SlackClientError, OSError) as exc:  # an API error, or Slack unreachable
            log.warning("cannot read Slack user groups (%s); keeping what is cached", exc)
            with self._lock:
                if self._loaded_at is None:
                    self._loaded_at = self.clock()  # try again after the TTL, not every question
                self._refreshing = False
            self._first_load.set()
            return
        handles = {g["id"]: g["handle"] for g in groups}
        access = {g for g in handles if not self.watched or {g, handles[g]} & set(self.watched)}
        roles = {g for g in handles if {g, "@" + handles[g], handles[g]} & self.role_groups}
        members = {g["id"]: set(g.get("users") or []) for g in groups if g["id"] in access | roles}
        with self._lock:
            self._members, self._handles, self._access = members, handles, access
            self._loaded_at = self.clock()
            self._refreshing = False
        self._first_load.set()

    @staticmethod
    def _id_of(handle: str, handles: dict[str, str]) -> str | None:
        return next((gid for gid, h in handles.items() if h == handle), None)
