"""Installing the app with OAuth v2: the authorize page and oauth.v2.access.

GET /oauth/v2/authorize is the consent page: the emulated browser's installer (`install_as`)
approves at once, and the browser goes back to the app's redirect URL with a one-time code and
the app's `state`. The app exchanges the code with its client id and secret (oauth.v2.access)
for a bot token of the team, or of the whole organisation for an org-wide install on
Enterprise Grid. With token rotation on, the token expires after `token_ttl_s` and comes with
a refresh token; `grant_type=refresh_token` gives a new bot token (and a new refresh token).
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from ._api import ApiError, Args, method
from ._grid import Grid, Installation
from ._model import JsonDict
from ._openid import CLIENT_ID, CLIENT_SECRET
from ._scopes import manifest_bot_scopes
from ._workspace import Workspace


def install_page(grid: Grid, query: dict[str, str]) -> tuple[int, str, dict[str, str]]:
    """(status, HTML body, headers) for GET /oauth/v2/authorize."""
    if query.get("client_id") != CLIENT_ID:
        return 400, "<p>invalid_client_id</p>", {}
    scopes = frozenset(s for s in query.get("scope", "").split(",") if s)
    unknown = scopes - manifest_bot_scopes()
    if unknown:
        return 400, f"<p>invalid_scope: {', '.join(sorted(unknown))}</p>", {}
    redirect_uri = query.get("redirect_uri") or (grid.redirect_urls or [""])[0]
    if redirect_uri not in grid.redirect_urls:
        return 400, "<p>bad_redirect_uri: not one of the app's redirect URLs</p>", {}
    if grid.installer is None:
        return 400, "<p>nobody is signed in to Slack in this browser (install_as)</p>", {}
    code = grid.issue_code(scopes, redirect_uri)
    back = f"{redirect_uri}?{urlencode({'code': code, 'state': query.get('state', '')})}"
    return 302, "", {"Location": back}


@method("oauth.v2.access")
def oauth_v2_access(ws: Workspace, args: Args) -> JsonDict:
    if args.get("client_id") != CLIENT_ID:
        raise ApiError("invalid_client_id")
    if args.get("client_secret") != CLIENT_SECRET:
        raise ApiError("bad_client_secret")
    grid = ws.grid
    assert grid is not None
    if args.get("grant_type") == "refresh_token":
        return _refresh(grid, str(args.require("refresh_token", "invalid_refresh_token")))
    installation = grid.codes.pop(str(args.require("code", "invalid_code")), None)
    if installation is None:
        raise ApiError("invalid_code")
    if args.get("redirect_uri", installation.redirect_uri) != installation.redirect_uri:
        raise ApiError("bad_redirect_uri")
    token, refresh = grid.install(installation)
    return _granted(grid, installation, token, refresh)


def _refresh(grid: Grid, refresh: str) -> JsonDict:
    installation = grid.by_refresh_token(refresh)
    if installation is None:
        raise ApiError("invalid_refresh_token")
    token = grid.new_bot_token(installation)
    renewed = f"xoxe-1-{secrets.token_hex(12)}"
    with grid.lock:
        installation.refresh_tokens.add(renewed)
    return _granted(grid, installation, token, renewed)


def _granted(grid: Grid, installation: Installation, token: str, refresh: str | None) -> JsonDict:
    """oauth.v2.access's answer, as Slack shapes it."""
    identity = grid.workspaces(installation.enterprise_id, installation.team_id)[0].identity
    team = None if installation.org_wide else {"id": identity.team_id, "name": identity.team_name}
    body: JsonDict = {
        "access_token": token,
        "token_type": "bot",
        "scope": ",".join(sorted(installation.scopes)),
        "bot_user_id": identity.bot_user_id,
        "app_id": identity.app_id,
        "team": team,
        "enterprise": identity.enterprise,
        "authed_user": {"id": installation.user},
        "is_enterprise_install": installation.org_wide,
    }
    if refresh:
        body |= {"refresh_token": refresh, "expires_in": grid.token_ttl_s}
    return body
