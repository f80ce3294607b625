"""Lexical retrieval (BM25) fused with dense retrieval, on the real model and real Chroma."""

from collections.abc import Callable
from pathlib import Path

from helpers import memo, write

from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from retrieval.search import search
from twin.settings import Settings

RARE = "Kestrelvane"
TOPICS = [
    "hiring plans for the support team",
    "the office move and desks",
    "quarterly planning and goals",
    "the customer onboarding process",
    "our pricing for small utilities",
    "the engineering on-call rotation",
]


def _memos(folder: Path, count: int = 24) -> None:
    """Memos on everyday topics, each citing its own purchase order number; one of them also
    names a vendor."""
    for i in range(count):
        topic = TOPICS[i % len(TOPICS)]
        body = (
            f"This memo is about {topic}. We discussed {topic} at length with the team, "
            f"and we agreed on next steps. Purchase order PO-{48213 + 7919 * i} covers it."
        )
        if i == 7:
            body += f" The invoices now go through {RARE}, our new billing vendor."
        write(
            folder / f"2025-01-{i + 1:02d}-memo-{i}.md",
            memo(f"Memo {i}", f"2025-01-{i + 1:02d}", body),
        )


def test_a_rare_exact_term_is_found_that_dense_retrieval_misses(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    corpus = Corpus(make_settings(RETRIEVAL__CANDIDATES="3"))
    _memos(tmp_path / "m")
    assert Ingestor(corpus, "t").run([tmp_path / "m"]).ok

    question = f"which purchase order is PO-{48213 + 7919 * 7}?"  # memo 7's
    corpus.settings.retrieval.lexical_candidates = 0
    dense = [h.title for h in search(corpus, question, [], k=3)]
    assert "Memo 7" not in dense  # to the embedding model, every PO number looks alike

    corpus.settings.retrieval.lexical_candidates = 10
    fused = [h.title for h in search(corpus, question, [], k=3)]
    assert fused[0] == "Memo 7"


def test_lexical_hits_respect_access(
    make_settings: Callable[..., Settings], tmp_path: Path, database_url: str
) -> None:
    corpus = Corpus(make_settings(database_url, RETRIEVAL__CANDIDATES="2"))
    _memos(tmp_path / "m", count=7)
    secret = f"Board only: we will acquire {RARE} for 12 million dollars."
    write(tmp_path / "m" / "2025-02-01-board.md", memo("Board", "2025-02-01", secret, "exec"))
    assert Ingestor(corpus, "t").run([tmp_path / "m"]).ok

    # BM25 ranks the board memo first in its own partition ...
    assert corpus.lexical.scores(["exec"], RARE).top(5)["exec"]
    assert not corpus.lexical.scores(["all"], RARE).top(5).get("all")
    # ... but only members of exec ever get it.
    for groups in ([], ["engineering"]):
        hits = search(corpus, f"{RARE} acquisition price", groups, k=10)
        assert hits and all(RARE not in h.text and h.title != "Board" for h in hits)
    exec_hits = search(corpus, f"{RARE} acquisition price", ["exec"], k=3)
    assert exec_hits[0].title == "Board"


def test_lexical_hits_follow_the_live_version(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    corpus = Corpus(make_settings(RETRIEVAL__CANDIDATES="1"))
    _memos(tmp_path / "m", count=6)
    path = write(
        tmp_path / "m" / "2025-03-01-vendor.md", memo("Vendor", "2025-03-01", f"We pay {RARE}.")
    )
    assert Ingestor(corpus, "t").run([tmp_path / "m"]).ok
    assert search(corpus, RARE, [], k=1)[0].title == "Vendor"

    write(path, memo("Vendor", "2025-03-01", "We pay Ospreyline now."))
    assert Ingestor(corpus, "t").run([path]).ok
    assert all(RARE not in h.text for h in search(corpus, RARE, [], k=10))
    assert search(corpus, "Ospreyline", [], k=1)[0].title == "Vendor"
    corpus.remove(search(corpus, "Ospreyline", [], k=1)[0].doc_id)
    assert all(h.title != "Vendor" for h in search(corpus, "Ospreyline", [], k=10))


def test_length_normalisation_follows_the_settings_without_a_reingest(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """bm25_b: how much a short chunk gains over a long one with the same matches; a change
    rebuilds the partition's index on the next search."""
    corpus = Corpus(make_settings())
    _memos(tmp_path / "m", count=6)
    short = f"We pay {RARE}."
    long = f"We pay {RARE}. " + " ".join(f"The {t} went to plan." for t in TOPICS)
    write(tmp_path / "m" / "2025-03-01-short.md", memo("Short", "2025-03-01", short))
    write(tmp_path / "m" / "2025-03-02-long.md", memo("Long", "2025-03-02", long))
    assert Ingestor(corpus, "t").run([tmp_path / "m"]).ok

    def ratio() -> float:
        scores = corpus.lexical.scores(["all"], RARE)
        best = scores.top(2)["all"]
        assert len(best) == 2
        return scores.score("all", best[1]) / scores.score("all", best[0])

    corpus.settings.retrieval.bm25_b = 0.0
    assert ratio() > 0.99  # one match each, whatever their length
    corpus.settings.retrieval.bm25_b = 1.0
    assert ratio() < 0.8  # the long chunk's one match counts for less
