"""The web console under test: `twin serve`'s console beside the bot, on the emulated Slack.

`console_client(harness, user)` signs `user` in through the emulator's OpenID Connect pages and
returns a TestClient holding their session; `csrf(page)` reads a form's CSRF token.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from slack_emulator import SlackEmulator, User

from cli.serve import console_app

BASE = "https://testserver"


def console_env(slack: SlackEmulator) -> dict[str, str]:
    return {
        "SLACK_CLIENT_ID": slack.client_id,
        "SLACK_CLIENT_SECRET": slack.client_secret,
        "CONSOLE_SESSION_SECRET": "test-session-secret",
    }


def make_console(harness: Any, base_url: str = BASE) -> FastAPI:
    settings = harness.settings.model_copy(
        update={"console": harness.settings.console.model_copy(update={"public_url": base_url})}
    )
    return console_app(settings, harness.corpus, harness.bot, console_env(harness.slack))


def sign_in(client: TestClient, slack: SlackEmulator, user: User | str) -> httpx.Response:
    """Through Slack's authorize page (the emulated browser is signed in to Slack as `user`)."""
    slack.sign_in_browser_as(user)
    to_slack = client.get("/auth/slack", follow_redirects=False)
    assert to_slack.status_code == 303, to_slack.text
    back = httpx.get(to_slack.headers["location"], follow_redirects=False)
    assert back.status_code == 302, back.text
    return client.get(back.headers["location"].removeprefix(BASE), follow_redirects=False)


def console_client(harness: Any, user: User | str) -> TestClient:
    client = TestClient(make_console(harness), base_url=BASE)
    done = sign_in(client, harness.slack, user)
    assert done.status_code == 303, done.text
    return client


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)
