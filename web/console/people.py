"""People's names instead of raw Slack user ids on the console's pages.

Names come from the bot's directory (users.info, cached); an id Slack does not know, an id that
is not a Slack user's ("tests", "cli:dana", a development sign-in) or a console without Slack
shows as it is. A source prefix stays: "console:U123" shows as "Adam Admin (console)".
"""

from __future__ import annotations

import re

from web.console.context import Directory

__all__ = ["Names"]

_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


class Names:
    """who(id) -> the name to show; one per page, so each person is looked up once."""

    def __init__(self, directory: Directory | None) -> None:
        self.directory = directory
        self._found: dict[str, str] = {}

    def __call__(self, who: str | None) -> str:
        if not who:
            return ""
        source, _, user = who.rpartition(":")
        name = self._name(user)
        if name == user:
            return who
        return f"{name} ({source})" if source else name

    def _name(self, user: str) -> str:
        if self.directory is None or not _SLACK_USER.match(user):
            return user
        if user not in self._found:
            self._found[user] = self.directory.name_of(user) or user
        return self._found[user]
