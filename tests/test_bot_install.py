"""OAuth installs end to end through the emulator, on SQLite and PostgreSQL: the install round
trip, two workspaces with their own review channels, token rotation, an Enterprise Grid
org-wide install; and the single-token app over Socket Mode."""

from __future__ import annotations

import html
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bot_fixtures import ROOT, People, ingested, make_settings, populate
from helpers import free_port, wait_for
from slack_emulator import SlackEmulator
from sqlalchemy import select
from test_bot_questions import TIMEOUT, text_of, wait_answer
from test_bot_serve import TWIN

from bot.installs import Installations
from bot.server import (
    Bot,
    HttpServer,
    MissingToken,
    Tokens,
    build_bot,
    read_tokens,
    socket_mode_handler,
)
from twin.db import dispose
from twin.models import Approval

LEAVE = "How long is parental leave?"


def add_to_slack_link(page: str) -> str:
    """The href of bolt's install page's "Add to Slack" link."""
    found = re.search(r'<a href="([^"]+)"><img alt="Add to Slack"', page)
    assert found, page
    return html.unescape(found.group(1))


def browser_install(
    base: str, team: SlackEmulator, user: Any, *, org_wide: bool = False
) -> httpx.Response:
    """A browser: the app's install page, Slack's authorize page, back to the app."""
    team.install_as(user, org_wide=org_wide)
    page = httpx.get(f"{base}/slack/install")
    assert page.status_code == 200, page.text
    # bolt's state cookie is Secure: a browser sends it to http://localhost, httpx doesn't.
    state_cookie = page.headers["set-cookie"].split(";")[0]
    link = add_to_slack_link(page.text)
    assert link.startswith(team.install_url)
    consent = httpx.get(link)
    assert consent.status_code == 302, consent.text
    return httpx.get(consent.headers["location"], headers={"Cookie": state_cookie})


class OAuthApp:
    """`twin serve` in OAuth mode (SLACK_CLIENT_ID/SECRET, no bot token) on the emulator."""

    def __init__(
        self,
        slack: SlackEmulator,
        tmp_path: Path,
        database_url: str,
        app_token: str = "",
        env: dict[str, str] | None = None,
        **slack_settings: Any,
    ) -> None:
        """`app_token`: events over Socket Mode (the install pages stay on HTTP)."""
        settings = make_settings(
            tmp_path / "home",
            database_url,
            env,
            **{
                "api_base_url": slack.api_url,
                "update_interval_s": "0",
                "video_replies": "false",
                **slack_settings,
            },
        )
        secret = "" if app_token else slack.signing_secret
        tokens = Tokens("", secret, app_token, slack.client_id, slack.client_secret)
        self.settings = settings
        self.bot: Bot = build_bot(settings, tokens, corpus=ingested(settings, tmp_path / "memos"))
        self.server = HttpServer(self.bot.app, "127.0.0.1", 0).start()
        self.base = f"http://127.0.0.1:{self.server.port}"
        slack.request_url = f"{self.base}/slack/events"
        slack.oauth_redirect_urls = [f"{self.base}/slack/oauth_redirect"]

    @property
    def installations(self) -> Installations:
        assert self.bot.tenants is not None
        return self.bot.tenants.installations

    def bots(self) -> list[dict[str, Any]]:
        store = self.installations.store
        with store.engine.connect() as connection:
            rows = connection.execute(select(store.bots).order_by(store.bots.c.id))
            return [dict(row) for row in rows.mappings()]

    def install(self, team: SlackEmulator, user: Any, *, org_wide: bool = False) -> httpx.Response:
        return browser_install(self.base, team, user, org_wide=org_wide)

    def stop(self) -> None:
        self.server.stop()
        self.bot.close()
        dispose(self.settings.db_url)


@pytest.fixture
def oauth_app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    started: list[OAuthApp] = []

    def start(
        slack: SlackEmulator, app_token: str = "", env: dict[str, str] | None = None, **more: Any
    ) -> OAuthApp:
        started.append(OAuthApp(slack, tmp_path, database_url, app_token, env, **more))
        return started[-1]

    yield start
    for app in started:
        app.stop()


def pending(app: OAuthApp) -> list[Approval]:
    with app.bot.services.sessions() as session:
        return list(session.scalars(select(Approval).where(Approval.status == "pending")))


def answered_with(slack: SlackEmulator, people: People) -> tuple[dict[str, Any], str | None]:
    """Alice asks in a DM; the answer and the token it was posted with."""
    asked = slack.dm(people.alice, LEAVE)
    assert asked.acked_in_time, asked
    answer = wait_answer(slack, slack.dm_channel(people.alice), asked.event["ts"])
    tokens = {c.token for c in slack.calls() if c.method.startswith("chat.") and c.ok}
    return answer, tokens.pop() if len(tokens) == 1 else None


def test_the_install_round_trip_then_an_answer_with_the_installed_token(oauth_app) -> None:
    with SlackEmulator() as slack:
        people = populate(slack)
        app = oauth_app(slack)
        done = app.install(slack, people.adam)
        assert done.status_code == 200, done.text
        [installed] = slack.installations()
        assert installed.team_id == slack.team_id and installed.user == people.adam.id
        assert installed.scopes == {*slack.calls("oauth.v2.access")[0].response["scope"].split(",")}
        [row] = app.bots()
        assert row["team_id"] == slack.team_id and row["bot_token"] == installed.bot_tokens[0]
        assert row["bot_user_id"] == slack.bot_user_id and not row["is_enterprise_install"]
        answer, token = answered_with(slack, people)
        assert "20 weeks" in text_of(answer) and token == installed.bot_tokens[0]


def test_a_redirect_without_the_browsers_state_cookie_installs_nothing(oauth_app) -> None:
    with SlackEmulator() as slack:
        people = populate(slack)
        app = oauth_app(slack)
        slack.install_as(people.adam)
        link = add_to_slack_link(httpx.get(f"{app.base}/slack/install").text)
        back = httpx.get(httpx.get(link).headers["location"])  # no state cookie: a forged link
        assert back.status_code == 400 and slack.installations() == []
        assert app.bots() == []


def test_a_rotating_token_is_refreshed_and_the_expired_one_never_used(oauth_app) -> None:
    with SlackEmulator() as slack:
        people = populate(slack)
        slack.rotate_tokens(ttl_s=3600)  # within rotate_before_min (120): refreshed on use
        app = oauth_app(slack, review_channel=people.review.id)
        app.install(slack, people.adam)
        [installed] = slack.installations()
        first = installed.bot_tokens[0]
        assert first.startswith("xoxe.xoxb-") and app.bots()[0]["bot_refresh_token"]
        slack.expire_token(first)
        answer, token = answered_with(slack, people)
        assert "20 weeks" in text_of(answer)
        refreshes = [
            c for c in slack.calls("oauth.v2.access") if c.args.get("grant_type") == "refresh_token"
        ]
        assert refreshes and all(c.ok for c in refreshes)
        latest = slack.installations()[0].bot_tokens
        assert token in latest[1:] and token != first
        assert app.bots()[0]["bot_token"] in latest[1:]
        assert not [c for c in slack.calls() if c.response.get("error") == "token_expired"]


def test_an_org_wide_install_answers_in_every_workspace_of_the_organisation(oauth_app) -> None:
    with SlackEmulator() as slack:
        east = slack.add_team("Acme East", enterprise_id="E0001ACME", enterprise_name="Acme")
        west = slack.add_team("Acme West", enterprise_id="E0001ACME", enterprise_name="Acme")
        east_people, west_people = populate(east), populate(west)
        app = oauth_app(slack)
        assert app.install(east, east_people.adam, org_wide=True).status_code == 200
        [installed] = slack.installations()
        assert installed.org_wide and installed.enterprise_id == "E0001ACME"
        [row] = app.bots()
        assert row["enterprise_id"] == "E0001ACME" and row["team_id"] is None
        assert row["is_enterprise_install"]
        for team, people in ((east, east_people), (west, west_people)):
            answer, token = answered_with(team, people)
            assert "20 weeks" in text_of(answer) and token == installed.bot_tokens[0]
        assert slack.calls("chat.postMessage") == []  # the first team never installed it


def test_oauth_installs_with_events_over_socket_mode(oauth_app) -> None:
    with SlackEmulator() as slack:
        people = populate(slack)
        app = oauth_app(slack, app_token=slack.enable_socket_mode())
        assert app.install(slack, people.adam).status_code == 200
        handler = socket_mode_handler(app.bot)
        handler.connect()
        try:
            slack.wait_for_socket()
            answer, token = answered_with(slack, people)
            assert "20 weeks" in text_of(answer)
            assert token == slack.installations()[0].bot_tokens[0]
            assert [e["type"] for e in slack.envelopes()] == ["events_api"]
            assert slack.deliveries()[-1].headers.get("X-Socket-Mode") == "1"
        finally:
            handler.close()


def test_socket_mode_end_to_end(tmp_path: Path) -> None:
    with SlackEmulator() as slack:
        people = populate(slack)
        app_token = slack.enable_socket_mode()
        settings = make_settings(
            tmp_path / "home",
            api_base_url=slack.api_url,
            update_interval_s="0",
            video_replies="false",
            review_channel=people.review.id,
        )
        bot = build_bot(
            settings,
            Tokens(slack.bot_token, "", app_token),
            corpus=ingested(settings, tmp_path / "m"),
        )
        handler = socket_mode_handler(bot)
        handler.connect()
        try:
            slack.wait_for_socket()
            [opened] = slack.calls("apps.connections.open")
            assert opened.token == app_token and opened.response["url"].startswith("ws://")
            answer, _ = answered_with(slack, people)
            assert "20 weeks" in text_of(answer)
            command = slack.slash(people.alice, "/ask-elena", LEAVE)
            assert command.acked_in_time and command.headers.get("X-Socket-Mode") == "1"
            kinds = [e["type"] for e in slack.envelopes()]
            assert kinds[:1] == ["events_api"] and "slash_commands" in kinds
            assert all(d.headers.get("X-Socket-Mode") == "1" for d in slack.deliveries())
            assert slack.wait_for(
                lambda: any("20 weeks" in text_of(r.payload) for r in slack.responses()), TIMEOUT
            )
        finally:
            handler.close()
            bot.close()


def test_oauth_mode_is_chosen_by_client_credentials_without_a_bot_token() -> None:
    oauth = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c", "SLACK_SIGNING_SECRET": "s"}
    tokens = read_tokens(oauth)
    assert tokens.oauth and (tokens.client_id, tokens.client_secret) == ("1.2", "c")
    single = read_tokens({**oauth, "SLACK_BOT_TOKEN": "xoxb-1"})
    assert not single.oauth and single.client_id == ""
    with pytest.raises(MissingToken, match="SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"):
        read_tokens({"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "s"})


def test_twin_serve_installs_by_oauth_and_answers(tmp_path: Path) -> None:
    port, console_port = free_port(), free_port()
    with SlackEmulator() as slack:
        people = populate(slack)
        home = tmp_path / "home"
        ingested(make_settings(home), tmp_path / "memos")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
        env |= {
            "TWIN_HOME": str(home),
            "TWIN_CONFIG": str(ROOT / "config.yaml"),
            "TWIN__SLACK__API_BASE_URL": slack.api_url,
            "TWIN__CONSOLE__PORT": str(console_port),
            "SLACK_CLIENT_ID": slack.client_id,
            "SLACK_CLIENT_SECRET": slack.client_secret,
            "SLACK_SIGNING_SECRET": slack.signing_secret,
        }
        base = f"http://127.0.0.1:{port}"
        slack.request_url = f"{base}/slack/events"
        slack.oauth_redirect_urls = [f"{base}/slack/oauth_redirect"]
        command = [str(TWIN), "serve", "--host", "127.0.0.1", "--port", str(port)]
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            wait_for(f"{base}/slack/install", timeout=120)
            assert browser_install(base, slack, people.adam).status_code == 200
            answer, token = answered_with(slack, people)
            assert "20 weeks" in text_of(answer)
            assert token == slack.installations()[0].bot_tokens[0]
        finally:
            process.send_signal(signal.SIGTERM)
            output = process.communicate(timeout=30)[0].decode()
        assert process.returncode == 0, output
        assert "OAuth installs at port" in output
