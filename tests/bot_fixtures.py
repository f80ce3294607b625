"""The bot under test: a tiny corpus, an emulated workspace, and `twin serve`'s app over HTTP.

Each test gets a fresh database (the emulator's event ids and timestamps restart with every
emulator) and a freshly ingested five-memo corpus; the embedding model is loaded once per
session and shared.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import memo, write
from slack_emulator import Channel, SlackEmulator, User, UserGroup

from bot.server import Bot, HttpServer, Tokens, build_bot
from retrieval.corpus import Corpus
from retrieval.embeddings import Embedder
from retrieval.ingest import Ingestor
from twin.db import dispose
from twin.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
CANARY = "BLUE-PELICAN-42"
MEMOS = {
    "remote.md": memo(
        "Remote work",
        "2025-03-10",
        "We are a remote-first company. Everyone may work from home up to four days a week. "
        "The hubs stay open for anyone who wants a desk. I'd rather we trust people than "
        "count badge swipes.",
    ),
    "leave.md": memo(
        "Parental leave",
        "2025-07-14",
        "Parental leave goes to 20 weeks, fully paid, for every parent. It starts on the "
        "first of September. Nobody needs to ask permission to take it.",
    ),
    "headcount.md": memo(
        "Headcount",
        "2025-06-01",
        "There will be no layoffs this year. We are growing the team carefully and hiring "
        "only for the roles we need most.",
    ),
    "heron.md": memo(
        "Project Heron",
        "2025-09-01",
        f"Project Heron, code word {CANARY}, is our expansion into Japan. We will open the "
        "Tokyo office in the spring.",
        audience="exec",
    ),
}

_shared: dict[str, Embedder] = {}


def make_settings(
    home: Path, database_url: str = "", env: dict[str, str] | None = None, **slack: Any
) -> Settings:
    """The repository's config.yaml (persona card, policy) with `slack` overrides and other
    TWIN__* overrides in `env` (e.g. {"RENDER__BACKEND": "fake"})."""
    environ = {"TWIN_HOME": str(home), **{f"TWIN__{k}": v for k, v in (env or {}).items()}}
    if database_url:
        environ["TWIN__DATABASE_URL"] = database_url
    for key, value in slack.items():
        text = value if isinstance(value, str) else json.dumps(value)
        environ[f"TWIN__SLACK__{key.upper()}"] = text
    return load_settings(ROOT / "config.yaml", environ=environ)


def ingested(settings: Settings, folder: Path) -> Corpus:
    """The tiny corpus, written under `folder` and ingested (the embedder is shared)."""
    corpus = Corpus(settings)
    if "model" in _shared:
        corpus.embedder = _shared["model"]  # type: ignore[misc]
    else:
        _shared["model"] = corpus.embedder
    for name, text in MEMOS.items():
        write(folder / name, text)
    report = Ingestor(corpus, "tests").run([folder])
    assert report.ok, [r.error for r in report.results if r.error]
    return corpus


@dataclass
class People:
    alice: User  # an employee
    erin: User  # a member of @exec
    carol: User  # a comms approver (via @comms)
    dave: User  # another comms approver
    adam: User  # a twin admin
    mallory: User  # nobody in particular
    exec: UserGroup
    comms: UserGroup
    review: Channel
    admin: Channel


def populate(slack: SlackEmulator) -> People:
    alice = slack.add_user("alice", real_name="Alice Chen")
    erin = slack.add_user("erin", real_name="Erin Exec")
    carol = slack.add_user("carol", real_name="Carol Comms")
    dave = slack.add_user("dave", real_name="Dave Comms")
    adam = slack.add_user("adam", real_name="Adam Admin")
    mallory = slack.add_user("mallory", real_name="Mallory")
    exec_group = slack.add_usergroup("exec", [erin])
    comms = slack.add_usergroup("comms", [carol, dave])
    review = slack.add_channel("comms-review", members=[carol, dave, mallory])
    admin = slack.add_channel("twin-admins", members=[adam, mallory])
    return People(alice, erin, carol, dave, adam, mallory, exec_group, comms, review, admin)


class BotHarness:
    """`twin serve`'s app (build_bot + HttpServer) for the emulated workspace."""

    def __init__(self, slack: SlackEmulator, settings: Settings, corpus: Corpus) -> None:
        self.slack = slack
        self.settings = settings
        self.corpus = corpus
        self.bot: Bot | None = None
        self.server: HttpServer | None = None

    def start(self) -> BotHarness:
        tokens = Tokens(self.slack.bot_token, self.slack.signing_secret, "")
        self.bot = build_bot(self.settings, tokens, corpus=self.corpus)
        self.server = HttpServer(self.bot.app, "127.0.0.1", 0).start()
        self.slack.request_url = f"http://127.0.0.1:{self.server.port}/slack/events"
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        if self.bot is not None:
            self.bot.close()
        self.server = self.bot = None

    def restart(self) -> BotHarness:
        """A new process, as far as the bot knows: new services and app on the same database."""
        self.stop()
        return self.start()

    @property
    def services(self) -> Any:
        assert self.bot is not None
        return self.bot.services


@pytest.fixture
def workspace() -> Iterator[tuple[SlackEmulator, People]]:
    with SlackEmulator() as slack:
        yield slack, populate(slack)


def start_bot(
    slack: SlackEmulator,
    people: People,
    tmp_path: Path,
    database_url: str = "",
    env: dict[str, str] | None = None,
    **slack_settings: Any,
) -> BotHarness:
    defaults: dict[str, Any] = {
        "api_base_url": slack.api_url,
        "review_channel": people.review.id,
        "approvers": [people.comms.id],
        "admins": [people.adam.id],
        "admin_channel": people.admin.id,
        "update_interval_s": "0",
        "video_replies": "false",
    }
    settings = make_settings(tmp_path / "home", database_url, env, **{**defaults, **slack_settings})
    corpus = ingested(settings, tmp_path / "memos")
    return BotHarness(slack, settings, corpus).start()


@pytest.fixture
def bot_factory(
    workspace: tuple[SlackEmulator, People], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Any]:
    """start(database_url="", env=None, **slack_settings) -> a running BotHarness."""
    if "database_url" in request.fixturenames:
        # Set up first so it is torn down last: its schema and engine outlive the bots, and no
        # bot thread returns a connection to a pool already disposed (psycopg ResourceWarning).
        request.getfixturevalue("database_url")
    started: list[BotHarness] = []
    slack, people = workspace

    def start(
        database_url: str = "", env: dict[str, str] | None = None, **slack_settings: Any
    ) -> BotHarness:
        harness = start_bot(slack, people, tmp_path, database_url, env, **slack_settings)
        started.append(harness)
        return harness

    yield start
    for harness in started:
        harness.stop()
        dispose(harness.settings.db_url)
