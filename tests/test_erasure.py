"""Removed means gone: no byte of a removed or replaced document's text stays under TWIN_HOME.

Chroma's write-ahead log, SQLite's free pages and -wal file, and the audit record included.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import memo, write

from cli import main
from persona.answer import Answerer
from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from twin.db import dispose
from twin.models import AnswerRecord
from twin.settings import Settings


def _files_holding(home: Path, text: str) -> list[str]:
    needle = text.encode()
    return [str(p) for p in home.rglob("*") if p.is_file() and needle in p.read_bytes()]


def _memo_with(canary: str) -> str:
    body = (
        f"The badge vendor for the new office is {canary}, chosen after a long review. "
        f"Every badge reader will be replaced by the {canary} model before the move."
    )
    return memo("Badge vendor", "2026-10-01", body, "exec")


@pytest.fixture
def corpus(make_settings: Callable[..., Settings], database_url: str) -> Iterator[Corpus]:
    """SQLite in its default place, under TWIN_HOME (or PostgreSQL, and Chroma under it)."""
    url = "" if database_url.startswith("sqlite") else database_url
    corpus = Corpus(make_settings(url))
    yield corpus
    dispose(corpus.settings.db_url)


@pytest.fixture
def twin(corpus: Corpus, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    if corpus.settings.database_url:
        monkeypatch.setenv("TWIN__DATABASE_URL", corpus.settings.database_url)

    def run(*args: str) -> None:
        result = CliRunner().invoke(main, list(args))
        assert result.exit_code == 0, result.output

    return run


def test_a_removed_document_leaves_no_text_under_twin_home(
    corpus: Corpus, tmp_path: Path, twin
) -> None:  # type: ignore[no-untyped-def]
    canary = f"Canary{uuid.uuid4().hex[:12]}"
    write(tmp_path / "docs" / "2026-10-01-badges.md", _memo_with(canary))
    write(tmp_path / "docs" / "2026-10-02-lunch.md", memo("Lunch", "2026-10-02", "Lunch is free."))
    twin("ingest", "docs")
    answer = Answerer(corpus.settings, corpus).answer("Who is the badge vendor?", "U1", ["exec"])
    assert canary in answer.answer  # the audit holds a quote of it now
    home = corpus.settings.home
    assert _files_holding(home, canary)
    doc_id = next(d.id for d in corpus.documents() if d.title == "Badge vendor")

    twin("docs", "remove", str(doc_id))

    assert _files_holding(home, canary) == []
    record = Answerer(corpus.settings, corpus).audit.get(answer.answer_id or 0)
    assert isinstance(record, AnswerRecord)
    assert canary not in record.answer and str(doc_id) in record.answer
    quoted = [c for c in record.citations if c["doc_id"] == doc_id]
    assert quoted and all(set(c) == {"n", "doc_id"} for c in quoted)
    assert record.question == "Who is the badge vendor?"
    assert [d.title for d in corpus.documents()] == ["Lunch"]


def test_a_replaced_version_leaves_no_text_under_twin_home(
    make_settings: Callable[..., Settings], database_url: str, tmp_path: Path
) -> None:
    """With retrieval.keep_versions 0; by default earlier versions stay in the database's
    history until the document is removed (test_versions.py)."""
    url = "" if database_url.startswith("sqlite") else database_url
    corpus = Corpus(make_settings(url, RETRIEVAL__KEEP_VERSIONS="0"))
    old, new = f"Canary{uuid.uuid4().hex[:12]}", f"Fresh{uuid.uuid4().hex[:12]}"
    path = write(tmp_path / "docs" / "2026-10-01-badges.md", _memo_with(old))
    assert Ingestor(corpus, "test").run([path]).counts["added"] == 1
    write(path, _memo_with(new))
    assert Ingestor(corpus, "test").run([path]).counts["updated"] == 1

    home = corpus.settings.home
    assert _files_holding(home, old) == []
    assert _files_holding(home, new)
    dispose(corpus.settings.db_url)
