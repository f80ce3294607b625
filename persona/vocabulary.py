"""The words the CEO has used, per audience: a question about a word she never used (pets, IPO,
gym) is one she hasn't spoken about, however close its neighbours are in embedding space.

Built from the chunk store on first use. When the corpus generation changes (a document was
ingested or removed, in any process), a partition whose chunk count changed is read again.
Only partitions the asker may read are consulted.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from persona.text import key_terms
from retrieval.access import can_read
from retrieval.corpus import Corpus
from retrieval.search import terms

__all__ = ["Vocabulary"]

PAGE = 5000
MIN_PREFIX = 4


@dataclass(frozen=True)
class Words:
    """A partition's words, as a set and sorted (to find longer forms by bisection)."""

    bag: frozenset[str]
    ordered: tuple[str, ...]

    @classmethod
    def of(cls, bag: set[str]) -> Words:
        return cls(frozenset(bag), tuple(sorted(bag)))

    def has_longer_form(self, term: str) -> bool:
        i = bisect_left(self.ordered, term)
        return i < len(self.ordered) and self.ordered[i].startswith(term)


class Vocabulary:
    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self._terms: dict[str, tuple[int, Words]] = {}  # audience -> (chunk count, words)
        self._checked: dict[str, int] = {}  # audience -> the generation it was counted at

    def unknown_terms(self, text: str, groups: list[str]) -> list[str]:
        """Content words of `text` that no readable document uses (nor a longer form of)."""
        known = self._readable(groups)
        wanted = sorted(terms(" ".join(key_terms(text))))
        return [t for t in wanted if not _known(t, known)]

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
        bag: set[str] = set()
        for offset in range(0, count, PAGE):
            page = collection.get(include=["documents"], limit=PAGE, offset=offset)
            for text in page["documents"] or []:
                bag |= terms(text or "")
        self._terms[audience] = (count, Words.of(bag))
        return self._terms[audience][1]


def _known(term: str, vocabularies: list[Words]) -> bool:
    for words in vocabularies:
        bag = words.bag
        if term in bag or (term.endswith("s") and term[:-1] in bag):
            return True
        if terms(f"{term}s {term}es {term}ed {term}ing") & bag:  # the stemmer's other forms
            return True
        if len(term) >= MIN_PREFIX - 1 and (
            words.has_longer_form(term)
            or any(term[:n] in bag for n in range(MIN_PREFIX + 1, len(term)))
        ):
            return True
    return False
