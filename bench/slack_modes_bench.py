"""What an OAuth install and Socket Mode cost per question: acknowledgement and answer times
through the Slack emulator, for a single token and an OAuth install, over HTTP and Socket Mode.

    python -m bench.slack_modes_bench [--questions 20] [--database-url postgresql+psycopg://...]

Questions are asked one after another in a DM (the same one each time, so the pipeline's work
is the same); "ack" is Slack's wait for the acknowledgement, "answer" the time from the message
to the answer's last part in the DM.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import ROOT, machine, table

sys.path.insert(0, str(ROOT / "tests"))

from bot_fixtures import ingested, make_settings, populate
from slack_emulator import SlackEmulator
from test_bot_install import add_to_slack_link
from test_bot_questions import is_answer

from bot.server import Bot, HttpServer, Tokens, build_bot, socket_mode_handler
from twin.db import dispose

QUESTION = "How long is parental leave?"
MODES = [
    ("single token", "HTTP"),
    ("OAuth", "HTTP"),
    ("single token", "Socket Mode"),
    ("OAuth", "Socket Mode"),
]


@contextmanager
def running(
    slack: SlackEmulator, home: Path, db_url: str, oauth: bool, socket: bool
) -> Iterator[Bot]:
    settings = make_settings(
        home,
        db_url,
        api_base_url=slack.api_url,
        update_interval_s="0",
        video_replies="false",
        rate_limit="100000",
    )
    app_token = slack.enable_socket_mode() if socket else ""
    secret = "" if socket else slack.signing_secret
    tokens = Tokens(
        "" if oauth else slack.bot_token,
        secret,
        app_token,
        slack.client_id if oauth else "",
        slack.client_secret if oauth else "",
    )
    bot = build_bot(settings, tokens, corpus=ingested(settings, home / "memos"))
    server = HttpServer(bot.app, "127.0.0.1", 0).start()
    base = f"http://127.0.0.1:{server.port}"
    slack.request_url, slack.oauth_redirect_urls = (
        f"{base}/slack/events",
        [f"{base}/slack/oauth_redirect"],
    )
    handler = socket_mode_handler(bot) if socket else None
    try:
        if oauth:
            install(slack, base)
        if handler is not None:
            handler.connect()
            slack.wait_for_socket()
        yield bot
    finally:
        if handler is not None:
            handler.close()
        server.stop()
        bot.close()
        dispose(settings.db_url)


def install(slack: SlackEmulator, base: str) -> None:
    import httpx

    slack.install_as(slack.add_user("installer"))
    page = httpx.get(f"{base}/slack/install")
    cookie = page.headers["set-cookie"].split(";")[0]
    consent = httpx.get(add_to_slack_link(page.text))
    httpx.get(consent.headers["location"], headers={"Cookie": cookie}).raise_for_status()


def ask(slack: SlackEmulator, user: Any) -> tuple[float, float]:
    started = time.monotonic()
    delivery = slack.dm(user, QUESTION)
    ts = delivery.event["ts"]
    slack.wait_for_message(slack.dm_channel(user), is_answer, thread_ts=ts, timeout=60)
    return delivery.elapsed * 1000, (time.monotonic() - started) * 1000


@contextmanager
def database(url: str, tmp: str) -> Iterator[str]:
    """SQLite in `tmp`, or a fresh schema of the PostgreSQL database `url` (event ids restart
    with every emulator, so each mode needs an empty database)."""
    if not url:
        yield f"sqlite:///{tmp}/twin.db"
        return
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{url}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def measure(questions: int, url: str, oauth: bool, socket: bool) -> list[Any]:
    with tempfile.TemporaryDirectory() as tmp, SlackEmulator() as slack, database(url, tmp) as db:
        people = populate(slack)
        with running(slack, Path(tmp), db, oauth, socket):
            ask(slack, people.alice)  # warm-up: the first question loads what it needs
            times = [ask(slack, people.alice) for _ in range(questions)]
    acks, answers = sorted(t[0] for t in times), sorted(t[1] for t in times)

    def p95(values: list[float]) -> float:
        return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]

    return [
        f"{statistics.median(acks):.1f}",
        f"{p95(acks):.1f}",
        f"{statistics.median(answers):.0f}",
        f"{p95(answers):.0f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp folder")
    args = parser.parse_args()

    rows = []
    for install_kind, transport in MODES:
        oauth, socket = install_kind == "OAuth", transport == "Socket Mode"
        times = measure(args.questions, args.database_url, oauth, socket)
        rows.append([install_kind, transport, *times])
    print(f"{machine()}; {args.questions} questions per mode; {args.database_url or 'SQLite'}")
    header = ["install", "events", "ack p50 ms", "ack p95 ms", "answer p50 ms", "answer p95 ms"]
    print(table(header, rows))


if __name__ == "__main__":
    main()
