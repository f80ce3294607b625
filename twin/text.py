"""Plain text, one way for every package: sentences, citation markers, shortening.

Ingest embeds every sentence of every chunk with `sentences`, and the answer pipeline, the
speech renderer and the chat layer split text with the same function, so stored embeddings
match by text and every front door cuts where the others do.
"""

from __future__ import annotations

import re

__all__ = [
    "CHANGE_MARKERS",
    "CITATION",
    "MARKER",
    "chunk_sentences",
    "clean_markdown",
    "is_table_row",
    "revises_a_position",
    "sentences",
    "shorten",
    "speakable",
    "speaker_lines",
    "strip_citations",
]


# Phrases with which a writer says an earlier position of theirs no longer holds.
CHANGE_MARKERS = re.compile(
    r"\b(chang(e|ed|ing)\s+(my|our)\s+(mind|position|view|approach|stance)|change\s+of\s+mind|"
    r"i\s+was\s+wrong|what\s+i\s+said\s+(before|then|last)|what'?s\s+changed|what\s+changed|"
    r"revers(e|ed|ing)\s+(course|my|our)|no\s+longer\s+(true|the\s+case|our)|"
    r"i\s+said\s+we'?d\s+never)\b",
    re.IGNORECASE,
)


def revises_a_position(text: str) -> bool:
    """The document says that a position its author stated before has changed."""
    return CHANGE_MARKERS.search(text) is not None


_ABBREVIATIONS_TEXT = """
a.m. p.m. e.g. i.e. etc. vs. mr. mrs. ms. dr. st. no. jan. feb. mar. apr. jun. jul. aug.
sep. sept. oct. nov. dec. inc. approx. u.s.
"""
ABBREVIATIONS = frozenset(_ABBREVIATIONS_TEXT.split())
_CLOSERS = '"\u201d\u2019)]'
_BOUNDARY = re.compile(r"(?<=[.!?\u2026])[\"\u201d\u2019)\]]*\s+(?=[\"\u201c\u2018(\[]?[A-Z0-9])")
_BLOCK = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*+•#]|\d+[.)])\s)")
_LIST_MARK = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s+")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_SIGNATURE = re.compile(r"^\s*[\u2014\u2013-]+\s*\w+\s*$")
# A citation marker as answers carry them: "[2]", "[1, 3]"; MARKER captures a single number.
CITATION = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
MARKER = re.compile(r"\[(\d+)\]")
_MARKUP = re.compile(r"[*_`~#>]+")
_CLAUSE_END = re.compile(r"[,;:\u2013\u2014](?=\s)")
_TRAILING = " ,;:\u2013\u2014"
# Table rows: dotted leaders ("Operating earnings ........ 954", ". . . ."), markdown table rows,
# rules, and lines laid out in columns (cells apart by 3+ spaces, or by 2+ with figures).
_LEADER = re.compile(r"(?:\.\s?){4,}|(?:\u2026\s?){2,}|(?:_\s?){4,}")
_RULE = re.compile(r"[-=_|:+*\s\u2014\u2013]{3,}")
_FIGURE = re.compile(
    r"[-+$]?[(\[]?[-+$\u2013\u2014]?\d[\d,]*(?:\.\d+)?[%x]?[)\]]?\*?|[-\u2013\u2014]{1,3}|n/?a"
)
_WIDE_GAP = re.compile(r"\S(?:\s{3,}|\t)\S")
# A footnote under a table: a marker ("*", "**", "†") set apart from its text by a wide gap.
_FOOTNOTE = re.compile(r"\s*(?:\*{1,4}|[\u2020\u2021])(?:\s{2,}|\t)(?=\S)")


def is_table_row(line: str) -> bool:
    """A row of a table or a figure line, not prose: never quoted as a sentence."""
    text = line.strip()
    if not text:
        return False
    if (text.startswith("|") and text.count("|") >= 2) or _RULE.fullmatch(text):
        return True
    if _LEADER.search(text) and any(c.isdigit() for c in text):
        return True
    cells = [c for c in re.split(r"\s{2,}|\t", text) if c]
    if len(cells) >= 3 and sum(1 for c in cells if _FIGURE.fullmatch(c.lower())) >= 2:
        return True
    tokens = text.split()
    figures = sum(1 for t in tokens if _FIGURE.fullmatch(t.lower()))
    if figures >= 3 and figures >= len(tokens) / 2 and not text.endswith((".", "?", "!")):
        return True
    gaps = len(_WIDE_GAP.findall(text))
    if gaps and _FIGURE.fullmatch(re.split(r"\s{3,}|\t", text)[-1].lower()):
        return True  # "Reported operating earnings      1,292"
    return gaps >= 2 and not text.endswith((".", "?", "!", ":"))


def chunk_sentences(text: str, kind: str) -> list[str]:
    """Every sentence of a chunk; a meeting chunk's are split line by line, without speakers."""
    if kind == "meeting":
        return [s for _, line in speaker_lines(text) for s in sentences(line)]
    return sentences(text)


def clean_markdown(line: str) -> str:
    line = _HEADING.sub("", line)
    line = _LIST_MARK.sub("", line)
    line = _LINK.sub(r"\1", line)
    line = _EMPHASIS.sub(r"\2", line)
    return line.strip()


def sentences(text: str) -> list[str]:
    """Sentences of prose or markdown; headings, list items and lines are split apart."""
    result: list[str] = []
    for part in _BLOCK.split(text):
        for lines in _footnotes_apart(part.splitlines()):
            block = " ".join(clean_markdown(line) for line in lines)
            if block and not _SIGNATURE.match(block):
                result.extend(s for s in _split_block(block) if s)
    return result


def _footnotes_apart(lines: list[str]) -> list[list[str]]:
    """A block's prose lines, with each footnote ("**    This is our purchase price.") a run
    of its own, without its marker: never run together with the lines before it."""
    runs: list[list[str]] = [[]]
    for line in lines:
        if not line.strip() or is_table_row(line):
            continue
        marker = _FOOTNOTE.match(line)
        if marker:
            runs.append([line[marker.end() :]])
        else:
            runs[-1].append(line)
    return [run for run in runs if run]


def _split_block(block: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(block):
        head = block[start : match.start()].rstrip(_CLOSERS)
        last_word = head.rsplit(maxsplit=1)[-1].lower() if head.split() else ""
        if last_word in ABBREVIATIONS or re.fullmatch(r"[a-z]\.", last_word):
            continue
        # The boundary match holds the closing quotes or brackets after the full stop.
        pieces.append(block[start : match.start()].strip() + match.group(0).strip())
        start = match.end()
    pieces.append(block[start:].strip())
    return [p.strip() for p in pieces]


def speaker_lines(text: str) -> list[tuple[str | None, str]]:
    """(speaker, text) for each `Speaker: text` line of a meeting chunk."""
    lines: list[tuple[str | None, str]] = []
    for line in text.splitlines():
        speaker, sep, rest = line.partition(": ")
        if sep and speaker and len(speaker) <= 60 and not speaker.endswith((".", "?", "!")):
            lines.append((speaker.strip(), rest.strip()))
        elif line.strip():
            lines.append((None, line.strip()))
    return lines


def strip_citations(text: str) -> str:
    return CITATION.sub("", text).strip()


def speakable(text: str) -> str:
    """Words to speak: no citation markers, no Markdown marks, one line."""
    return " ".join(_MARKUP.sub("", CITATION.sub("", text)).split())


def shorten(text: str, max_chars: int, note: str) -> tuple[str, bool]:
    """`text` in at most `max_chars` characters: (text, False) when it fits; else the whole
    sentences that fit, then `note` (so a listener knows there is more), and True. A first
    sentence too long on its own is cut at a clause or a word instead."""
    text, note = " ".join(text.split()), " ".join(note.split())
    if len(text) <= max_chars:
        return text, False
    budget = max_chars - len(note) - 1
    if budget < 1:
        raise ValueError(f"max_chars {max_chars} leaves no room for the note {note!r}")
    head = ""
    for sentence in sentences(text):
        longer = f"{head} {sentence}".strip()
        if len(longer) > budget:
            break
        head = longer
    return f"{head or _cut_inside(text, budget)} {note}".strip(), True


def _cut_inside(text: str, budget: int) -> str:
    window = text[: budget + 1]
    clauses = [m.start() for m in _CLAUSE_END.finditer(window) if m.start() < budget]
    if clauses and clauses[-1] >= budget // 2:
        return text[: clauses[-1]].rstrip() + "."
    space = window.rfind(" ", 0, budget)
    cut = text[:space] if space > 0 else text[: budget - 1]
    return cut.rstrip(_TRAILING) + "."
