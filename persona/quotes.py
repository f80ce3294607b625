"""Quote mode: a first-person answer assembled from the CEO's own most relevant sentences.

No LLM is needed. Each quote names its document and date ("In my 3 March 2025 memo, “Focus
Wednesdays”, I wrote: …"), and in meetings only the CEO's own lines are quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from persona.answering import reports_others
from persona.changes import Change
from persona.coverage import plural
from persona.guard import Support
from persona.passages import Passage
from persona.text import word_count
from retrieval.search import Hit
from twin.sections.persona import AnswerSettings
from twin.text import CHANGE_MARKERS, is_table_row

__all__ = ["Quote", "choose_quotes", "compose", "describe", "month_year"]

SECOND_DOC_MARGIN = 0.2  # a runner-up document this close in strength is quoted too
SENTENCE_WEIGHT = 0.25
SENTENCE_MARGIN = 0.12  # a further sentence this close to the document's best is quoted
MIN_WORDS, MAX_WORDS = 5, 70
CHANGED = "My position on this has changed."
DATE_PREFIX = re.compile(r"^\d{4}[-_]\d{2}(?:[-_]\d{2})?[-_ ]*")
LOOKS_BACK = re.compile(
    r"\b(i\s+(wrote|said)|what\s+i\s+said|last\s+(year|spring|summer|fall|winter|"
    r"january|february|march|april|may|june|july|august|september|october|november|december)|"
    r"ten\s+months\s+ago|a\s+year\s+ago)\b",
    re.IGNORECASE,
)


@dataclass
class Quote:
    passage: Passage  # the best passage of its document: its number is the citation
    sentences: list[str] = field(default_factory=list)
    score: float = 0.0  # its document's best quotable sentence's score


def _quotable(sentence: str) -> bool:
    """A sentence of prose that stands on its own and says what the CEO thinks: not a
    question, a lead-in, a table row or a report of what others worry about."""
    return (
        MIN_WORDS <= word_count(sentence) <= MAX_WORDS
        and not sentence.endswith(("?", ":"))
        and not is_table_row(sentence)
        and not reports_others(sentence)
    )


def choose_quotes(
    passages: list[Passage], support: Support, scores: np.ndarray, settings: AnswerSettings
) -> list[Quote]:
    """The strongest document's best sentences, plus a close runner-up document or two.

    A document's strength is its best passage's search score, which weighs the whole passage
    against the question, plus a quarter of its best sentence's score: enough for a rare word of
    the question to count, too little for one sentence that echoes the question (often a later
    document recalling an event) to lift its document above the one that tells it.
    """
    best = _best_by_document(passages, support, scores)
    ranked = sorted(best.values(), key=_strength, reverse=True)
    if not ranked:
        return []
    lead = _strength(ranked[0])
    chosen = [q for q in ranked if _strength(q) >= lead - SECOND_DOC_MARGIN]
    chosen = chosen[: settings.quote_documents]
    room = settings.quote_sentences - (len(chosen) - 1)
    for i, quote in enumerate(chosen):
        quote.sentences = _pick(quote.passage, passages, support, scores, room if i == 0 else 1)
    return chosen


def _strength(quote: Quote) -> float:
    return quote.passage.hit.score + SENTENCE_WEIGHT * quote.score


def _best_by_document(
    passages: list[Passage], support: Support, scores: np.ndarray
) -> dict[int, Quote]:
    """Per document with a quotable sentence: its first (best-ranked) passage and its best
    quotable sentence's score."""
    numbers = {p.n: p for p in passages}
    best: dict[int, Quote] = {}
    for i, sentence in enumerate(support.sentences):
        if not _quotable(sentence):
            continue
        passage = numbers[support.owners[i]]
        quote = best.setdefault(passage.hit.doc_id, Quote(passage, score=float(scores[i])))
        quote.score = max(quote.score, float(scores[i]))
        if passage.n < quote.passage.n:
            quote.passage = passage
    return best


def _pick(
    lead: Passage, passages: list[Passage], support: Support, scores: np.ndarray, count: int
) -> list[str]:
    """Up to `count` good sentences of the lead's document, in the document's order."""
    same_doc = {p.n for p in passages if p.hit.doc_id == lead.hit.doc_id}
    candidates = [
        (float(scores[i]), i)
        for i, s in enumerate(support.sentences)
        if support.owners[i] in same_doc and _quotable(s)
    ]
    candidates.sort(reverse=True)
    top = candidates[0][0] if candidates else 0.0
    picked: list[int] = []
    seen: set[str] = set()
    for score, i in candidates:
        text = support.sentences[i]
        if len(picked) == count or score < top - SENTENCE_MARGIN:
            break
        if text not in seen:
            seen.add(text)
            picked.append(i)
    return [support.sentences[i] for i in sorted(picked)]


def month_year(when: date | None) -> str:
    return when.strftime("%B %Y") if when else "the past"


def _when(passage: Passage, precision: str | None) -> str:
    """ "3 March 2025", "March 2025" or "2005", as precise as the document's date is."""
    when = passage.when
    if when is None:
        return ""
    if precision == "year":
        return str(when.year)
    if precision == "month":
        return when.strftime("%B %Y")
    return f"{when.day} {when.strftime('%B %Y')}"


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", text.lower()).split())


def _titled(hit: Hit) -> bool:
    """A real title, not a year, a date or the file's name."""
    title = _plain(hit.title)
    stem = _plain(DATE_PREFIX.sub("", Path(hit.source).stem))
    return bool(title) and not re.fullmatch(r"[\d ]+", title) and title != stem


def describe(passage: Passage) -> str:
    """The lead-in of a quote: 'In my 3 March 2025 memo, "Title", I wrote:', 'In my 2005
    letter, I wrote:', 'In one of my memos, "Title", I wrote:'."""
    hit = passage.hit
    word = passage.kind_word or hit.kind
    mine, verb = ("our", "said") if hit.kind == "meeting" else ("my", "wrote")
    title = f", \u201c{hit.title}\u201d," if _titled(hit) else ","
    when = _when(passage, hit.date_precision)
    where = f"{mine} {when} {word}" if when else f"one of {mine} {plural(word)}"
    return f"In {where}{title} I {verb}:"


def _quoted(sentences: list[str]) -> str:
    return "\u201c" + " ".join(s.rstrip() for s in sentences) + "\u201d"


def compose(quotes: list[Quote]) -> str:
    return "\n\n".join(
        f"{describe(q.passage)} {_quoted(q.sentences)} [{q.passage.n}]" for q in quotes
    )


def best_sentences(
    passage: Passage, passages: list[Passage], support: Support, scores: np.ndarray, count: int
) -> list[str]:
    return _pick(passage, passages, support, scores, count)


def change_note(
    change: Change, passages: list[Passage], support: Support, scores: np.ndarray
) -> str:
    """ "My position on this has changed. In February 2025 I wrote: … Since April 2026 I've …"."""
    old = best_sentences(change.older, passages, support, scores, 1)
    current = scores.copy()
    for i, sentence in enumerate(support.sentences):
        if LOOKS_BACK.search(sentence) or CHANGE_MARKERS.search(sentence):
            current[i] -= 1.0  # "In February I wrote that…" restates the old position
    new = best_sentences(change.newer, passages, support, current, 2)
    if not old or not new:
        return ""
    old_verb = "said" if change.older.hit.kind == "meeting" else "wrote"
    return (
        f"{CHANGED} In {month_year(change.older.when)} I {old_verb}: {_quoted(old)} "
        f"[{change.older.n}] Since {month_year(change.newer.when)} I've said: {_quoted(new)} "
        f"[{change.newer.n}]"
    )
