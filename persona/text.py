"""Plain-text helpers: sentences, markdown clean-up, key terms, speaker lines."""

from __future__ import annotations

import re
from collections.abc import Iterable

from retrieval.search import STOPWORDS, WORD, terms

__all__ = ["clean_markdown", "key_terms", "sentences", "speaker_lines", "terms"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ABBREVIATIONS = _words(
    """a.m. p.m. e.g. i.e. etc. vs. mr. mrs. ms. dr. st. no. jan. feb. mar. apr. jun. jul. aug.
    sep. sept. oct. nov. dec. inc. approx. u.s."""
)
_CLOSERS = '"\u201d\u2019)]'
_BOUNDARY = re.compile(r"(?<=[.!?\u2026])[\"\u201d\u2019)\]]*\s+(?=[\"\u201c\u2018(\[]?[A-Z0-9])")
_CITATION = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_LIST_MARK = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s+")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_SIGNATURE = re.compile(r"^\s*[\u2014\u2013-]+\s*\w+\s*$")
# Words of a question that do not name its topic (kept out of key terms).
QUESTION_WORDS = _words(
    """what why how when where who which whom whose tell think thought say said says explain
    know please could would should does did do can us you your yours anything something ok okay
    thanks thank really stance position view views opinion policy policies thoughts feel
    approach stand take plan plans update news status situation going will still currently now
    anyone anybody someone somebody everyone everybody nobody everything nothing thing things
    stuff lot lots kind sort ever never much many like get got make made want wants way"""
)


def clean_markdown(line: str) -> str:
    line = _HEADING.sub("", line)
    line = _LIST_MARK.sub("", line)
    line = _LINK.sub(r"\1", line)
    line = _EMPHASIS.sub(r"\2", line)
    return line.strip()


def sentences(text: str) -> list[str]:
    """Sentences of prose or markdown; headings, list items and lines are split apart."""
    result: list[str] = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-*+•#]|\d+[.)])\s)", text):
        block = " ".join(clean_markdown(line) for line in block.splitlines() if line.strip())
        if not block or _SIGNATURE.match(block):
            continue
        result.extend(s for s in _split_block(block) if s)
    return result


def _split_block(block: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(block):
        head = block[start : match.start()].rstrip(_CLOSERS)
        last_word = head.rsplit(maxsplit=1)[-1].lower() if head.split() else ""
        if last_word in ABBREVIATIONS or re.fullmatch(r"[a-z]\.", last_word):
            continue
        pieces.append(block[start : match.start()].strip() + _closing(block, match))
        start = match.end()
    pieces.append(block[start:].strip())
    return [p.strip() for p in pieces]


def _closing(block: str, match: re.Match[str]) -> str:
    """Closing quotes/brackets that the boundary regex consumed after the full stop."""
    return match.group(0).strip()


def strip_citations(text: str) -> str:
    return _CITATION.sub("", text).strip()


def key_terms(text: str) -> list[str]:
    """The content words of a question, in order, without stemming (for building queries)."""
    words = WORD.findall(text.lower())
    kept = [w for w in words if w not in STOPWORDS and w not in QUESTION_WORDS and len(w) > 2]
    return list(dict.fromkeys(kept))


def speaker_lines(text: str) -> list[tuple[str | None, str]]:
    """(speaker, text) for each `Speaker: text` line of a meeting chunk."""
    lines = []
    for line in text.splitlines():
        speaker, sep, rest = line.partition(": ")
        if sep and speaker and len(speaker) <= 60 and not speaker.endswith((".", "?", "!")):
            lines.append((speaker.strip(), rest.strip()))
        elif line.strip():
            lines.append((None, line.strip()))
    return lines


def is_speaker(speaker: str | None, names: Iterable[str]) -> bool:
    return speaker is not None and speaker.strip().lower() in {n.lower() for n in names}


def word_count(text: str) -> int:
    return len(text.split())
