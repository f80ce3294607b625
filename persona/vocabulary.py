"""The words the CEO has used, per audience: a question about a word she never used (pets, IPO,
gym) is one she hasn't spoken about, however close its neighbours are in embedding space.

Built from the chunk store on first use. When the corpus generation changes (a document was
ingested or removed, in any process), a partition whose chunk count changed is read again.
Only partitions the asker may read are consulted.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from persona.text import key_terms
from retrieval.access import can_read
from retrieval.corpus import Corpus
from retrieval.search import terms
from twin.models import Document

__all__ = ["Vocabulary"]

PAGE = 5000
# Words that name a kind of document ("in your office move memo"), never a topic.
_DOCUMENT_WORDS_TEXT = """
memo memos letter letters meeting meetings document documents note notes email emails message
messages transcript transcripts report reports post posts wrote written
"""
DOCUMENT_WORDS = frozenset(_DOCUMENT_WORDS_TEXT.split())
MIN_PREFIX = 4
# Endings that leave a word the same word (inflections, and the doer of it).
INFLECTIONS = frozenset(
    ["e", "d", "s", "es", "ed", "er", "ers", "ing", "ings", "est", "ly", "y", "ies", "ied"]
)


@dataclass(frozen=True)
class Words:
    """A partition's words, as a set and sorted (to find longer forms by bisection), and in
    how many of its chunks each appears."""

    bag: frozenset[str]
    ordered: tuple[str, ...]
    chunks: Counter[str] = field(default_factory=Counter)
    total: int = 0

    @classmethod
    def of(cls, bag: set[str], chunks: Counter[str] | None = None, total: int = 0) -> Words:
        return cls(frozenset(bag), tuple(sorted(bag)), chunks or Counter(), total)

    def has_longer_form(self, term: str) -> bool:
        i = bisect_left(self.ordered, term)
        return i < len(self.ordered) and self.ordered[i].startswith(term)


class Vocabulary:
    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self._terms: dict[str, tuple[int, Words]] = {}  # audience -> (chunk count, words)
        self._checked: dict[str, int] = {}  # audience -> the generation it was counted at

    def unknown_terms(self, text: str, groups: list[str]) -> list[str]:
        """Content words of `text` (as written) that no readable document uses in any form."""
        known = self._readable(groups)
        words = sorted(w for w in key_terms(text) if w not in DOCUMENT_WORDS and not w.isdigit())
        return [w for w in words if not all(_known(t, known) for t in terms(w))]

    def weights(self, text: str, groups: list[str]) -> dict[str, float]:
        """How specific each term of `text` is in what the asker may read (BM25's idf): a word
        in every letter ("Berkshire") says little about which sentence answers, a rare one
        ("silver") says much."""
        known = self._readable(groups)
        total = sum(w.total for w in known)
        return {
            t: math.log(1 + (total - df + 0.5) / (df + 0.5))
            for t in terms(text)
            for df in [sum(w.chunks[t] for w in known)]
        }

    def uses(self, word: str, groups: list[str]) -> bool:
        """Whether a readable document uses `word` (a year, a number) as it is."""
        return any(terms(word) <= words.bag for words in self._readable(groups))

    def unknown_names(self, names: list[str], groups: list[str]) -> list[str]:
        """Names (Bitcoin, IPO) that no readable document uses, as written or in another
        inflection of the same word; unlike other words, not matched by prefix."""
        known = self._readable(groups)
        return [
            n
            for n in names
            if not any(terms(form) <= words.bag for form in _forms(n) for words in known)
        ]

    def load(self) -> None:
        """Read every partition now rather than on the first question that needs it."""
        self._partitions(self.corpus.audiences())

    def _readable(self, groups: list[str]) -> list[Words]:
        return self._partitions([a for a in self.corpus.audiences() if can_read(a, set(groups))])

    def _partitions(self, audiences: list[str]) -> list[Words]:
        generation = self.corpus.generation()
        return [self._partition(a, generation) for a in audiences]

    def _partition(self, audience: str, generation: int) -> Words:
        cached = self._terms.get(audience)
        if cached and self._checked.get(audience) == generation:
            return cached[1]
        collection = self.corpus.store.collection(audience)
        count = collection.count()
        self._checked[audience] = generation
        if cached and cached[0] == count:
            return cached[1]
        chunks: Counter[str] = Counter()
        for offset in range(0, count, PAGE):
            page = collection.get(include=["documents"], limit=PAGE, offset=offset)
            for text in page["documents"] or []:
                chunks.update(terms(text or ""))
        bag = set(chunks)
        live = (Document.audience == audience) & (Document.version > 0)
        with self.corpus.sessions() as session:  # a question may name a document by its title
            for title in session.scalars(select(Document.title).where(live)):
                bag |= terms(title)
        self._terms[audience] = (count, Words.of(bag, chunks, count))
        return self._terms[audience][1]


def _known(term: str, vocabularies: list[Words]) -> bool:
    for words in vocabularies:
        bag = words.bag
        if term in bag or (term.endswith("s") and term[:-1] in bag):
            return True
        # The stemmer's other forms, and the base a stem lost ("includ": include, including).
        undoubled = term[:-1] if len(term) > 4 and term[-1] == term[-2] else term  # plann
        forms = f"{term}s {term}es {term}ed {term}ing {term}e {undoubled}"
        if terms(forms) & bag:
            return True
        if len(term) >= MIN_PREFIX - 1 and (words.has_longer_form(term) or _inflects(term, bag)):
            return True
    return False


def _inflects(term: str, bag: frozenset[str]) -> bool:
    """A known word plus an inflection ("dispatcher": dispatch). A derivation is another
    word: "parental" is not "parent", so a question about parental leave is not known from a
    letter about Planned Parenthood."""
    return any(
        term[:n] in bag and term[n:] in INFLECTIONS for n in range(MIN_PREFIX + 1, len(term))
    )


def _forms(name: str) -> list[str]:
    """A name as written, and an acronym's singular (VPs, KPIs, SLAs: VP, KPI, SLA)."""
    if re.fullmatch(r"[A-Z0-9]{2,}'?s", name):
        return [name, name.rstrip("s").rstrip("'")]
    return [name]
