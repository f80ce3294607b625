"""The emulator as strict as Slack for installs: scopes from the manifest, oauth.v2.access
with its errors and the refresh grant, several teams, ephemeral messages that never persist,
and Socket Mode over a real WebSocket with bolt's SocketModeHandler."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import yaml
from slack_bolt import Ack, App, Say
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_emulator import SlackEmulator
from slack_emulator._scopes import MANIFEST, manifest_bot_scopes
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.constants import BOT_SCOPES


def client(slack: SlackEmulator, token: str | None = None) -> WebClient:
    return WebClient(token=token or slack.bot_token, base_url=slack.api_url)


def test_the_bot_asks_for_exactly_the_manifests_scopes() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert set(BOT_SCOPES) == set(manifest["oauth_config"]["scopes"]["bot"])
    assert manifest_bot_scopes() == frozenset(BOT_SCOPES)
    assert manifest["settings"]["token_rotation_enabled"] is True
    assert any(
        u.endswith("/slack/oauth_redirect") for u in manifest["oauth_config"]["redirect_urls"]
    )


def test_a_call_without_its_scope_is_missing_scope() -> None:
    with SlackEmulator(scopes=["chat:write"]) as slack:
        alice = slack.add_user("alice")
        web = client(slack)
        assert web.chat_postMessage(channel="general", text="hi")["ok"]
        with pytest.raises(SlackApiError) as raised:
            web.users_info(user=alice.id)
        assert raised.value.response["error"] == "missing_scope"
        assert raised.value.response["needed"] == "users:read"
        assert raised.value.response["provided"] == "chat:write"
        dm = slack.dm_channel(alice)
        with pytest.raises(SlackApiError) as history:
            web.conversations_history(channel=dm)
        assert history.value.response["needed"] == "im:history"


def test_the_default_token_has_the_manifests_scopes_and_says_so() -> None:
    with SlackEmulator() as slack:
        response = client(slack).auth_test()
        assert set(response.headers["x-oauth-scopes"].split(",")) == set(BOT_SCOPES)
        with pytest.raises(SlackApiError) as raised:
            client(slack).reactions_add(channel="general", name="eyes", timestamp="1.0")
        assert raised.value.response["needed"] == "reactions:write"


def test_an_ephemeral_message_is_never_in_the_history() -> None:
    with SlackEmulator() as slack:
        alice = slack.add_user("alice")
        web = client(slack)
        web.chat_postMessage(channel="general", text="for everyone")
        web.chat_postEphemeral(channel="general", user=alice.id, text="only for alice")
        texts = [m["text"] for m in web.conversations_history(channel=slack.general.id)["messages"]]
        assert texts == ["for everyone"]
        assert [e["message"]["text"] for e in slack.ephemerals(alice)] == ["only for alice"]


def _exchange(slack: SlackEmulator, **args: Any) -> Any:
    return WebClient(base_url=slack.api_url).oauth_v2_access(
        client_id=slack.client_id, client_secret=slack.client_secret, **args
    )


def test_oauth_v2_access_codes_are_one_time_and_refresh_tokens_rotate() -> None:
    with SlackEmulator() as slack:
        beta = slack.add_team("Beta")
        bob = beta.add_user("bob")
        slack.oauth_redirect_urls = ["https://app.example/slack/oauth_redirect"]
        slack.rotate_tokens(ttl_s=60)
        beta.install_as(bob)
        consent = httpx.get(
            f"{slack.install_url}?client_id={slack.client_id}&scope=chat:write&state=s1"
        )
        assert consent.status_code == 302
        code = httpx.URL(consent.headers["location"]).params["code"]
        granted = _exchange(slack, code=code)
        assert granted["team"]["id"] == beta.team_id and granted["expires_in"] == 60
        assert granted["scope"] == "chat:write" and not granted["is_enterprise_install"]
        with pytest.raises(SlackApiError, match="invalid_code"):
            _exchange(slack, code=code)
        with pytest.raises(SlackApiError, match="bad_client_secret"):
            WebClient(base_url=slack.api_url).oauth_v2_access(
                client_id=slack.client_id, client_secret="wrong", code="x"
            )
        token = granted["access_token"]
        # The token works in Beta only, and only for its scopes.
        assert client(slack, token).chat_postMessage(channel=beta.general.id, text="hi")["ok"]
        with pytest.raises(SlackApiError, match="missing_scope"):
            client(slack, token).users_info(user=bob.id)
        assert [c.token for c in beta.calls("chat.postMessage")] == [token]
        assert slack.calls("chat.postMessage") == []
        slack.expire_token(token)
        with pytest.raises(SlackApiError, match="token_expired"):
            client(slack, token).chat_postMessage(channel=beta.general.id, text="again")
        refreshed = _exchange(
            slack, grant_type="refresh_token", refresh_token=granted["refresh_token"]
        )
        assert refreshed["token_type"] == "bot" and refreshed["access_token"] != token
        assert client(slack, refreshed["access_token"]).chat_postMessage(
            channel=beta.general.id, text="again"
        )["ok"]
        with pytest.raises(SlackApiError, match="invalid_refresh_token"):
            _exchange(slack, grant_type="refresh_token", refresh_token="xoxe-1-forged")


def test_the_authorize_page_refuses_scopes_the_app_does_not_have() -> None:
    with SlackEmulator() as slack:
        slack.oauth_redirect_urls = ["https://app.example/r"]
        slack.install_as(slack.add_user("adam"))
        page = httpx.get(f"{slack.install_url}?client_id={slack.client_id}&scope=chat:write,admin")
        assert page.status_code == 400 and "invalid_scope: admin" in page.text
        elsewhere = httpx.get(
            f"{slack.install_url}?client_id={slack.client_id}&scope=chat:write&redirect_uri=https://evil.example/"
        )
        assert elsewhere.status_code == 400 and "bad_redirect_uri" in elsewhere.text


def test_socket_mode_envelopes_are_acknowledged_by_bolts_socket_mode_handler() -> None:
    with SlackEmulator() as slack:
        alice = slack.add_user("alice")
        app_token = slack.enable_socket_mode()
        app = App(client=client(slack))

        @app.event("message")
        def echo(event: dict[str, Any], say: Say) -> None:
            say(f"heard: {event['text']}")

        @app.command("/ask-elena")
        def command(ack: Ack) -> None:
            ack("on it")

        with pytest.raises(SlackApiError, match="not_allowed_token_type"):
            client(slack).apps_connections_open(app_token=slack.bot_token)
        handler = SocketModeHandler(app, app_token, web_client=client(slack))
        handler.connect()
        try:
            slack.wait_for_socket()
            delivery = slack.dm(alice, "hello")
            assert delivery.acked_in_time and delivery.status == 200
            reply = slack.wait_for_message(slack.dm_channel(alice))
            assert reply["text"] == "heard: hello"
            acked = slack.slash(alice, "/ask-elena", "x")
            assert acked.json() == {"text": "on it"}
            envelopes = slack.envelopes()
            assert [e["type"] for e in envelopes] == ["events_api", "slash_commands"]
            assert len({e["envelope_id"] for e in envelopes}) == 2
            assert slack.ephemerals(alice)[-1]["message"]["text"] == "on it"
        finally:
            handler.close()


def test_a_dropped_socket_mode_connection_is_opened_again() -> None:
    with SlackEmulator() as slack:
        alice = slack.add_user("alice")
        app = App(client=client(slack))

        @app.event("message")
        def echo(event: dict[str, Any], say: Say) -> None:
            say(f"heard: {event['text']}")

        handler = SocketModeHandler(app, slack.enable_socket_mode(), web_client=client(slack))
        handler.connect()
        try:
            slack.wait_for_socket()
            slack.disconnect_sockets()  # Slack closes connections now and then
            slack.wait_for(lambda: len(slack.calls("apps.connections.open")) == 2, timeout=30)
            slack.wait_for_socket()
            assert slack.dm(alice, "still there?").acked_in_time
            assert slack.wait_for_message(slack.dm_channel(alice))["text"] == "heard: still there?"
        finally:
            handler.close()
