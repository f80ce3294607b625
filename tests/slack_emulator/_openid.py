"""Sign in with Slack (OpenID Connect): the authorize page, openid.connect.token and userInfo.

GET /openid/connect/authorize shows the workspace's people, each a link that sends the browser
back to the app's redirect_uri with a one-time code (or redirects at once for `signed_in`, the
person the emulated browser is signed in to Slack as). The app then exchanges the code with its
client id and secret (HTTP Basic, as slack_sdk sends them) for a user token, and reads who
signed in with openid.connect.userInfo.
"""

from __future__ import annotations

import base64
import html
import json
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from ._api import ApiError, Args, method
from ._model import JsonDict
from ._workspace import Workspace

CLIENT_ID = "emulator-client-id"
CLIENT_SECRET = "emulator-client-secret"


@dataclass(frozen=True)
class Grant:
    user: str
    redirect_uri: str
    nonce: str


def authorize(ws: Workspace, query: dict[str, str]) -> tuple[int, str, dict[str, str]]:
    """(status, HTML body, headers) for the authorize page."""
    if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
        return 400, "<p>invalid_client_id or response_type</p>", {}
    if "openid" not in query.get("scope", "").split():
        return 400, "<p>invalid_scope: openid is required</p>", {}
    redirect_uri, state = query.get("redirect_uri", ""), query.get("state", "")
    nonce = query.get("nonce", "")
    if not redirect_uri.startswith(("http://", "https://")):
        return 400, "<p>bad_redirect_uri</p>", {}

    def link(user: str) -> str:
        code = secrets.token_urlsafe(16)
        ws.oidc_codes[code] = Grant(user, redirect_uri, nonce)
        return f"{redirect_uri}?{urlencode({'code': code, 'state': state})}"

    if ws.signed_in:
        return 302, "", {"Location": link(ws.signed_in)}
    people = [u for u in ws.users.values() if not u.is_bot and not u.deleted]
    items = "".join(
        f'<li><a href="{html.escape(link(u.id))}">Continue as {html.escape(u.real_name or u.name)}'
        "</a></li>"
        for u in people
    )
    title = "<title>Sign in with Slack</title><h1>Sign in with Slack</h1>"
    page = f"<!doctype html>{title}<ul>{items}</ul>"
    return 200, page, {}


@method("openid.connect.token")
def openid_connect_token(ws: Workspace, args: Args) -> JsonDict:
    if args.get("client_id") != CLIENT_ID or args.get("client_secret") != CLIENT_SECRET:
        raise ApiError("invalid_client_id")
    grant = ws.oidc_codes.pop(str(args.require("code", "invalid_code")), None)
    if grant is None:
        raise ApiError("invalid_code")
    if args.get("redirect_uri") != grant.redirect_uri:
        raise ApiError("bad_redirect_uri")
    token = f"xoxp-{secrets.token_hex(8)}"
    ws.user_tokens[token] = grant.user
    claims = {"iss": "https://slack.com", "sub": grant.user, "aud": CLIENT_ID, "nonce": grant.nonce}
    return {
        "access_token": token,
        "token_type": "Bearer",
        "id_token": _unsigned_jwt(claims),
    }


@method("openid.connect.userInfo")
def openid_connect_user_info(ws: Workspace, args: Args) -> JsonDict:
    user = ws.users.get(ws.user_tokens.get(args.token or "", ""))
    if user is None:
        raise ApiError("invalid_auth")
    team, enterprise = ws.identity.team_id, ws.identity.enterprise_id
    return {
        "sub": user.id,
        "https://slack.com/user_id": user.id,
        "https://slack.com/team_id": team,
        "email": user.email or f"{user.name}@example.com",
        "email_verified": True,
        "name": user.real_name or user.name,
        "given_name": (user.real_name or user.name).split()[0],
        "https://slack.com/team_name": ws.identity.team_name,
    } | ({"https://slack.com/enterprise_id": enterprise} if enterprise else {})


def _unsigned_jwt(claims: JsonDict) -> str:
    def part(data: JsonDict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."
