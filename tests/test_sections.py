"""Long documents: sections from headings, tables and figure rows kept apart, never quoted."""

from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import write

from retrieval.chunking import chunk_document, embedding_text
from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from retrieval.loaders import LoadedDocument
from retrieval.search import search
from retrieval.sections import blocks
from twin.settings import Settings
from twin.text import is_table_row, sentences

LETTER = """To the Shareholders of Berkshire Hathaway Inc.:

     Our gain in net worth during the year was large. We bought two businesses.

Sources of Reported Earnings

     The table below shows the sources of our reported earnings.

                                       Pre-Tax Earnings
                                      2005          2004
  Insurance Group ................   $1,234        $1,111
  Reported operating earnings of Berkshire........ 954
  Textiles                            (2,395)         418

     We are pleased with these figures, and expect more next year.
Dexter Shoe
     What we did last year was build on our purchase of H. H. Brown, a superbly-run
manufacturer of work shoes. We paid for Dexter with shares.

**Pricing.** We will not cut prices to chase volume.
"""


@pytest.mark.parametrize(
    "line",
    [
        "Reported operating earnings of Berkshire........ 954",
        "  Textiles ......................   (2,395)        418      (1,324)        226",
        "ConocoPhillips . . . . . . . . . . . . . . .          5.7      7,008      4,398",
        "         1965      ........................       23.8       10.0      13.8",
        "  Berkshire-Waumbec textiles      2,916        (620)   2,916      (620)",
        "Total Earnings - all entities $200,549 $147,878 $191,293 $136,074",
        "| Quarter | Revenue |",
        "|---|---|",
        "Reported operating earnings of Berkshire                        1,292",
    ],
)
def test_table_rows_are_recognised(line: str) -> None:
    assert is_table_row(line)


@pytest.mark.parametrize(
    "line",
    [
        "     You may remember the wildly upbeat message of last year's",
        "We paid $1.2 billion, up 12%, in 2005 and 2006.",
        "In 2005 we earned 1,234 and 2,345 in 2006 and 3,456 in 2007.",
        "Revenue was 10.  Costs were 8.  Profit 2.",
        "Sources of Reported Earnings",
        "No. We are not planning layoffs.",
    ],
)
def test_prose_is_not_a_table_row(line: str) -> None:
    assert not is_table_row(line)


def test_table_rows_are_never_sentences() -> None:
    found = sentences(LETTER)
    assert not any("954" in s or "1,234" in s or "........" in s for s in found)
    assert "We paid for Dexter with shares." in found


def test_headings_start_sections_and_tables_stand_apart() -> None:
    found = blocks(LETTER)
    headings = [b.heading for b in found]
    assert headings[0] is None
    assert {"Sources of Reported Earnings", "Dexter Shoe", "Pricing"} <= set(headings)
    tables = [b for b in found if b.table]
    assert len(tables) == 1 and "954" in tables[0].text and "Pre-Tax Earnings" in tables[0].text
    assert tables[0].heading == "Sources of Reported Earnings"
    pricing = next(b for b in found if b.heading == "Pricing")
    assert pricing.text.startswith("**Pricing.** We will not cut prices")  # run-in head stays


def test_chunks_carry_their_section_and_embed_it_after_the_title() -> None:
    doc = LoadedDocument(title="2005", text=LETTER, kind="memo")
    chunks = chunk_document(doc, size=300, overlap=40)
    dexter = next(c for c in chunks if "Dexter with shares" in c.text)
    assert dexter.section == "Dexter Shoe" and not dexter.table
    assert embedding_text(doc.title, dexter).startswith("2005\nDexter Shoe\n")
    assert any(c.table and "954" in c.text for c in chunks)
    assert all(len(c.text) <= 300 for c in chunks)


def test_markdown_headings_and_bold_lines_are_headings() -> None:
    text = "# Plan\n\nIntro.\n\n## Hiring\n\nWe hire slowly.\n\n**Budget**\n\nFlat this year.\n"
    found = blocks(text)
    assert [(b.heading, b.text) for b in found] == [
        ("Plan", "Intro."),
        ("Hiring", "We hire slowly."),
        ("Budget", "Flat this year."),
    ]


def test_a_table_is_stored_as_a_table_chunk_with_no_sentences_to_quote(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    corpus = Corpus(make_settings(RETRIEVAL__CHUNK_SIZE="300"))
    assert Ingestor(corpus, "t").run([write(tmp_path / "2005.md", LETTER)]).ok
    hits = search(corpus, "reported operating earnings of Berkshire insurance group", [], k=10)
    table = next(h for h in hits if h.table)
    assert "954" in table.text and table.section == "Sources of Reported Earnings"
    assert corpus.stored_vectors([table.chunk_id], []) == {}
    prose = next(h for h in search(corpus, "how was Dexter paid for?", [], k=3) if not h.table)
    assert prose.section == "Dexter Shoe" and prose.date_precision == "year"
    assert "We paid for Dexter with shares." in corpus.stored_vectors([prose.chunk_id], [])


def test_footnotes_are_sentences_of_their_own() -> None:
    """Footnotes under a table: each one its own sentence, without its marker."""
    text = (
        "  *         Excludes shares held by pension funds of Berkshire subsidiaries.\n"
        "  **        This is our actual purchase price and also our tax basis.\n"
        "  ***       Includes a $10 billion investment in Occidental Petroleum, consisting of\n"
        "            preferred stock and warrants to buy common stock.\n"
    )
    assert sentences(text) == [
        "Excludes shares held by pension funds of Berkshire subsidiaries.",
        "This is our actual purchase price and also our tax basis.",
        "Includes a $10 billion investment in Occidental Petroleum, consisting of "
        "preferred stock and warrants to buy common stock.",
    ]
    assert sentences("* We will open two hubs in 2026.") == ["We will open two hubs in 2026."]
