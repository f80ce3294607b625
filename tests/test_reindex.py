"""`twin reindex`: every Chroma partition rebuilt from the registry, on the real embedding model
and real Chroma; resumable after a kill; restricted text stays in its audience's partition."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from chromadb.api.shared_system_client import SharedSystemClient
from click.testing import CliRunner
from helpers import memo, write

from cli import main
from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from retrieval.reindex import Progress, reindex
from retrieval.search import search
from twin.db import dispose
from twin.settings import Settings

TWIN = Path(sys.executable).parent / "twin"

TOPICS = {
    "office": ("all", "The office moves to the harbour building in March. Desks are assigned."),
    "hiring": ("all", "We hire twelve engineers in Q2. Interviews start next week."),
    "pricing": ("all", "Per-seat pricing stays. We will not charge per job this year."),
    "lunch": ("all", "Lunch on Fridays is free for everyone in the office."),
    "board": ("exec", "The board discussed the Halcyon acquisition approach in private."),
    "layoffs": ("exec", "We plan no layoffs; the runway covers thirty months."),
    "salaries": ("finance", "Salary bands rise four percent in the April review."),
}
QUERIES = [
    ("When does the office move?", []),
    ("Are we hiring engineers?", []),
    ("What did the board discuss about an acquisition?", ["exec"]),
    ("Will there be layoffs?", ["exec"]),
    ("How much do salary bands rise?", ["finance"]),
    ("How much do salary bands rise?", []),
]


def _write_corpus(folder: Path) -> None:
    for n, (name, (audience, text)) in enumerate(TOPICS.items(), 1):
        body = f"{text}\n\n" + f"More about {name}: {text} " * 6
        write(
            folder / f"2026-0{n}-01-{name}.md", memo(name.title(), f"2026-0{n}-01", body, audience)
        )


def _results(corpus: Corpus) -> list[list[tuple[str, float]]]:
    return [
        [(hit.chunk_id, round(hit.score, 4)) for hit in search(corpus, query, groups)]
        for query, groups in QUERIES
    ]


def _reopen(settings: Settings) -> Corpus:
    """A new process's view: chromadb's cached client for the path forgotten first."""
    SharedSystemClient.clear_system_cache()
    return Corpus(settings)


@pytest.fixture
def ingested(
    make_settings: Callable[..., Settings], database_url: str, tmp_path: Path
) -> Iterator[Corpus]:
    corpus = Corpus(make_settings(database_url))
    _write_corpus(tmp_path / "docs")
    assert Ingestor(corpus, "tests").run([tmp_path / "docs"]).ok
    yield corpus
    dispose(corpus.settings.db_url)


def _partition_texts(corpus: Corpus) -> dict[str, set[str]]:
    return {
        audience: {text for text, _ in _all_chunks(corpus, audience)}
        for audience in corpus.audiences()
    }


def _all_chunks(corpus: Corpus, audience: str) -> list[tuple[str, dict[str, object]]]:
    got = corpus.store.collection(audience).get(include=["documents", "metadatas"])
    metas: list[dict[str, object]] = [dict(meta) for meta in got["metadatas"] or []]
    return list(zip(got["documents"] or [], metas, strict=True))


def test_a_lost_chroma_index_is_rebuilt_and_search_finds_the_same(ingested: Corpus) -> None:
    before = _results(ingested)
    assert all(before[:5]) and not any("Salary" in str(r) for r in before[5])
    shutil.rmtree(ingested.settings.home / "chroma")
    corpus = _reopen(ingested.settings)
    assert _results(corpus) == [[] for _ in QUERIES]  # the index is gone

    steps: list[Progress] = []
    summary = reindex(corpus, on_progress=steps.append)

    assert summary.ok and sorted(summary.partitions) == ["all", "exec", "finance"]
    assert summary.documents == len(TOPICS) and summary.resumed == 0
    assert [s.done for s in steps if s.doc_id] == list(range(1, len(TOPICS) + 1))
    assert _results(corpus) == before
    assert not (corpus.settings.home / "reindex.json").exists()


def test_restricted_text_stays_in_its_audiences_partition(ingested: Corpus) -> None:
    ingested.store.drop("exec")  # one partition lost
    corpus = _reopen(ingested.settings)
    reindex(corpus)
    for audience, texts in _partition_texts(corpus).items():
        for name, (owner, text) in TOPICS.items():
            holds = any(text in chunk for chunk in texts)
            assert holds == (owner == audience), (name, audience)
    for _, meta in _all_chunks(corpus, "exec"):
        assert meta["audience"] == "exec"
    assert "Halcyon" not in str(search(corpus, "Halcyon acquisition", []))
    assert "Halcyon" in str(search(corpus, "Halcyon acquisition", ["exec"]))


def test_after_a_model_change_the_text_comes_from_the_old_index(
    ingested: Corpus, tmp_path: Path
) -> None:
    """The source files are gone; the live partitions hold every chunk, so nothing is lost."""
    before = _results(ingested)
    shutil.rmtree(tmp_path / "docs")
    summary = reindex(ingested)
    assert summary.ok and summary.documents == len(TOPICS)
    assert _results(ingested) == before


def test_a_document_with_no_text_anywhere_is_reported(ingested: Corpus, tmp_path: Path) -> None:
    shutil.rmtree(tmp_path / "docs")
    shutil.rmtree(ingested.settings.home / "chroma")
    corpus = _reopen(ingested.settings)
    summary = reindex(corpus)
    assert not summary.ok and len(summary.failed) == len(TOPICS)
    reason = next(iter(summary.failed.values()))
    assert "is gone: ingest it again or remove it (twin docs remove" in reason


def test_the_command_names_what_it_could_not_rebuild(
    ingested: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "docs" / "2026-05-01-board.md").unlink()
    ingested.store.drop("exec")
    SharedSystemClient.clear_system_cache()
    if ingested.settings.database_url:
        monkeypatch.setenv("TWIN__DATABASE_URL", ingested.settings.database_url)
    result = CliRunner().invoke(main, ["reindex"])
    assert result.exit_code == 1
    board = next(d.id for d in ingested.documents() if d.title == "Board")
    assert (
        f"failed: document {board}: its chunks are not in the index and its file" in result.output
    )
    assert "rebuilt 3 partitions: 6 documents embedded" in result.output


def test_a_killed_reindex_goes_on_where_it_stopped(ingested: Corpus) -> None:
    before = _results(ingested)
    env = {**os.environ, "TWIN_HOME": str(ingested.settings.home)}
    if ingested.settings.database_url:
        env["TWIN__DATABASE_URL"] = ingested.settings.database_url
    seen: list[dict[str, object]] = []
    with subprocess.Popen(
        [str(TWIN), "reindex", "--json"], env=env, stdout=subprocess.PIPE, text=True
    ) as first:
        assert first.stdout is not None
        for line in first.stdout:  # kill it after the first partition and a document of the next
            seen.append(json.loads(line)["step"])
            partitions = [s for s in seen if s["doc_id"] is None]
            if partitions and seen[-1]["doc_id"] is not None:
                first.kill()
                break
    assert first.returncode != 0
    finished = str(partitions[0]["audience"])

    result = CliRunner().invoke(main, ["reindex", "--json"], env=env)

    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.splitlines()[-1])["summary"]
    assert finished not in summary["partitions"]  # not redone
    assert summary["resumed"] >= 1  # the document seen done is not embedded again
    assert len(summary["partitions"]) == 2
    corpus = _reopen(ingested.settings)
    assert _results(corpus) == before
    assert not corpus.store.staged()


def test_a_second_reindex_at_once_is_refused(ingested: Corpus) -> None:
    from retrieval.reindex import LOCK, ReindexBusy, _exclusive

    home = ingested.settings.home
    with _exclusive(home), pytest.raises(ReindexBusy, match="another reindex"):
        reindex(ingested)
    assert (home / LOCK).exists()
