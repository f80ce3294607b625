"""Plain-text helpers for answers: key terms of a question, speakers."""

from __future__ import annotations

import re
from collections.abc import Iterable

from retrieval.search import STOPWORDS, WORD, terms

__all__ = ["declines", "key_terms", "terms"]

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


_A = "['\u2019]"  # a straight or a curly apostrophe
# The model's own "I haven't spoken about that" (the system prompt asks for it when the passages
# do not answer); "I haven't said we'd cut jobs" is a position, so "said" needs "anything".
DECLINE = re.compile(
    rf"\bI (?:haven{_A}t|have not|have never)(?: ever)? (?:spoken|talked|written|addressed|"
    rf"covered|mentioned|discussed|said anything)\b"
    rf"|\bI don{_A}t have (?:any )?(?:information|details)\b"
    rf"|\bpassages? (?:do not|don{_A}t|does not|doesn{_A}t) (?:answer|say|mention|cover)",
    re.IGNORECASE,
)


def declines(reply: str) -> bool:
    """True when a model's reply says it has nothing on the question."""
    return DECLINE.search(reply) is not None
