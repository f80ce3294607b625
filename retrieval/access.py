"""Audiences and groups: who may read what. Enforced in search, never left to the prompt."""

from __future__ import annotations

from collections.abc import Iterable

EVERYONE = "all"


class UnknownUser(Exception):
    """A user id that the group source does not know."""


def normalize_audience(groups: Iterable[str] | str | None) -> str:
    """Canonical audience string: "all", or sorted unique group names (lower case: `EXEC` is
    the `exec` group) joined by commas."""
    if groups is None:
        return EVERYONE
    if isinstance(groups, str):
        groups = groups.split(",")
    names = sorted({g.strip().lower() for g in groups if g.strip()})
    if not names or EVERYONE in names:
        return EVERYONE
    for name in names:
        if any(c in name for c in ",\n"):
            raise ValueError(f"group name {name!r} may not contain a comma or newline")
    return ",".join(names)


def can_read(audience: str, groups: Iterable[str]) -> bool:
    """Group names match in any case, as audiences are stored in lower case."""
    members = {g.strip().lower() for g in groups}
    return audience == EVERYONE or not set(audience.lower().split(",")).isdisjoint(members)


def unknown_groups(audience: str, known: Iterable[str]) -> list[str]:
    """Groups of an audience that no configured user belongs to (likely a typo)."""
    names = {k.strip().lower() for k in known}
    return [g for g in audience.split(",") if audience != EVERYONE and g not in names]


class ConfigGroups:
    """Users' groups from config (access.users); Slack user groups replace this in the bot."""

    def __init__(self, users: dict[str, list[str]], default_groups: list[str]) -> None:
        self.users = users
        self.default_groups = default_groups

    def groups_for(self, user_id: str) -> list[str]:
        if user_id not in self.users:
            raise UnknownUser(f"unknown user '{user_id}': not listed under access.users in config")
        return sorted({*self.default_groups, *self.users[user_id]})
