"""SlackEmulator's side for apps installed by OAuth in several teams, and for Socket Mode."""

from __future__ import annotations

import copy

from ._delivery import Courier
from ._grid import Grid, Installation, Installer
from ._model import AppIdentity, JsonDict, TokenInfo, User, user_id_of
from ._socket import SocketLink
from ._workspace import Workspace


class Installs:
    """Installing the app (OAuth v2, token rotation, Grid org-wide) and Socket Mode."""

    grid: Grid
    courier: Courier
    identity: AppIdentity
    workspace: Workspace

    @property
    def team_id(self) -> str:
        return self.identity.team_id

    def install_as(self, user: str | User, *, org_wide: bool = False) -> None:
        """The emulated browser is signed in to this workspace as `user`, who approves the
        app's install (for the whole Grid organisation with `org_wide`) on the authorize page."""
        installer = Installer(self.team_id, user_id_of(user), org_wide)
        self.grid.installer = installer

    @property
    def install_url(self) -> str:
        return f"{self.workspace.base_url}/oauth/v2/authorize"

    @property
    def oauth_redirect_urls(self) -> list[str]:
        return list(self.grid.redirect_urls)

    @oauth_redirect_urls.setter
    def oauth_redirect_urls(self, urls: list[str]) -> None:
        self.grid.redirect_urls = list(urls)

    def rotate_tokens(self, enabled: bool = True, *, ttl_s: int = 43200) -> None:
        """Token rotation on: installs get bot tokens that expire after `ttl_s` seconds and a
        refresh token."""
        self.grid.token_rotation, self.grid.token_ttl_s = enabled, ttl_s

    def installations(self) -> list[Installation]:
        with self.grid.lock:
            return copy.deepcopy(self.grid.installations)

    def expire_token(self, token: str) -> None:
        """Expire a rotating bot token now, as 12 hours would."""
        self.grid.expire(token)

    def enable_socket_mode(self) -> str:
        """Serve Socket Mode; returns the app-level token (xapp-) for apps.connections.open.
        While the app holds a connection, every delivery goes over it instead of HTTP."""
        if self.grid.socket is None:
            self.grid.socket = SocketLink()
        self.courier.socket = self.grid.socket
        token = "xapp-1-A0001APP-emulator"
        info = TokenInfo(frozenset({"connections:write"}))
        self.workspace.mutate(lambda: self.workspace.app_tokens.__setitem__(token, info))
        return token

    def wait_for_socket(self, timeout: float = 10.0) -> None:
        assert self.grid.socket is not None, "call enable_socket_mode() first"
        if not self.grid.socket.wait_connected(timeout):
            raise TimeoutError(f"the app opened no Socket Mode connection in {timeout}s")

    def disconnect_sockets(self) -> None:
        """Close every Socket Mode connection, as Slack does now and then (apps reconnect)."""
        if self.grid.socket is not None:
            self.grid.socket.disconnect_all()

    def envelopes(self) -> list[JsonDict]:
        """Every Socket Mode envelope sent to the app, in order."""
        return copy.deepcopy(self.grid.socket.envelopes) if self.grid.socket else []
