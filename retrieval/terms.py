"""Content words of a text, crudely stemmed: what lexical search and term overlap compare."""

from __future__ import annotations

import re
from functools import lru_cache

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORD_TEXT = """
a about above after again all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers him his how i if in into is it its itself just me more
most my no nor not now of off on once only or other our ours out over own same she should so
some such than that the their theirs them then there these they this those through to too
under until up very was we were what when where which while who whom why will with would you
your yours we're i'm it's what's don't
"""
STOPWORDS = frozenset(STOPWORD_TEXT.split())


def terms_list(text: str) -> list[str]:
    """Content words in order, repeats kept (term frequencies for BM25)."""
    words = WORD.findall(text.lower().replace("\u2019", "'"))
    return [_stem(w) for w in words if w not in STOPWORDS and len(w) > 1]


@lru_cache(maxsize=8192)
def terms(text: str) -> frozenset[str]:
    """Content words, crudely stemmed; cached, since the same chunks come back query after query."""
    return frozenset(terms_list(text))


def _stem(word: str) -> str:
    for suffix in ("'s", "ing", "es", "s", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word
