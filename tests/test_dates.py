"""Dates from real documents: every form and source, its precision, and where it came from."""

from datetime import date
from pathlib import Path

import pytest
from helpers import write

from retrieval.dates import Dated, date_in_name, date_in_text, describe, parse_date
from retrieval.loaders import LoadError, load_document

LETTER_END = """     We look forward to seeing you in Omaha.

February 28, 2006                                     Warren E. Buffett
                                                      Chairman of the Board
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2006-02-28", Dated(date(2006, 2, 28), "day")),
        ("February 28, 2006", Dated(date(2006, 2, 28), "day")),
        ("March 14,1978", Dated(date(1978, 3, 14), "day")),
        ("28 February 2006", Dated(date(2006, 2, 28), "day")),
        ("Sept. 3rd, 2024", Dated(date(2024, 9, 3), "day")),
        ("March 2025", Dated(date(2025, 3, 1), "month")),
        ("2024-03", Dated(date(2024, 3, 1), "month")),
        ("2005", Dated(date(2005, 1, 1), "year")),
    ],
)
def test_date_forms(text: str, expected: Dated) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["February 30, 2006", "next March", "2005 results", "12345"])
def test_what_is_not_a_date(text: str) -> None:
    assert parse_date(text) is None


def test_file_names_with_a_date_a_month_or_only_a_year() -> None:
    assert date_in_name(Path("2025-01-06-plan.md")) == Dated(date(2025, 1, 6), "day", "file name")
    assert date_in_name(Path("2024-03-notes.md")) == Dated(date(2024, 3, 1), "month", "file name")
    assert date_in_name(Path("2005.md")) == Dated(date(2005, 1, 1), "year", "file name")
    assert date_in_name(Path("letter-2005.md")) == Dated(date(2005, 1, 1), "year", "file name")
    assert date_in_name(Path("2004-vs-2005.md")) is None  # two years: which one?
    assert date_in_name(Path("plan.md")) is None


def test_a_dated_line_in_the_text() -> None:
    assert date_in_text("Hello.\n" + LETTER_END) == Dated(date(2006, 2, 28), "day", "text")
    assert date_in_text("# Memo\n\nDate: March 2025\n\nBody.") == Dated(
        date(2025, 3, 1), "month", "text"
    )
    # Dates inside sentences are not the document's date.
    assert date_in_text("On February 9, 2006. This conversion ended it.") is None
    assert date_in_text("March 9, 1967, that Berkshire purchased National Indemnity") is None


def test_a_year_named_letter_is_from_that_year_not_the_date_it_was_signed(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "2005.md", "Our gain was large.\n\n" + LETTER_END), 10**6)
    assert (doc.date, doc.date_precision, doc.date_source) == (
        date(2005, 1, 1),
        "year",
        "file name",
    )
    assert describe(doc.date, doc.date_precision) == "2005"


def test_the_text_dates_an_undated_file_name(tmp_path: Path) -> None:
    doc = load_document(
        write(tmp_path / "letter.md", "Our gain was large.\n\n" + LETTER_END), 10**6
    )
    assert (doc.date, doc.date_precision, doc.date_source) == (date(2006, 2, 28), "day", "text")


def test_front_matter_comes_first_and_a_bad_one_is_an_error(tmp_path: Path) -> None:
    text = "---\ndate: 2007-03-01\n---\nBody.\n\n" + LETTER_END
    doc = load_document(write(tmp_path / "2005.md", text), 10**6)
    assert (doc.date, doc.date_source) == (date(2007, 3, 1), "front matter")
    bad = write(tmp_path / "bad.md", "---\ndate: soon\n---\nBody.\n")
    with pytest.raises(LoadError, match="front matter date 'soon' is not a date"):
        load_document(bad, 10**6)


def test_metadata_dates_a_file_with_no_other_date(tmp_path: Path) -> None:
    head = '<head><meta name="date" content="2024-11-05T10:00:00Z"></head>'
    html = f"<html>{head}<body><p>Hi.</p></body></html>"
    doc = load_document(write(tmp_path / "page.html", html), 10**6)
    assert (doc.date, doc.date_precision, doc.date_source) == (date(2024, 11, 5), "day", "metadata")


def test_an_undated_document_says_so(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "notes.md", "Nothing dated here.\n"), 10**6)
    assert (doc.date, doc.date_precision, doc.date_source) == (None, None, None)
    assert describe(None, None) == ""
