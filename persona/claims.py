"""Changed claims: a sentence that reuses a passage's words but says something else.

Embedding similarity cannot see "we will" turned into "we won't", $10 and $530 swapped, a
"gain" turned into a "loss", or a new name slipped in: the words are nearly the same. These
checks compare a generated sentence with the passage sentences that support it best:
- its polarity (a negation the evidence lacks, or lacks one the evidence has), when it reuses
  the evidence's words;
- antonyms: it says "loss" where the evidence says "gain" (and not "loss");
- numbers: each number it states must be, somewhere in the passages, next to one of the words
  it stands next to ("sales of $530 million", not "loss of $530 million");
- names: a proper noun no passage mentions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from persona.text import terms
from twin.text import sentences

__all__ = ["Known", "changed_claim", "number_contexts", "number_kinds", "numbers_in"]

NEGATION = re.compile(
    r"\b(?:not|never|no|none|nobody|nothing|neither|nor|cannot|without|"
    r"\w+n't|no\s+longer|instead|rather\s+than|unless)\b",
    re.IGNORECASE,
)
_ANTONYM_PAIRS = """
gain loss; gains losses; profit loss; profits losses; increase decrease; increased decreased;
increases decreases; rise fall; rose fell; buy sell; bought sold; buying selling; open close;
opened closed; keep close; start stop; started stopped; allow ban; allowed banned; accept reject;
accepted rejected; approve reject; approved rejected; win lose; won lost; hire fire; hired fired;
hiring firing; hurt help; hurts helps; hurt helped; easy hard; easily hardly; best worst;
better worse; success failure; strong weak; cheap expensive; expand shrink; favor oppose;
agree disagree; correct wrong; paid unpaid; positive negative; profitable unprofitable
"""
ANTONYMS: dict[str, set[str]] = {}
for _pair in _ANTONYM_PAIRS.replace("\n", " ").split(";"):
    _words = _pair.split()
    if len(_words) == 2:
        _a, _b = _words
        ANTONYMS.setdefault(_a, set()).add(_b)
        ANTONYMS.setdefault(_b, set()).add(_a)

NUMBER = re.compile(r"(?<![\w.])\$?\d[\d,]*(?:\.\d+)?%?")
NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20", "thirty": "30",
    "forty": "40", "fifty": "50", "hundred": "100", "twice": "x2", "double": "x2",
    "doubled": "x2", "triple": "x3", "tripled": "x3", "half": "x0.5",
}  # fmt: skip
UNITS = frozenset(
    [
        "million",
        "millions",
        "billion",
        "billions",
        "thousand",
        "thousands",
        "percent",
        "cent",
        "per",
        "about",
        "over",
        "under",
        "nearly",
        "almost",
        "roughly",
        "some",
        "than",
    ]
)
TOKEN = re.compile(r"\$?\d[\d,]*(?:\.\d+)?%?|[A-Za-z][A-Za-z'-]*")
SENTENCE_WINDOW = 3
KIND = re.compile(
    r"(?<![\w.])(?P<cur>\$)?(?P<n>\d[\d,]*(?:\.\d+)?)(?![\d])\s*"
    r"(?:(?P<pct>%|percent\b|per\s*cent\b)|(?P<big>million\b|billion\b))?",
    re.IGNORECASE,
)
# A negation and the word it negates: "cannot find", "were not repeated", "won't cut".
NEGATED = re.compile(
    r"\b(?:not|never|no|nobody|none|nothing|cannot|\w+n't|no\s+longer)\s+(?:(?:be|been|being|"
    r"is|are|was|were|to|have|has|a|an|the|yet|even|always|really|quite|longer|one)\s+)*"
    r"([a-z]{3,})",
    re.IGNORECASE,
)
REUSE = 0.5  # a polarity flip counts when this share of the sentence's words are the evidence's


@dataclass
class Known:
    """What the passages say, for comparing claims: their words, and their numbers with the
    words said with them and what they count."""

    text: str
    terms: frozenset[str] = frozenset()
    numbers: dict[str, set[str]] = field(default_factory=dict)
    kinds: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, text: str) -> Known:
        return cls(text, terms(text), number_contexts(text), number_kinds(text))


def numbers_in(text: str) -> set[str]:
    """Numbers of a text, normalised ($1,000 and 1000 alike; "ten" is 10)."""
    found = {_number(n) for n in NUMBER.findall(text)}
    found |= {NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in NUMBER_WORDS}
    return found


def number_contexts(text: str, window: int | None = None) -> dict[str, set[str]]:
    """Each number of a text -> the content words (stemmed) said with it: within `window`
    tokens of it, or (no window) in the same sentence."""
    contexts: dict[str, set[str]] = {}
    for part in [text] if window else sentences(text):
        tokens = TOKEN.findall(part)
        for i, token in enumerate(tokens):
            value = _value(token)
            if value is None:
                continue
            near = (
                tokens[max(i - window, 0) : i] + tokens[i + 1 : i + 1 + window]
                if window
                else tokens
            )
            words = " ".join(t for t in near if _value(t) is None and t.lower() not in UNITS)
            contexts.setdefault(value, set()).update(terms(words))
    return contexts


def changed_claim(sentence: str, evidence: Iterable[str], known: Known) -> str:
    """Why `sentence` changes what its closest evidence says, or "" when it doesn't."""
    closest = list(evidence)
    reason = _numbers_moved(sentence, known.numbers, known.kinds) or _new_name(sentence, known)
    if reason or not closest:
        return reason
    return _flipped(sentence, closest) or _antonym(sentence, closest)


def _numbers_moved(
    sentence: str, passage_numbers: dict[str, set[str]], passage_kinds: dict[str, set[str]]
) -> str:
    """A number said of other words, or as another kind of number ($48.2 million for 48.2%),
    than anywhere in the passages."""
    for value, near in number_contexts(sentence, SENTENCE_WINDOW).items():
        around = passage_numbers.get(value)
        if around is not None and near and not near & around:
            return f"{value} is not said of {', '.join(sorted(near))}"
    for value, kinds in number_kinds(sentence).items():
        known = passage_kinds.get(value, set())
        if known and not kinds & known:
            said = ", ".join(sorted(known))
            return f"{value} is a {', '.join(sorted(kinds))}; in the passages, a {said}"
    return ""


def number_kinds(text: str) -> dict[str, set[str]]:
    """Each number -> what it counts: "percent", "money" or "count"."""
    kinds: dict[str, set[str]] = {}
    for match in KIND.finditer(text):
        value = _number(match.group("n"))
        if match.group("pct"):
            kind = "percent"
        elif match.group("cur") or match.group("big"):
            kind = "money"
        else:
            kind = "count"
        kinds.setdefault(value, set()).add(kind)
    return kinds


def _new_name(sentence: str, known: Known) -> str:
    known_terms = known.terms
    for i, match in enumerate(re.finditer(r"\b[A-Z][A-Za-z]+\b", sentence)):
        word = match.group(0)
        inner = any(c.isupper() for c in word[1:])
        if (match.start() == 0 or i == 0) and not inner:
            continue  # the first word of a sentence is capitalised anyway
        if word.lower() in {"i", "i'm"} or not terms(word):
            continue
        if not terms(word) <= known_terms:
            return f"names what no passage mentions: {word}"
    return ""


def _flipped(sentence: str, closest: list[str]) -> str:
    """A negation no close evidence has, in a sentence that reuses the evidence's words ("we
    will" -> "we won't"), or a negated word of the evidence said without the negation
    ("cannot find" -> "can easily find")."""
    mine = terms(sentence)
    reused = [e for e in closest if mine and len(mine & terms(e)) / len(mine) >= REUSE]
    if not reused:
        return ""
    if NEGATION.search(sentence):
        for match in NEGATED.finditer(sentence):
            word = terms(match.group(1))
            negated = [e for e in closest if NEGATION.search(e)]
            if not any(word <= terms(e) or e in reused for e in negated):
                return f"reverses the passage (negates {match.group(1)})"
        return ""
    for evidence in reused:
        for match in NEGATED.finditer(evidence):
            word = terms(match.group(1))
            if word & mine and not word & UNITS:
                return f"reverses the passage (drops the negation of {match.group(1)})"
    return ""


def _antonym(sentence: str, closest: list[str]) -> str:
    """A word whose opposite the evidence that shares its words says instead ("loss" for
    "gain")."""
    mine = terms(sentence)
    reused = [e for e in closest if mine and len(mine & terms(e)) / len(mine) >= REUSE]
    words = set(re.findall(r"[a-z]+", sentence.lower()))
    said = set(re.findall(r"[a-z]+", " ".join(reused).lower()))
    for word in words - said:
        opposite = ANTONYMS.get(word, set()) & said
        if opposite and not opposite & words:
            return f"says {word} where the passage says {sorted(opposite)[0]}"
    return ""


def _value(token: str) -> str | None:
    if token[0].isdigit() or token.startswith("$"):
        return _number(token)
    return NUMBER_WORDS.get(token.lower())


def _number(text: str) -> str:
    return text.replace(",", "").replace("$", "").rstrip("%").lstrip("0") or "0"
