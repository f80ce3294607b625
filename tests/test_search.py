from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from helpers import memo, write

from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from retrieval.search import search, supersede
from twin.settings import Settings

CANARY = "CANARY-PELICAN-4471"
EXEC_MEMO = (
    f"Board-only: Harborline offered 410 million dollars to acquire Tidewater. Code word {CANARY}. "
    "Do not share the acquisition offer, the price, or the layoff contingency plan."
)
PUBLIC_MEMO = "Our all-hands will cover the product roadmap, the acquisition rumours and hiring."
PROBES = [
    CANARY,
    "acquisition offer price",
    "Harborline",
    "layoff contingency plan",
    "What did the board say about being acquired?",
    "code word",
    "410 million",
]


def _canary_corpus(corpus: Corpus, tmp_path: Path) -> Corpus:
    write(tmp_path / "c" / "2026-05-11-offer.md", memo("Offer", "2026-05-11", EXEC_MEMO, "exec"))
    write(tmp_path / "c" / "2026-05-12-all-hands.md", memo("All-hands", "2026-05-12", PUBLIC_MEMO))
    assert Ingestor(corpus, "t").run([tmp_path / "c"]).ok
    return corpus


def _leaks(corpus: Corpus, groups: list[str]) -> list[str]:
    return [
        hit.title
        for probe in PROBES
        for hit in search(corpus, probe, groups, k=50)
        if CANARY in hit.text or "Harborline" in hit.text or hit.title == "Offer"
    ]


def test_restricted_text_never_reaches_outsiders(corpus: Corpus, tmp_path: Path) -> None:
    _canary_corpus(corpus, tmp_path)
    assert _leaks(corpus, []) == []
    assert _leaks(corpus, ["engineering", "sales"]) == []
    assert _leaks(corpus, ["exec"]) != []
    assert {h.title for h in search(corpus, "acquisition rumours", [], k=10)} == {"All-hands"}


def test_access_control_holds_on_a_chroma_server(
    make_settings: Callable[..., Settings], chroma_server: str, tmp_path: Path
) -> None:
    corpus = Corpus(
        make_settings(
            RETRIEVAL__CHROMA_URL=chroma_server,
            RETRIEVAL__COLLECTION_PREFIX=tmp_path.name[-30:],
            RETRIEVAL__HNSW_EF_SEARCH="250",
        )
    )
    _canary_corpus(corpus, tmp_path)
    assert corpus.store.client.heartbeat() > 0
    hnsw = corpus.store.collection("exec").configuration["hnsw"]  # type: ignore[index]
    assert (hnsw["max_neighbors"], hnsw["ef_search"]) == (32, 250)  # type: ignore[index]
    assert _leaks(corpus, []) == []
    assert _leaks(corpus, ["exec"]) != []
    hits = search(corpus, "acquisition rumours all-hands", ["exec"], k=2)
    assert {h.title for h in hits} == {"All-hands", "Offer"}


@pytest.mark.parametrize("says_it_changed", [True, False])
def test_a_newer_statement_ranks_first_when_it_says_the_position_changed(
    make_settings: Callable[..., Settings], tmp_path: Path, says_it_changed: bool
) -> None:
    corpus = Corpus(make_settings())
    old = (
        "Our remote work policy: Tidewater is a fully remote company and will stay remote. "
        "Everyone gets a 1,500 dollar stipend to set up a home office with a desk and chair."
    )
    new = (
        "Our remote work policy: Tidewater is no longer fully remote; "
        "people near a hub come in two days a week."
    )
    if says_it_changed:
        new += " I was wrong to promise it forever."
    write(tmp_path / "r" / "2025-02-10-remote.md", memo("Remote first", "2025-02-10", old))
    write(tmp_path / "r" / "2026-04-06-anchor.md", memo("Anchor days", "2026-04-06", new))
    Ingestor(corpus, "t").run([tmp_path / "r"])

    general = [h.title for h in search(corpus, "what is our remote work policy?", [], k=3)]
    # A later memo that only revisits the topic supersedes nothing (a yearly letter).
    assert general[0] == ("Anchor days" if says_it_changed else "Remote first")
    specific = [h.title for h in search(corpus, "home office desk stipend", [], k=3)]
    assert specific[0] == "Remote first"

    corpus.settings.retrieval.recency_margin = 0
    general = [h.title for h in search(corpus, "what is our remote work policy?", [], k=3)]
    assert general[0] == "Remote first"


def test_meeting_hits_carry_the_speaker(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    corpus = Corpus(make_settings())
    transcript = (
        "Elena Marsh: Welcome to the Q&A.\n"
        "Priya Shah: Will there be layoffs this year?\n"
        "Elena Marsh: No. We are not planning layoffs; we are hiring carefully.\n"
    )
    Ingestor(corpus, "t").run([write(tmp_path / "2026-03-01-qa.txt", transcript)])
    (hit,) = search(corpus, "are layoffs planned", [], k=1)
    data = hit.to_json()
    assert data["kind"] == "meeting" and data["speaker"] == "Elena Marsh, Priya Shah"
    assert set(data) == {
        "chunk_id",
        "doc_id",
        "title",
        "kind",
        "date",
        "source",
        "text",
        "speaker",
        "score",
        "date_precision",
        "section",
        "table",
    }


def test_empty_query_and_empty_corpus_find_nothing(corpus: Corpus) -> None:
    assert search(corpus, "anything", []) == []
    assert search(corpus, "   ", ["exec"]) == []


def test_supersede_moves_a_close_newer_statement_above_the_older() -> None:
    old, new, other = date(2025, 1, 1), date(2026, 1, 1), date(2026, 6, 1)
    topic = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1]], dtype=bool)
    revising = [False, True, True]
    scores = supersede([0.8, 0.6, 0.79], [old, new, other], topic, revising, margin=0.3, k=3)
    assert scores[1] > scores[0] > scores[2]
    unchanged = supersede([0.8, 0.4, 0.79], [old, new, other], topic, revising, margin=0.3, k=3)
    assert unchanged == [0.8, 0.4, 0.79]
    older = supersede([0.8, 0.6, 0.1], [new, old, None], topic, [True] * 3, 0.3, 3)
    assert older == [0.8, 0.6, 0.1]
    # A newer document that only revisits the topic, not saying its position changed: no move.
    revisits = supersede([0.8, 0.6, 0.79], [old, new, other], topic, [False] * 3, 0.3, 3)
    assert revisits == [0.8, 0.6, 0.79]


def test_the_embedder_keeps_numpy_to_one_blas_thread(corpus: Corpus) -> None:
    """OpenBLAS threads spinning beside torch's took a 12 ms query embedding to 100 ms."""
    from threadpoolctl import threadpool_info

    corpus.embedder.embed_one("warm")
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)
