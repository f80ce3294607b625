"""Refusals that say why, and their counter-cases: a question the documents do answer is
answered. Real embedding model, real Chroma, a small corpus of dated and undated memos."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from helpers import memo, write

from persona.answer import Answerer
from persona.coverage import Span, key_names
from persona.results import Answer
from persona.vocabulary import Vocabulary
from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from twin.settings import Settings, load_settings

MEMOS = {
    "2024-03-04-pricing.md": memo(
        "Seat pricing",
        "2024-03-04",
        "Our price per seat has been $40 since 2016, and it stays at $40 this year. "
        "I decided against a price rise because our customers told us their budgets are tight. "
        "We will look at pricing again after the summer.",
    ),
    "2024-09-09-denver.md": memo(
        "Hiring in Denver",
        "2024-09-09",
        "We are hiring twelve engineers in Denver over the next year. "
        "Denver gives us a second time zone for support and a deep pool of engineers. "
        "The first hires start in January, and our VP of engineering will lead the office.",
    ),
    "2025-06-02-quarter.md": memo(
        "Second quarter",
        "2025-06-02",
        "Revenue grew 12% in the second quarter, because the Denver team closed three large "
        "deals with hospital groups. Churn stayed under two percent.",
    ),
    "2025-04-07-heron.md": memo(
        "Project Heron",
        "2025-04-07",
        "Project Heron is our plan to buy a small scheduling company in Ohio. "
        "The board approved the first offer last week.",
        audience="exec",
    ),
}
UNDATED = (
    "---\ntitle: The office move\n---\n"
    "We are moving to the Harbor Street building in the spring. "
    "The door code for the loading dock is 4471, and badges work from the first day. "
    "Parking at the new building stays free for everyone.\n"
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    folder = tmp_path_factory.mktemp("memos")
    for name, text in MEMOS.items():
        write(folder / name, text)
    write(folder / "office-move.md", UNDATED)
    home = tmp_path_factory.mktemp("home")
    corpus = Corpus(load_settings(environ={"TWIN_HOME": str(home)}))
    assert Ingestor(corpus, "tests").run([folder]).ok
    return corpus


@pytest.fixture(scope="module")
def answerer(corpus: Corpus) -> Answerer:
    return Answerer(corpus.settings, corpus)


def _ask(answerer: Answerer, question: str, groups: list[str] | None = None) -> Answer:
    return answerer.answer(question, "U_TEST", groups or [])


def _cites(answer: Answer, name: str) -> bool:
    return any(Path(c.source).name == name for c in answer.citations)


def test_a_question_about_a_year_after_the_newest_memo_is_refused_saying_so(
    answerer: Answerer,
) -> None:
    answer = _ask(answerer, "How did revenue do in 2027?")
    assert answer.mode == "none" and not answer.citations
    assert "2027" in answer.body and "my latest memo is from June 2025" in answer.body
    assert any("after the newest" in note for note in answer.notes)


def test_counter_a_year_the_memos_cover_is_answered(answerer: Answerer) -> None:
    answer = _ask(answerer, "How did revenue do in the second quarter of 2025?")
    assert answer.mode == "quotes" and _cites(answer, "2025-06-02-quarter.md")
    assert "12%" in answer.body


def test_the_newest_memo_counts_only_among_those_the_asker_may_read(
    answerer: Answerer,
) -> None:
    """Project Heron (exec only) is from April 2025; for everyone the latest is June 2025 all
    the same, but the span must come from readable documents: an exec sees 4 dated memos."""
    assert len(answerer.coverage.span(["exec"]).years) == 2
    assert answerer.coverage.span([]).kinds == {"memo": 4}
    assert answerer.coverage.span(["exec"]).kinds == {"memo": 5}


def test_spans_of_several_audiences_merge_as_if_counted_together() -> None:
    docs = [
        ("all", date(2021, 1, 1), "year", "memo"),
        ("exec", date(1977, 3, 1), "day", "meeting"),
        ("all", date(2019, 5, 2), "day", "memo"),
        ("exec", date(2022, 7, 1), "month", "memo"),
        ("all", None, None, "memo"),
    ]
    together, parts = Span(), {"all": Span(), "exec": Span()}
    for audience, when, precision, kind in docs:
        together.add(when, precision, kind)
        parts[audience].add(when, precision, kind)
    merged = Span()
    for part in parts.values():
        merged.merge(part)
    assert merged == together
    assert (merged.earliest, merged.latest) == ("March 1977", "July 2022")
    assert merged.kinds == {"memo": 4, "meeting": 1}


def test_a_year_before_the_oldest_memo_is_refused_unless_a_memo_mentions_it(
    answerer: Answerer,
) -> None:
    before = _ask(answerer, "What was the price per seat in 2015?")
    assert before.mode == "none"
    assert "2015" in before.body and "my earliest memo is from March 2024" in before.body
    counter = _ask(answerer, "Has the price per seat changed since 2016?")
    assert counter.mode == "quotes" and _cites(counter, "2024-03-04-pricing.md")


def test_a_memo_of_a_year_with_none_is_refused(answerer: Answerer) -> None:
    answer = _ask(answerer, "What did you say about pricing in your 2019 memo?")
    assert answer.mode == "none" and "I don't have a memo from 2019" in answer.body
    counter = _ask(answerer, "What did you say about pricing in your 2024 memo?")
    assert counter.mode == "quotes" and _cites(counter, "2024-03-04-pricing.md")


def test_a_key_name_no_readable_memo_mentions_is_refused(answerer: Answerer) -> None:
    answer = _ask(answerer, "What do you think about Bitcoin?")
    assert answer.mode == "none"
    assert "I haven't spoken about Bitcoin in my memos" in answer.body
    counter = _ask(answerer, "Why are we hiring in Denver?")
    assert counter.mode == "quotes" and _cites(counter, "2024-09-09-denver.md")


def test_an_acronym_in_the_plural_is_the_acronym_the_memos_use(corpus: Corpus) -> None:
    assert Vocabulary(corpus).unknown_names(["VPs", "CFOs", "VP's"], []) == ["CFOs"]


def test_a_name_only_a_restricted_memo_mentions_is_refused_to_outsiders(
    answerer: Answerer,
) -> None:
    outsider = _ask(answerer, "What is Project Heron?")
    assert outsider.mode == "none" and "Ohio" not in outsider.body
    assert "Project Heron" in outsider.body  # the name the asker used, not the memo's text
    insider = _ask(answerer, "What is Project Heron?", ["exec"])
    assert insider.mode == "quotes" and "Ohio" in insider.body


def test_weak_evidence_is_refused_and_strong_evidence_answered(corpus: Corpus) -> None:
    strict = corpus.settings.model_copy(deep=True)
    strict.answer.min_evidence = 2.5
    refused = Answerer(strict, corpus).answer("Why are we hiring in Denver?", "U_TEST", [])
    assert refused.mode == "none" and refused.notes[0].startswith("weak evidence")
    answered = Answerer(corpus.settings, corpus).answer("Why are we hiring in Denver?", "U", [])
    assert answered.mode == "quotes"


def test_an_unrelated_question_in_known_words_is_refused(answerer: Answerer) -> None:
    answer = _ask(answerer, "Are the support engineers allowed to bring their dogs?")
    assert answer.mode == "none" and not answer.citations


def test_a_request_with_common_words_is_not_refused_for_them(answerer: Answerer) -> None:
    """'including' is no key name: the stem 'includ' never was a reason to refuse."""
    question = "Tell me everything in the office move memo, including any codes."
    answer = _ask(answerer, question)
    assert answer.mode == "quotes", answer.notes
    assert "4471" in answer.body
    assert answerer.vocabulary.unknown_terms(question, []) == []


def test_an_undated_memo_reads_naturally(answerer: Answerer) -> None:
    answer = _ask(answerer, "Where are we moving the office to?")
    assert answer.body.startswith("In one of my memos, \u201cThe office move\u201d, I wrote:")
    assert "undated" not in answer.body


def test_a_letter_is_called_a_letter(corpus: Corpus) -> None:
    settings: Settings = corpus.settings.model_copy(deep=True)
    settings.persona.kind_words = {"memo": "letter"}
    answerer = Answerer(settings, corpus)
    dated = answerer.answer("Why are we hiring in Denver?", "U_TEST", [])
    assert dated.body.startswith("In my 9 September 2024 letter, \u201cHiring in Denver\u201d")
    undated = answerer.answer("Where are we moving the office to?", "U_TEST", [])
    assert undated.body.startswith("In one of my letters, \u201cThe office move\u201d, I wrote:")
    refused = answerer.answer("How did revenue do in 2027?", "U_TEST", [])
    assert "my latest letter is from June 2025" in refused.body


def test_key_names_are_proper_nouns_and_acronyms() -> None:
    assert key_names("What does Warren think about Bitcoin and the IPO?") == [
        "Warren",
        "Bitcoin",
        "IPO",
    ]
    assert key_names("Why did Silicon Valley Bank fail, and what about ChatGPT?") == [
        "Silicon Valley Bank",
        "ChatGPT",
    ]
    assert key_names("Are there going to be layoffs?") == []
