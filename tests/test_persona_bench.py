"""The persona bench's corpora: which labelled questions it asks, and what counts as citing."""

from __future__ import annotations

import pytest

from bench.persona_bench import cites_expected, target


def test_berkshire_asks_the_questions_not_held_out_with_their_gold_letters() -> None:
    berkshire = target("berkshire")
    assert berkshire.config.name == "config.yaml" and berkshire.config.parent.name == "berkshire"
    assert (len(berkshire.questions), len(berkshire.unanswerable)) == (40, 14)
    first = berkshire.questions[0]
    assert first.q.startswith("Which two new insurance companies")
    assert first.expected == {"1977.md"}
    assert "Why does Berkshire have to get rid of the Illinois National Bank?" not in {
        q.q for q in berkshire.questions
    }  # holdout: true
    assert "Why did Berkshire buy Alleghany?" not in berkshire.unanswerable  # holdout: true


def test_the_sample_asks_its_public_questions() -> None:
    sample = target("sample")
    assert sample.questions[0].expected == {"memos/2025-01-06-plan-for-2025.md"}
    assert all("board-prep" not in e for q in sample.questions for e in q.expected)  # exec-only
    assert len(sample.unanswerable) == 13


def test_a_citation_counts_wherever_the_corpus_was_ingested_from() -> None:
    expected = frozenset({"1986.md", "1985.md"})
    assert cites_expected(["/tmp/x.md", "/srv/letters/1985.md"], expected)
    assert not cites_expected(["/srv/letters/11985.md", "/srv/letters/1987.md"], expected)
    assert not cites_expected([], expected)
    with pytest.raises(ValueError, match="unknown corpus"):
        target("qmsum")
