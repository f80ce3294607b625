"""Who is signed in, and what they may do.

Sign in with Slack (OpenID Connect): /auth/slack sends the browser to Slack's authorize page
with a random state and nonce (kept in a signed cookie); Slack sends it back to /auth/callback
with a code, exchanged with openid.connect.token for a user token, and openid.connect.userInfo
says who signed in. Roles come from the same approver and admin lists the Slack app uses
(slack.approvers, slack.admins: user or user-group IDs), checked on the server at every request,
so a person removed from @comms loses the console with the directory's next refresh.

The session is a signed cookie (itsdangerous: user, name, CSRF token, development flag),
HTTP-only, SameSite=Lax, Secure unless console.secure_cookies is false. Every form carries the
session's CSRF token; every POST checks it.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from web.console.context import Console, Directory

__all__ = [
    "ADMIN",
    "APPROVER",
    "SESSION_COOKIE",
    "Forbidden",
    "SignInRequired",
    "Viewer",
    "check_csrf",
    "current",
    "require",
]

SESSION_COOKIE = "twin_console"
STATE_COOKIE = "twin_console_state"
APPROVER, ADMIN = "approver", "admin"


class SignInRequired(Exception):
    """No valid session: the page sends the browser to /signin."""


class Forbidden(Exception):
    """Signed in, but without the role (or a valid CSRF token) this needs."""


@dataclass(frozen=True)
class Viewer:
    user: str
    name: str
    csrf: str
    roles: frozenset[str] = frozenset()
    groups: list[str] = field(default_factory=list)
    dev: bool = False

    def has(self, role: str) -> bool:
        return role in self.roles


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


# -- sessions --------------------------------------------------------------------------------


def current(request: Request) -> Viewer:
    """The signed-in viewer with roles and groups read now, or SignInRequired."""
    console = console_of(request)
    max_age = int(console.settings.console.session_hours * 3600)
    try:
        data = console.signer.loads(request.cookies.get(SESSION_COOKIE, ""), max_age=max_age)
    except BadSignature:
        raise SignInRequired() from None
    if data.get("dev"):
        if not console.settings.console.dev_login:
            raise SignInRequired()  # development sessions end when the flag is off
        roles, groups = frozenset({APPROVER, ADMIN}), list(data.get("groups", []))
    else:
        member = Member(data["user"], data.get("team", ""), data.get("enterprise", ""))
        roles, groups = roles_of(console, member), groups_of(console, member)
    return Viewer(data["user"], data["name"], data["csrf"], roles, groups, bool(data.get("dev")))


@dataclass(frozen=True)
class Member:
    """Who signed in with Slack, and from which workspace (team, and Grid organisation)."""

    user: str
    team: str = ""
    enterprise: str = ""


def _access(console: Console, member: Member) -> tuple[Directory | None, list[str], list[str]]:
    """The directory, approvers and admins that decide the member's roles: in OAuth mode their
    own workspace's (nothing where the app is not installed), else the one bot's."""
    if console.workspaces is not None:
        found = console.workspaces.access(member.team, member.enterprise) if member.team else None
        return found or (None, [], [])
    slack = console.settings.slack
    return console.directory, slack.approvers, slack.admins


def roles_of(console: Console, member: Member) -> frozenset[str]:
    directory, approvers, admins = _access(console, member)
    if directory is None:
        return frozenset()
    roles = {APPROVER} if directory.is_member(member.user, approvers) else set()
    if directory.is_member(member.user, admins):
        roles.add(ADMIN)
    return frozenset(roles)


def groups_of(console: Console, member: Member) -> list[str]:
    directory = _access(console, member)[0]
    return directory.groups_for(member.user) if directory else []


def require(request: Request, role: str) -> Viewer:
    viewer = current(request)
    if not viewer.has(role):
        raise Forbidden(f"This page is for {role}s.")
    return viewer


async def check_csrf(request: Request, viewer: Viewer) -> None:
    """The form's csrf field (or the X-CSRF-Token header) must be the session's token."""
    sent = request.headers.get("x-csrf-token") or str((await request.form()).get("csrf", ""))
    if not hmac.compare_digest(sent.encode(), viewer.csrf.encode()):
        raise Forbidden("The form expired or did not come from the console; reload and retry.")


def start_session(console: Console, response: Response, user: str, name: str, **extra: Any) -> None:
    token = console.signer.dumps(
        {"user": user, "name": name, "csrf": secrets.token_urlsafe(24), **extra}
    )
    _set_cookie(console, response, SESSION_COOKIE, token, console.settings.console.session_hours)


def _set_cookie(console: Console, response: Response, name: str, value: str, hours: float) -> None:
    response.set_cookie(
        name,
        value,
        max_age=int(hours * 3600),
        httponly=True,
        secure=console.settings.console.secure_cookies,
        samesite="lax",
        path="/",
    )


# -- Sign in with Slack ----------------------------------------------------------------------


def redirect_uri(console: Console) -> str:
    return f"{console.settings.console.base_url()}/auth/callback"


def authorize_url(console: Console) -> str:
    configured = console.settings.console.authorize_url
    return configured or urljoin(console.settings.slack.api_base_url, "../openid/connect/authorize")


def begin_sign_in(console: Console) -> Response:
    """Send the browser to Slack's authorize page with a fresh state and nonce."""
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    query = {
        "response_type": "code",
        "scope": "openid profile email",
        "client_id": console.client_id,
        "state": state,
        "nonce": nonce,
        "redirect_uri": redirect_uri(console),
    }
    response = RedirectResponse(f"{authorize_url(console)}?{urlencode(query)}", status_code=303)
    _set_cookie(console, response, STATE_COOKIE, console.signer.dumps([state, nonce]), 0.25)
    return response


def finish_sign_in(console: Console, request: Request, code: str, state: str) -> tuple[Member, str]:
    """(who, name) of whoever Slack says signed in; Forbidden when anything is off."""
    try:
        expected, _nonce = console.signer.loads(request.cookies.get(STATE_COOKIE, ""), max_age=900)
    except BadSignature:
        raise Forbidden("The sign-in took too long or came from elsewhere; try again.") from None
    if not code or not hmac.compare_digest(state.encode(), str(expected).encode()):
        raise Forbidden("The sign-in did not match the one this browser started; try again.")
    api = console.settings.slack.api_base_url
    try:
        token = WebClient(base_url=api).openid_connect_token(
            client_id=console.client_id,
            client_secret=console.client_secret,
            code=code,
            redirect_uri=redirect_uri(console),
        )["access_token"]
        info = WebClient(token=token, base_url=api).openid_connect_userInfo()
    except SlackApiError as exc:
        raise Forbidden(f"Slack refused the sign-in ({exc.response.get('error')}).") from None
    user = str(info.get("https://slack.com/user_id") or info["sub"])
    team = str(info.get("https://slack.com/team_id", ""))
    if console.workspaces is None:
        _same_workspace(console, team)  # in OAuth mode, roles come from the team's own install
    member = Member(user, team, str(info.get("https://slack.com/enterprise_id", "")))
    return member, str(info.get("name") or user)


def _same_workspace(console: Console, team_id: str) -> None:
    """Only people of the workspace the app is installed in (the bot token's team)."""
    client = getattr(console.directory, "client", None)  # the bot's WebClient
    if not isinstance(client, WebClient):
        return
    try:
        ours = client.auth_test()["team_id"]
    except SlackApiError:
        return  # the role check that follows still fails closed
    if team_id != ours:
        raise Forbidden("That Slack workspace is not the one this twin serves.")
