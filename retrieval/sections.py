"""Sections of long prose: headings start them, tables stand apart.

A heading is a markdown heading (`## Results`), a line in bold (`**Results**`), a bold run-in
head (`**Results.** Our earnings ...`, which stays in its paragraph), or a plain-text heading:
a short line in title case after the end of a paragraph and before a blank line or an indented
paragraph, as in letters typed without markup ("Sources of Reported Earnings").

A run of table rows (twin.text.is_table_row: dotted figure rows, column layouts,
markdown tables), with its column headers and labels, is a block of its own, so that a table
never dilutes the prose around it and is never quoted as a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from twin.text import is_table_row

_MARKDOWN = re.compile(r"^\s{0,3}#{1,6}\s+(?P<head>.+?)\s*#*\s*$")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(?P<head>[^*_]{2,80}?)\1\s*:?\s*$")
_RUN_IN = re.compile(r"^\s*(\*\*|__)(?P<head>[^*_]{2,80}?)[.:]?\1[.:]?\s+\S")
_ENDS = (".", "?", "!", ":", '"', "\u201d", ")")
MAX_HEADING_CHARS = 70
MAX_HEADING_WORDS = 10


@dataclass
class Block:
    heading: str | None  # of the section the block is in
    text: str
    table: bool = False


def blocks(text: str) -> list[Block]:
    """The text as prose and table blocks, each under the heading of its section."""
    lines = text.splitlines()
    result: list[Block] = []
    heading: str | None = None
    run: list[str] = []
    table = False

    def close() -> None:
        body = "\n".join(run).strip("\n")
        if body.strip():
            result.append(Block(heading, body, table))
        run.clear()

    for i, line in enumerate(lines):
        head = heading_of(lines, i)
        if head is not None:
            close()
            heading = head
            if not _RUN_IN.match(line):
                continue
        in_table = is_table_row(line) or _table_continues(lines, i)
        if line.strip() and in_table != table:
            close()
            table = in_table
        run.append(line)
    close()
    return result


def heading_of(lines: list[str], i: int) -> str | None:
    """The heading that line i is, or None."""
    line = lines[i]
    for pattern in (_MARKDOWN, _BOLD_LINE, _RUN_IN):
        match = pattern.match(line)
        if match:
            return _clean(match.group("head"))
    text = line.strip()
    before = i == 0 or not lines[i - 1].strip() or lines[i - 1].rstrip().endswith(_ENDS)
    after = i + 1 >= len(lines) or not lines[i + 1].strip() or _indent(lines[i + 1]) > _indent(line)
    if not (text and before and after) or len(text) > MAX_HEADING_CHARS:
        return None
    words = text.split()
    if len(words) > MAX_HEADING_WORDS or text[-1] in ".,;:!?" or is_table_row(line):
        return None
    following = [line for line in lines[i + 1 : i + 6] if line.strip()][:2]
    if any(map(is_table_row, following)):
        return None  # a table's title or column header
    significant = [w for w in words if len(w) > 3 and w[0].isalpha()]
    capitalised = sum(1 for w in significant if w[0].isupper())
    if not text[0].isupper() or capitalised < max(1, len(significant) / 2):
        return None
    return _clean(text)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _table_continues(lines: list[str], i: int) -> bool:
    """A short label or column header of a table: table rows follow within two lines, and
    come just before it too, or it is set apart as headers are (indented, or in columns)."""
    line = lines[i]
    after = [text for text in lines[i + 1 : i + 5] if text.strip()][:2]
    wrapped = [line, *after[:1]]  # a paragraph's first line goes on in lower case
    if len(line.strip()) > 60 or line.rstrip().endswith((".", "?", "!")):
        return False
    if any(text.strip()[:1].islower() for text in wrapped):
        return False
    before = [text for text in lines[max(0, i - 6) : i] if text.strip()][-3:]
    set_apart = _indent(line) >= 4 or "   " in line.strip()
    return any(map(is_table_row, after)) and (set_apart or any(map(is_table_row, before)))


def _clean(head: str) -> str:
    return " ".join(head.strip(" *_#").split()).rstrip(".:")
