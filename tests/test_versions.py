"""A document's version history: each version's text and who ingested it, kept in the database
only, pruned to retrieval.keep_versions earlier versions, and erased with the document."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import memo, write

from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from retrieval.versions import history
from twin.db import dispose
from twin.settings import Settings


def _files_holding(home: Path, text: str) -> list[str]:
    needle = text.encode()
    return [p.name for p in home.rglob("*") if p.is_file() and needle in p.read_bytes()]


def _memo(word: str) -> str:
    body = f"The office plant is a {word}. Water it on Mondays, and never on a holiday."
    return memo("Office plant", "2026-10-01", body, "exec")


@pytest.fixture
def make_corpus(
    make_settings: Callable[..., Settings], database_url: str
) -> Iterator[Callable[..., Corpus]]:
    """Corpora with their database under TWIN_HOME (SQLite) or on PostgreSQL."""
    made: list[Corpus] = []

    def make(**overrides: str) -> Corpus:
        url = "" if database_url.startswith("sqlite") else database_url
        made.append(Corpus(make_settings(url, **overrides)))
        return made[-1]

    yield make
    for corpus in made:
        dispose(corpus.settings.db_url)


def _versions(corpus: Corpus, path: Path, words: list[str], by: str = "alice") -> int:
    for word in words:
        write(path, _memo(word))
        report = Ingestor(corpus, by).run([path])
        assert report.ok and report.results[0].doc_id
    return report.results[0].doc_id or 0


def test_every_version_keeps_its_text_and_who_ingested_it(make_corpus, tmp_path) -> None:
    corpus = make_corpus()
    old, new = f"Fern{uuid.uuid4().hex[:10]}", f"Cactus{uuid.uuid4().hex[:10]}"
    path = tmp_path / "docs" / "plant.md"
    doc_id = _versions(corpus, path, [old])
    doc_id = _versions(corpus, path, [new], by="bob")
    kept = history(corpus.sessions, doc_id)
    assert [(v.version, v.ingested_by, v.audience) for v in kept] == [
        (2, "bob", "exec"),
        (1, "alice", "exec"),
    ]
    assert new in kept[0].text and old in kept[1].text and old not in kept[0].text
    assert kept[0].chunk_count == corpus.document(doc_id).chunk_count  # type: ignore[union-attr]
    if corpus.settings.db_url.startswith("sqlite"):  # the history is in the database only
        assert _files_holding(corpus.settings.home, old) == ["twin.db"]


def test_only_keep_versions_earlier_versions_are_kept(make_corpus, tmp_path) -> None:
    corpus = make_corpus(RETRIEVAL__KEEP_VERSIONS="1")
    words = [f"Plant{n}x{uuid.uuid4().hex[:8]}" for n in range(3)]
    doc_id = _versions(corpus, tmp_path / "docs" / "plant.md", words)
    assert [v.version for v in history(corpus.sessions, doc_id)] == [3, 2]
    if corpus.settings.db_url.startswith("sqlite"):
        assert _files_holding(corpus.settings.home, words[0]) == []


def test_removing_a_document_erases_every_version(make_corpus, tmp_path) -> None:
    corpus = make_corpus()
    words = [f"Canary{n}x{uuid.uuid4().hex[:10]}" for n in range(3)]
    doc_id = _versions(corpus, tmp_path / "docs" / "plant.md", words)
    assert len(history(corpus.sessions, doc_id)) == 3
    corpus.remove(doc_id)
    assert history(corpus.sessions, doc_id) == []
    for word in words:
        assert _files_holding(corpus.settings.home, word) == [], word
