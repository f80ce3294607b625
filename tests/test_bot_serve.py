"""`twin serve`: tokens from the environment, and the real process answering over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from bot_fixtures import ingested, make_settings
from click.testing import CliRunner
from helpers import free_port, wait_for
from slack_emulator import SlackEmulator
from test_bot_questions import text_of, wait_answer

from bot.server import MissingToken, read_tokens
from cli.main import main

TWIN = Path(sys.executable).parent / "twin"


@pytest.mark.parametrize(
    ("environ", "missing"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "SLACK_APP_TOKEN"),
    ],
)
def test_a_missing_token_is_named(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], missing: str
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(MissingToken, match=missing):
        read_tokens(environ)
    result = CliRunner().invoke(main, ["serve"], env={**environ, "TWIN_CONFIG": None})
    assert result.exit_code == 1 and missing in result.output


def test_socket_mode_is_chosen_by_the_app_token() -> None:
    tokens = read_tokens({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert tokens.socket_mode and tokens.signing_secret == ""
    http = read_tokens({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"})
    assert not http.socket_mode


def test_twin_serve_answers_slack_over_http(tmp_path: Path) -> None:
    port = free_port()
    with SlackEmulator() as slack:
        alice = slack.add_user("alice", real_name="Alice Chen")
        home = tmp_path / "home"
        ingested(make_settings(home), tmp_path / "memos")
        env = {
            **os.environ,
            "TWIN_HOME": str(home),
            "TWIN_CONFIG": str(Path(__file__).resolve().parents[1] / "config.yaml"),
            "TWIN__SLACK__API_BASE_URL": slack.api_url,
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_SIGNING_SECRET": slack.signing_secret,
            "TWIN__CONSOLE__PORT": str(console_port := free_port()),
        }
        env.pop("SLACK_APP_TOKEN", None)
        process = subprocess.Popen(
            [str(TWIN), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            slack.request_url = f"http://127.0.0.1:{port}/slack/events"
            deadline = time.monotonic() + 120  # loading the model on a busy machine
            while slack.verify_url("ping").status != 200:
                assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "twin serve did not start"
                time.sleep(0.2)
            asked = slack.dm(alice, "How long is parental leave?")
            assert asked.acked_in_time
            answer = wait_answer(slack, slack.dm_channel(alice), asked.event["ts"])
            assert "20 weeks" in text_of(answer)
            # The web console is served beside the Slack app.
            signin = httpx.get(f"http://127.0.0.1:{console_port}/signin")
            assert signin.status_code == 200 and "Sign in" in signin.text
        finally:
            process.send_signal(signal.SIGTERM)
            output = process.communicate(timeout=30)[0].decode()
        assert process.returncode == 0, output
        assert "HTTP on port" in output
        assert f"the console is at http://localhost:{console_port}" in output


def test_twin_serve_console_only_with_the_development_sign_in(tmp_path: Path) -> None:
    """What `make console` runs: no Slack tokens, the development sign-in, the address told."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "TWIN_HOME": str(tmp_path / "home"),
        "TWIN_CONFIG": str(Path(__file__).resolve().parents[1] / "config.yaml"),
        "TWIN__CONSOLE__PORT": str(port),
        "TWIN__CONSOLE__DEV_LOGIN": "true",
    }
    process = subprocess.Popen(
        [str(TWIN), "serve", "--console-only"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://localhost:{port}"
        wait_for(f"{base}/signin", timeout=120)
        with httpx.Client(base_url=base) as browser:
            assert "Development sign-in" in browser.get("/signin").text
            signed = browser.post("/auth/dev", data={"name": "newcomer"})
            assert signed.status_code == 303 and "twin_console" in signed.headers["set-cookie"]
            assert "HttpOnly" in signed.headers["set-cookie"]
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    assert process.returncode == 0, output
    assert f"the console is at {base}" in output
