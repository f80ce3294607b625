"""Shared fixtures: a clean environment and home per test, real databases, real Chroma."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from helpers import free_port, wait_for

from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from twin.db import dispose
from twin.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "corpus"
PG_URL = os.environ.get("TWIN_TEST_DATABASE_URL", "")

DATABASES = ["sqlite", *(["postgresql"] if PG_URL else [])]


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No TWIN_* settings leak in; the working directory holds no config.yaml."""
    for key in list(os.environ):
        if key.startswith("TWIN") and key != "TWIN_TEST_DATABASE_URL":
            monkeypatch.delenv(key)
    monkeypatch.setenv("TWIN_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLite always; PostgreSQL too when TWIN_TEST_DATABASE_URL is set (a schema per test)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'twin.db'}"
        yield url
        dispose(url)
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    yield url
    dispose(url)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings from env-style overrides, e.g. make_settings(RETRIEVAL__TOP_K="8")."""

    def make(database_url: str = "", **overrides: str) -> Settings:
        environ = {"TWIN_HOME": str(tmp_path / "home")}
        if database_url:
            environ["TWIN__DATABASE_URL"] = database_url
        environ.update({f"TWIN__{key}": value for key, value in overrides.items()})
        return load_settings(environ=environ)

    return make


@pytest.fixture
def corpus(make_settings: Callable[..., Settings], database_url: str) -> Corpus:
    """An empty corpus on each database, with embedded Chroma under the test's home."""
    return Corpus(make_settings(database_url))


@pytest.fixture(scope="session")
def sample_corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """The sample corpus, ingested once for the session (SQLite, embedded Chroma)."""
    home = tmp_path_factory.mktemp("sample-home")
    corpus = Corpus(load_settings(environ={"TWIN_HOME": str(home)}))
    report = Ingestor(corpus, "tests").run([SAMPLES])
    assert report.ok, [r for r in report.results if r.error]
    return corpus


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `chroma run` server on a free loopback port."""
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    chroma = Path(sys.executable).parent / "chroma"
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/api/v2/heartbeat")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def hanging_server() -> Iterator[str]:
    """A TCP server that accepts connections and never answers (a stuck LLM)."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()
