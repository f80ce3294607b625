"""A document's date, from wherever a real document carries it, and where it came from.

Sources, in the order they are trusted: `twin ingest --date` ("cli"), the front matter's
`date:` ("front matter"), the file name ("file name": 2025-01-06-plan.md, 2024-03-notes.md,
2005.md), a dated line in the text ("text": a line that starts with "February 28, 2006",
"28 February 2006", "March 2025" or "2006-02-28", alone or before a wide gap such as a
signature's), and the file's own metadata ("metadata": a PDF's or .docx's creation date, an
HTML <meta name="date">; last, since it is often when the file was exported).

A date is kept with its precision, "day", "month" or "year": a letter named 2005.md is from
2005, not from January 1st, 2005 (the date stored is the first day of the period).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

SOURCES = ("cli", "front matter", "file name", "text", "metadata")
PRECISIONS = ("day", "month", "year")

MONTHS = {
    name: n
    for n, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        1,
    )
    for name in names
}  # fmt: skip
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:1[89]|20|21)\d\d)"
_FORMS = [
    re.compile(r"(?P<year>\d{4})-(?P<mm>\d{1,2})-(?P<day>\d{1,2})"),
    re.compile(_MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\s*,\s*" + _YEAR),
    re.compile(r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+" + _YEAR),
    re.compile(_MONTH + r",?\s+" + _YEAR),
    re.compile(r"(?P<year>\d{4})-(?P<mm>\d{1,2})"),
    re.compile(_YEAR),
]
# A dated line: optional "Date:" label, the date, then the end of the line or a wide gap.
_LINE_LABEL = r"^\s*(?:(?:date|dated|written|sent)\s*:\s*)?[*_]*\s*"
_LINE_END = r"\s*[*_]*\s*(?:$|\s{3,}\S)"
_DATED_LINES = [re.compile(_LINE_LABEL + f.pattern + _LINE_END, re.IGNORECASE) for f in _FORMS[:4]]
_NAME_YEAR = re.compile(r"(?<![\d])((?:19|20)\d\d)(?![\d])")
_NAME_DATE = re.compile(r"(?<![\d])(\d{4})-(\d{2})(?:-(\d{2}))?(?![\d])")


@dataclass(frozen=True)
class Dated:
    date: date
    precision: str  # "day", "month" or "year"
    source: str = ""  # one of SOURCES


def parse_date(text: str) -> Dated | None:
    """The date that `text` is, as a whole ("2006-02-28", "February 28, 2006", "March 2025",
    "2005"); None when it is not exactly a date."""
    text = " ".join(text.strip().split())
    for form in _FORMS:
        match = form.fullmatch(text.lower())
        if match:
            return _dated(match.groupdict())
    return None


def date_in_text(text: str) -> Dated | None:
    """The first line of the text that starts with a date and says nothing else beside it
    (a memo's dateline, a letter's signature date)."""
    for line in text.splitlines():
        if not line.strip() or len(line) > 200:
            continue
        for pattern in _DATED_LINES:
            match = pattern.match(line)
            found = match and _dated({k: v and v.lower() for k, v in match.groupdict().items()})
            if found:
                return Dated(found.date, found.precision, "text")
    return None


def date_in_name(path: Path) -> Dated | None:
    """2025-01-06-plan.md (day), 2024-03-notes.md (month), 2005.md or letter-2005.md (year:
    exactly one year-like number in the name)."""
    stem = path.stem
    match = _NAME_DATE.search(stem)
    if match:
        year, month, day = match.groups()
        found = _dated({"year": year, "mm": month, "day": day})
        if found:
            return Dated(found.date, found.precision, "file name")
    years = _NAME_YEAR.findall(stem)
    if len(years) == 1:
        return Dated(date(int(years[0]), 1, 1), "year", "file name")
    return None


def date_of(value: Any, source: str) -> Dated | None:
    """A front matter or metadata value: a date, a datetime or a string that is a date (an
    ISO timestamp counts by its date part)."""
    if isinstance(value, datetime):
        return Dated(value.date(), "day", source)
    if isinstance(value, date):
        return Dated(value, "day", source)
    if isinstance(value, int) and 1800 <= value <= 2199:
        return Dated(date(value, 1, 1), "year", source)
    if isinstance(value, str):
        found = parse_date(value) or parse_date(value.strip()[:10])
        if found:
            return Dated(found.date, found.precision, source)
    return None


def _dated(parts: dict[str, str | None]) -> Dated | None:
    year = int(parts["year"] or 0)
    month_name, mm, day = parts.get("month"), parts.get("mm"), parts.get("day")
    month = MONTHS.get(month_name.rstrip(".")) if month_name else (int(mm) if mm else None)
    try:
        if month and day:
            return Dated(date(year, month, int(day)), "day")
        if month:
            return Dated(date(year, month, 1), "month")
        return Dated(date(year, 1, 1), "year")
    except ValueError:
        return None


def describe(value: date | None, precision: str | None) -> str:
    """How a stored date reads: "2005", "March 2025", "2006-02-28"."""
    if value is None:
        return ""
    if precision == "year":
        return str(value.year)
    if precision == "month":
        return value.strftime("%B %Y")
    return value.isoformat()
