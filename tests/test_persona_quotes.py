"""Quote choice: the sentence that answers the question, never a table row. Real model and
Chroma (the sample corpus, and a memo with a table of figures)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import memo, write

from persona.answer import Answerer
from persona.answering import answer_bonus, question_kind
from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from twin.settings import load_settings
from twin.text import is_table_row

ROOT = Path(__file__).resolve().parents[1]


def test_the_layoffs_question_is_answered_by_the_sentence_that_answers_it(
    sample_corpus: Corpus,
) -> None:
    settings = load_settings(
        ROOT / "config.yaml", environ={"TWIN_HOME": str(sample_corpus.settings.home)}
    )
    answer = Answerer(settings, sample_corpus).answer(
        "Are there going to be layoffs?", "U_TEST", []
    )
    assert answer.mode == "quotes"
    assert "we are not planning layoffs" in answer.body
    assert "People are worried that layoffs are coming." not in answer.body


def test_a_position_outranks_a_restatement_of_the_question() -> None:
    bonus = answer_bonus(
        "Are there going to be layoffs?",
        [
            "People are worried that layoffs are coming.",
            "Here's the short version: we are not planning layoffs.",
            "Layoffs are coming.",
        ],
    )
    assert bonus[1] > 0 > bonus[0]
    assert bonus[2] < bonus[1]  # an echo of the question's words adds nothing


def test_the_kind_of_answer_a_question_wants() -> None:
    assert question_kind("How much did we pay for Scott Fetzer?") == "quantity"
    assert question_kind("Why did Berkshire close the textile mills?") == "reason"
    assert question_kind("Are we going to raise prices?") == "stance"
    assert question_kind("Tell me about the office move.") == "open"
    numbers = answer_bonus("How much did we pay?", ["We paid $315 million.", "We paid cash."])
    assert numbers[0] > numbers[1]
    reasons = answer_bonus("Why close it?", ["We closed it because it lost money.", "It closed."])
    assert reasons[0] > reasons[1]


@pytest.mark.parametrize(
    "row",
    [
        "Reported operating earnings of Berkshire........................    954",
        "1995................................   22,088                258.20",
        "Annual Growth Rate, 1965-95......... 33.4% 14.7%",
        "| Revenue | 4,120 | 3,680 |",
        "Revenue 4,120 3,680 (12) 610 540",
        "----------- -------------------------",
    ],
)
def test_table_rows_are_recognised(row: str) -> None:
    assert is_table_row(row)


@pytest.mark.parametrize(
    "prose",
    [
        "Our gain in net worth during the year was $613.6 million, or 48.2%.",
        "In 1937, after many years of selling used clothing, Mrs. Blumkin had saved $500.",
        "Revenue grew 12% to $4.1 million, and operating income rose to $610,000.",
        "Wait... what happened next?",
    ],
)
def test_prose_with_numbers_is_not_a_table_row(prose: str) -> None:
    assert not is_table_row(prose)


def test_a_table_row_is_never_quoted(tmp_path: Path) -> None:
    body = (
        "Here are the figures for the year.\n\n"
        "Reported operating earnings of Harbor........................    954\n"
        "Operating earnings per share.................................   9.12\n"
        "Look-through earnings of Harbor..............................  1,522\n\n"
        "Operating earnings rose because our insurance units wrote fewer bad policies.\n"
    )
    write(tmp_path / "docs" / "results.md", memo("Results for the year", "2024-02-01", body))
    corpus = Corpus(load_settings(environ={"TWIN_HOME": str(tmp_path / "home")}))
    assert Ingestor(corpus, "tests").run([tmp_path / "docs"]).ok
    answer = Answerer(corpus.settings, corpus).answer(
        "What were the reported operating earnings of Harbor?", "U_TEST", []
    )
    assert "...." not in answer.body and "954" not in answer.body
    if answer.mode == "quotes":
        assert "insurance units" in answer.body


def test_the_document_that_tells_the_event_leads_over_a_later_one_recalling_it(
    tmp_path: Path,
) -> None:
    told = (
        "In March the founders of Harbor Tools, Ann and Joe Reyes, called me after forty years "
        "of running the company. They wanted a buyer who would keep the plant in Dayton and "
        "keep their managers. We met twice, agreed a price of $310 million in cash, and "
        "closed in six weeks. Harbor Tools makes drill bits and saw blades for contractors, "
        "and it earns more on its capital than almost any business I know."
    )
    recalled = (
        "Our insurance float grew to $2 billion this year. Last year I told you how we came "
        "to buy Harbor Tools. Harbor Tools had a fine first year with us. The railroad "
        "carried more freight than ever, and the energy "
        "business finished its wind farm in Iowa. Our share count fell by two percent."
    )
    docs = tmp_path / "docs"
    write(docs / "2024-04-02-harbor.md", memo("Why we bought Harbor Tools", "2024-04-02", told))
    write(docs / "2025-02-20-annual.md", memo("The year in review", "2025-02-20", recalled))
    corpus = Corpus(load_settings(environ={"TWIN_HOME": str(tmp_path / "home")}))
    assert Ingestor(corpus, "tests").run([docs]).ok
    answer = Answerer(corpus.settings, corpus).answer(
        "How did we come to buy Harbor Tools?", "U_TEST", []
    )
    assert answer.mode == "quotes"
    assert answer.citations[0].source.endswith("2024-04-02-harbor.md")
    assert "Last year I told you" not in answer.body.split("[1]")[0]
