"""Several teams behind one Slack: which workspace a request's token belongs to, and the
installations the OAuth flow made (codes, access and refresh tokens).

Every team is a Workspace with its own lock; IDs come from one factory, so they are unique
across teams as Slack's are. A team's bot token is valid in its workspace; an org-wide install's
token in every workspace of its Enterprise Grid organisation (the workspace a call is about is
then told by its `team_id`, its channel or its user argument, as Slack does).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from ._ids import IdFactory
from ._model import JsonDict, TokenInfo
from ._socket import SocketLink
from ._workspace import Workspace

TOKEN_TTL_S = 43200  # Slack's rotating tokens live 12 hours


@dataclass
class Installer:
    """Who the emulated browser installs the app as, and where."""

    team_id: str
    user: str
    org_wide: bool = False


@dataclass
class Installation:
    """One install of the app: where, by whom, with which scopes, and its current tokens."""

    team_id: str | None  # None for an org-wide install
    enterprise_id: str | None
    user: str
    scopes: frozenset[str]
    redirect_uri: str
    refresh_tokens: set[str] = field(default_factory=set)
    bot_tokens: list[str] = field(default_factory=list)  # oldest first

    @property
    def org_wide(self) -> bool:
        return self.team_id is None


class Grid:
    """The teams, and the OAuth state shared by them."""

    def __init__(self) -> None:
        self.ids = IdFactory()
        self.lock = threading.RLock()
        self.teams: dict[str, Workspace] = {}
        self.primary: Workspace | None = None
        self.installer: Installer | None = None
        self.codes: dict[str, Installation] = {}
        self.installations: list[Installation] = []
        self.token_rotation = False
        self.token_ttl_s = TOKEN_TTL_S
        self.redirect_urls: list[str] = []  # the app's OAuth redirect URLs
        self.socket: SocketLink | None = None  # Socket Mode, once enabled

    def add(self, ws: Workspace) -> Workspace:
        with self.lock:
            ws.base_url = next((t.base_url for t in self.teams.values() if t.base_url), "")
            self.teams[ws.identity.team_id] = ws
            self.primary = self.primary or ws
        ws.grid = self
        return ws

    def workspaces(self, enterprise_id: str | None, team_id: str | None) -> list[Workspace]:
        """The workspace `team_id`, or every workspace of the organisation when it is None."""
        with self.lock:
            teams = list(self.teams.values())
        if team_id is not None:
            return [ws for ws in teams if ws.identity.team_id == team_id]
        return [ws for ws in teams if ws.identity.enterprise_id == enterprise_id]

    # -- which workspace a request is for ------------------------------------------------------

    def route(self, token: str | None, args: JsonDict) -> Workspace:
        """The workspace holding `token` (the one the call names, for an org-wide token); for
        client-authenticated methods the team that issued the call's sign-in code, else the
        first team (as for unknown tokens)."""
        with self.lock:
            teams = list(self.teams.values())
        holders = [ws for ws in teams if token and _holds(ws, token)]
        if len(holders) > 1:
            return next((ws for ws in holders if _names(ws, args)), holders[0])
        assert self.primary is not None
        signed_in = [ws for ws in teams if str(args.get("code")) in ws.oidc_codes]
        return holders[0] if holders else next(iter(signed_in), self.primary)

    def browser(self) -> Workspace:
        """The team the emulated browser is signed in to (one Slack session per browser)."""
        with self.lock:
            teams = list(self.teams.values())
        assert self.primary is not None
        return next((ws for ws in teams if ws.signed_in), self.primary)

    def find(self, test: str) -> Workspace | None:
        """The workspace holding a file or response target id."""
        with self.lock:
            teams = list(self.teams.values())
        return next((ws for ws in teams if test in ws.files or test in ws.response_targets), None)

    # -- installing ----------------------------------------------------------------------------

    def issue_code(self, scopes: frozenset[str], redirect_uri: str) -> str:
        """A one-time code for the installer's consent (oauth/v2/authorize)."""
        installer = self.installer
        assert installer is not None
        ws = self.teams[installer.team_id]
        enterprise = ws.identity.enterprise_id
        team = None if installer.org_wide else installer.team_id
        code = f"code-{secrets.token_hex(8)}"
        with self.lock:
            self.codes[code] = Installation(team, enterprise, installer.user, scopes, redirect_uri)
        return code

    def install(self, installation: Installation) -> tuple[str, str | None]:
        """Put the installation's first bot token (and refresh token) in its workspaces."""
        refresh = f"xoxe-1-{secrets.token_hex(12)}" if self.token_rotation else None
        with self.lock:
            self.installations.append(installation)
            if refresh:
                installation.refresh_tokens.add(refresh)
        return self.new_bot_token(installation), refresh

    def new_bot_token(self, installation: Installation) -> str:
        prefix = "xoxe.xoxb-1-" if self.token_rotation else "xoxb-"
        token = f"{prefix}{secrets.token_hex(12)}"
        expires = time.time() + self.token_ttl_s if self.token_rotation else None
        info = TokenInfo(installation.scopes, expires, installation.org_wide)
        for ws in self.workspaces(installation.enterprise_id, installation.team_id):
            ws.mutate(lambda ws=ws: _give(ws, token, info, installation.org_wide))
        with self.lock:
            installation.bot_tokens.append(token)
        return token

    def by_refresh_token(self, refresh: str) -> Installation | None:
        with self.lock:
            return next((i for i in self.installations if refresh in i.refresh_tokens), None)

    def expire(self, token: str) -> None:
        """Make `token` expired now (as 12 hours later)."""
        for ws in list(self.teams.values()):
            if token in ws.tokens:
                info = ws.tokens[token]
                ws.mutate(lambda ws=ws, info=info: _give(ws, token, _expired(info), info.org_wide))


def _holds(ws: Workspace, token: str) -> bool:
    return token in ws.tokens or token in ws.user_tokens or token in ws.app_tokens


def _names(ws: Workspace, args: JsonDict) -> bool:
    """Whether a call's arguments name something of this workspace."""
    if args.get("team_id") == ws.identity.team_id:
        return True
    return any(
        str(args.get(k)) in ws.channels or str(args.get(k)) in ws.users
        for k in ("channel", "user")
        if args.get(k)
    )


def _give(ws: Workspace, token: str, info: TokenInfo, org_wide: bool) -> None:
    ws.tokens[token] = info
    ws.org_install = ws.org_install or org_wide


def _expired(info: TokenInfo) -> TokenInfo:
    return TokenInfo(info.scopes, time.time() - 1, info.org_wide)
