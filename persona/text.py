"""Plain-text helpers for answers: key terms of a question, speakers."""

from __future__ import annotations

from collections.abc import Iterable

from retrieval.search import STOPWORDS, WORD, terms

__all__ = ["key_terms", "terms"]

# Words of a question that do not name its topic (kept out of key terms).
_QUESTION_WORDS_TEXT = """
what why how when where who which whom whose tell think thought say said says explain
know please could would should does did do can us you your yours anything something ok okay
thanks thank really stance position view views opinion policy policies thoughts feel
approach stand take plan plans update news status situation going will still currently now
anyone anybody someone somebody everyone everybody nobody everything nothing thing things
stuff lot lots kind sort ever never much many like get got make made want wants way
include includes including included regarding concerning detail details everything
summary summarize summarise describe mention mentioned
"""
QUESTION_WORDS = frozenset(_QUESTION_WORDS_TEXT.split())


def key_terms(text: str) -> list[str]:
    """The content words of a question, in order, without stemming (for building queries)."""
    words = WORD.findall(text.lower())
    kept = [w for w in words if w not in STOPWORDS and w not in QUESTION_WORDS and len(w) > 2]
    return list(dict.fromkeys(kept))


def is_speaker(speaker: str | None, names: Iterable[str]) -> bool:
    return speaker is not None and speaker.strip().lower() in {n.lower() for n in names}


def word_count(text: str) -> int:
    return len(text.split())
