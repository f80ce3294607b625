"""The emulator's Sign in with Slack: authorize, openid.connect.token and userInfo behave as
Slack documents them (one-time codes, client credentials, the redirect URI must match)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from slack_emulator import SlackEmulator
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

REDIRECT = "https://console.example/auth/callback"


def authorize(slack: SlackEmulator, **extra: str) -> httpx.Response:
    params = {
        "response_type": "code",
        "scope": "openid profile",
        "client_id": slack.client_id,
        "state": "s1",
        "nonce": "n1",
        "redirect_uri": REDIRECT,
        **extra,
    }
    return httpx.get(slack.authorize_url, params=params, follow_redirects=False)


def test_sign_in_with_slack_round_trip():
    with SlackEmulator() as slack:
        carol = slack.add_user("carol", real_name="Carol Comms", email="carol@tidewater.test")
        chooser = authorize(slack)
        assert chooser.status_code == 200 and "Continue as Carol Comms" in chooser.text
        slack.sign_in_browser_as(carol)
        back = authorize(slack)
        assert back.status_code == 302
        location = urlsplit(back.headers["location"])
        query = parse_qs(location.query)
        assert location.path == "/auth/callback" and query["state"] == ["s1"]
        code = query["code"][0]
        api = WebClient(base_url=slack.api_url)
        with pytest.raises(SlackApiError, match="invalid_client_id"):
            api.openid_connect_token(client_id=slack.client_id, client_secret="x", code=code)
        with pytest.raises(SlackApiError, match="bad_redirect_uri"):
            api.openid_connect_token(
                client_id=slack.client_id,
                client_secret=slack.client_secret,
                code=code,
                redirect_uri="https://elsewhere.example/cb",
            )
        slack.sign_in_browser_as(carol)
        code = parse_qs(urlsplit(authorize(slack).headers["location"]).query)["code"][0]
        granted = api.openid_connect_token(
            client_id=slack.client_id,
            client_secret=slack.client_secret,
            code=code,
            redirect_uri=REDIRECT,
        )
        info = WebClient(token=granted["access_token"], base_url=slack.api_url)
        me = info.openid_connect_userInfo()
        assert me["https://slack.com/user_id"] == carol.id and me["name"] == "Carol Comms"
        assert me["https://slack.com/team_id"] == slack.identity.team_id
        with pytest.raises(SlackApiError, match="invalid_code"):  # a code works once
            api.openid_connect_token(
                client_id=slack.client_id,
                client_secret=slack.client_secret,
                code=code,
                redirect_uri=REDIRECT,
            )
        assert authorize(slack, scope="profile").status_code == 400
