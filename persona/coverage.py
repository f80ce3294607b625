"""What the CEO has covered, and why a question falls outside it.

A question is one the CEO hasn't spoken about, said with the reason, when:
- it asks about a period after the newest document the asker may read ("How did we do in
  2023?" when the latest letter is from 2021), or before the oldest one, or names a document of
  a year with none ("your 1970 letter");
- one of its key names (a proper noun, an acronym: Bitcoin, IPO) appears in no readable document;
- a word of it appears in no readable document and the evidence is not strong;
- the evidence is weak.
Dates and kinds come from the registry, read once per corpus generation, of documents the asker
may read only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from persona.evidence import Evidence
from persona.text import QUESTION_WORDS
from persona.vocabulary import Vocabulary
from retrieval.access import can_read
from retrieval.corpus import Corpus
from retrieval.search import STOPWORDS
from twin.models import Document
from twin.sections.persona import AnswerSettings

__all__ = ["Coverage", "Gap", "Span", "plural"]

YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
# A question about what will happen may name a year after the newest document, if one says so.
FORWARD = re.compile(
    r"\b(will|going\s+to|plan|plans|planning|planned|expect|expects|expected|next|upcoming|"
    r"future|forecast|target|targets|goal|goals|budget|outlook|ahead|coming|predict|"
    r"projected|projection|projections)\b",
    re.IGNORECASE,
)
_DOCUMENT_WORDS = r"letter|memo|meeting|report|note|email|message|update|speech|transcript"
DOCUMENT_OF_YEAR = re.compile(
    rf"\b(1[89]\d\d|20\d\d)(?:'s)?\s+(?:annual\s+)?(?:{_DOCUMENT_WORDS})s?\b|"
    rf"\b(?:{_DOCUMENT_WORDS})s?\s+(?:of|from|in|for|dated)\s+(1[89]\d\d|20\d\d)\b",
    re.IGNORECASE,
)
NAME = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*\b")
FIRST_QUARTER = 4  # a document from before April of a year is about the year before it


@dataclass(frozen=True)
class Gap:
    """Why the CEO hasn't spoken about a question: `note` for the log, `text` for the asker."""

    note: str
    text: str = ""


@dataclass
class Span:
    """Dates and kinds of the documents one asker may read."""

    first: date | None = None
    last: date | None = None
    years: set[int] = field(default_factory=set)
    earliest: str = ""  # "March 2024", or "1977" for a document dated by its year
    latest: str = ""
    kinds: dict[str, int] = field(default_factory=dict)

    def add(self, when: date | None, precision: str | None, kind: str) -> None:
        """Count a document; `last` is the end of the newest one's period (a letter of 2021,
        dated by its year only, covers 2021 to its end)."""
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if when is None:
            return
        self.years.add(when.year)
        end = when
        if precision == "year":
            end = date(when.year, 12, 31)
        elif precision == "month":
            end = date(when.year + when.month // 12, when.month % 12 + 1, 1) - timedelta(days=1)
        if self.first is None or when < self.first:
            self.first, self.earliest = when, _month_or_year(when, precision)
        if self.last is None or end > self.last:
            self.last, self.latest = end, _month_or_year(when, precision)

    def merge(self, other: Span) -> None:
        """Count the documents `other` counted."""
        for kind, count in other.kinds.items():
            self.kinds[kind] = self.kinds.get(kind, 0) + count
        self.years |= other.years
        if other.first and (self.first is None or other.first < self.first):
            self.first, self.earliest = other.first, other.earliest
        if other.last and (self.last is None or other.last > self.last):
            self.last, self.latest = other.last, other.latest

    @property
    def main_kind(self) -> str:
        return max(self.kinds, key=lambda k: self.kinds[k]) if self.kinds else "memo"


def _month_or_year(when: date, precision: str | None) -> str:
    return str(when.year) if precision == "year" else when.strftime("%B %Y")


def plural(word: str) -> str:
    return f"{word}es" if word.endswith(("s", "x", "ch", "sh")) else f"{word}s"


class Coverage:
    """The dates, kinds and words of the documents each asker may read, and the gaps."""

    def __init__(
        self, corpus: Corpus, vocabulary: Vocabulary, kind_word: Callable[[str], str] = str
    ) -> None:
        self.corpus = corpus
        self.vocabulary = vocabulary
        self.word = kind_word  # what the CEO calls a kind of document (PersonaSettings.kind_word)
        self._spans: tuple[int, dict[str, Span]] = (-1, {})  # per audience, per generation

    def span(self, groups: list[str]) -> Span:
        generation = self.corpus.generation()
        if self._spans[0] != generation:
            self._spans = (generation, self._read_spans())
        span = Span()
        readable = set(groups)
        for audience, part in self._spans[1].items():
            if can_read(audience, readable):
                span.merge(part)
        return span

    def _read_spans(self) -> dict[str, Span]:
        """One span per audience: an answer merges the few its asker may read, however many
        documents there are."""
        query = select(
            Document.audience, Document.kind, Document.date, Document.date_precision
        ).where(Document.version > 0)
        spans: dict[str, Span] = {}
        with self.corpus.sessions() as session:
            for audience, kind, when, precision in session.execute(query):
                spans.setdefault(audience, Span()).add(when, precision, kind)
        return spans

    def gap(
        self, query: str, groups: list[str], evidence: Evidence | None, settings: AnswerSettings
    ) -> Gap | None:
        """Why the question falls outside what the asker may read, or None when it doesn't."""
        span = self.span(groups)
        found = self._period(query, groups, span) or self._names(query, groups, span)
        if found:
            return found
        if evidence is None or not evidence.support.sentences:
            return Gap("nothing relevant retrieved")
        if evidence.strength < settings.min_evidence:
            return Gap(f"weak evidence ({evidence.strength:.2f} < answer.min_evidence)")
        unknown = self.vocabulary.unknown_terms(query, groups)
        if unknown and evidence.strength < settings.unknown_term_evidence:
            return Gap(f"the corpus never uses: {', '.join(unknown)}")
        return None

    def _period(self, query: str, groups: list[str], span: Span) -> Gap | None:
        years = sorted({int(y) for y in YEAR.findall(query)})
        if not years or span.last is None or span.first is None:
            return None
        word = self.word(span.main_kind)
        verb = "spoken" if span.main_kind == "meeting" else "written"
        named = {int(a or b) for a, b in DOCUMENT_OF_YEAR.findall(query)}
        for year in sorted(named):
            if year not in span.years:
                return Gap(
                    f"no readable {word} from {year}",
                    f"I don't have a {word} from {year}: my {plural(word)} run from "
                    f"{span.earliest} to {span.latest}.",
                )
        latest, earliest = years[-1], years[0]
        if span.last < date(latest, FIRST_QUARTER, 1) and not self._foreseen(query, latest, groups):
            return Gap(
                f"asks about {latest}, after the newest readable {word} ({span.last})",
                f"I haven't {verb} about {latest}: my latest {word} is from {span.latest}.",
            )
        if earliest < span.first.year and not self.vocabulary.uses(str(earliest), groups):
            return Gap(
                f"asks about {earliest}, before the oldest readable {word} ({span.first})",
                f"I haven't {verb} about {earliest}: my earliest {word} is from {span.earliest}.",
            )
        return None

    def _foreseen(self, query: str, year: int, groups: list[str]) -> bool:
        """A forward-looking question about a year a readable document mentions."""
        return bool(FORWARD.search(query)) and self.vocabulary.uses(str(year), groups)

    def _names(self, query: str, groups: list[str], span: Span) -> Gap | None:
        names = key_names(query)
        unknown = [n for n in names if self.vocabulary.unknown_names(n.split(), groups)]
        if not unknown:
            return None
        word = plural(self.word(span.main_kind))
        listed = " or ".join(unknown)
        return Gap(
            f"key names in no readable document: {', '.join(unknown)}",
            f"I haven't spoken about {listed} in my {word}, so I'd rather not guess.",
        )


def key_names(question: str) -> list[str]:
    """Proper nouns and acronyms of a question, adjacent ones as one name ("Silicon Valley
    Bank"): capitalised words after its first word, and words in capitals or with inner
    capitals anywhere (IPO, ChatGPT)."""
    names: list[list[str]] = []
    last_end = -2
    for i, match in enumerate(NAME.finditer(question)):
        word = match.group(0)
        lower = word.lower()
        if lower in STOPWORDS or lower in QUESTION_WORDS or len(word) < 2:
            continue
        inner = any(c.isupper() for c in word[1:])
        if not ((i > 0 and word[0].isupper()) or inner):
            continue
        if names and question[last_end : match.start()].strip() == "":
            names[-1].append(word)
        else:
            names.append([word])
        last_end = match.end()
    return list(dict.fromkeys(" ".join(words) for words in names))
