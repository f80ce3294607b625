"""Which sentences answer a question, rather than restate it.

Similarity finds the sentences on the question's topic. Among them, the CEO's answer is the one
that states a position, a decision, a number or a reason, and says more than the question's own
words: asked "Are there going to be layoffs?", "People are worried that layoffs are coming."
is on topic, "We are not planning layoffs." answers. `answer_bonus` scores each candidate
sentence for that, on cues that hold in any corpus (no topic words). Table rows and dotted
figure rows ("Reported operating earnings........ 954") are never answers.
"""

from __future__ import annotations

import re

import numpy as np

from persona.text import QUESTION_WORDS, terms

__all__ = ["answer_bonus", "question_kind", "reports_others"]

STANCE_WEIGHT = 0.06  # the CEO states a position or decision ("we are not planning", "I won't")
ANSWER_WEIGHT = 0.05  # a cue the question's kind asks for: a number, a reason, a yes or no
RESTATE_WEIGHT = 0.1  # reports what others worry about or ask ("people are worried that")
ECHO_WEIGHT = 0.12  # says little beyond the question's own words
ECHO_NOVELTY = 0.5  # below this share of new content words, a sentence echoes the question

_FIRST_PERSON = r"(?:i|we|i'm|we're|i'll|we'll|i've|we've|i'd|we'd|our|my)"
STANCE = re.compile(
    rf"\b{_FIRST_PERSON}\b[^.;:!?]{{0,40}}?\b(?:will|won't|would|wouldn't|shall|can|can't|"
    r"cannot|must|need|do|don't|did|didn't|are|aren't|am|not|never|no\s+longer|decided|"
    r"decide|plan|planning|intend|expect|believe|think|prefer|want|chose|choose|commit|"
    r"committed|promise|agree|agreed|refuse|recommend|going\s+to|intend|aim|hope)\b"
    r"|^\s*(?:yes|no)\b",
    re.IGNORECASE,
)
NEGATION = re.compile(r"\b(?:not|never|no|none|nobody|won't|don't|can't|cannot|isn't)\b", re.I)
REASON = re.compile(
    r"\b(?:because|since|so\s+that|the\s+reason|that's\s+why|this\s+is\s+why|in\s+order\s+to|"
    r"due\s+to|which\s+is\s+why|as\s+a\s+result|so\s+we|thanks\s+to)\b",
    re.IGNORECASE,
)
NUMBER = re.compile(
    r"\$\s?\d|\d+(?:[.,]\d+)?\s*(?:%|percent|per\s*cent|million|billion|thousand|weeks?|"
    r"days?|months?|years?|hours?|people|employees|shares?)\b|\b\d[\d,.]*\b",
    re.IGNORECASE,
)
RESTATE = re.compile(
    r"\b(?:people|folks|many|some|several|a\s+few|most|everyone|employees|colleagues|you|"
    r"others|shareholders|investors|critics|readers|someone)\s+(?:of\s+you\s+)?(?:are|were|have|"
    r"keep|kept|often|still|may|might)?\s*(?:been\s+)?(?:worried|worrying|asking|asked|"
    r"wondering|wondered|concerned|nervous|curious|saying|speculating|talking|heard)\b"
    r"|\bi(?:'ve|\s+have)\s+(?:heard|been\s+asked|seen\s+the)\b|\byou\s+asked\b"
    r"|\b(?:a|the)\s+question\s+(?:i|we)\s+(?:get|hear)\b|\brumou?rs?\b",
    re.IGNORECASE,
)
_QUANTITY = re.compile(
    r"\bhow\s+(?:much|many|long|big|large|often|fast|high|low|far|old)\b|\bwhen\b|"
    r"\bwhat\s+(?:year|date|day|time|percent|percentage|share|price|number|amount|rate)\b",
    re.IGNORECASE,
)
_WHY = re.compile(r"\bwhy\b|\bhow\s+come\b|\bwhat\s+(?:was|is)\s+the\s+reason\b", re.IGNORECASE)
_YES_NO = re.compile(
    r"^\s*(?:are|is|was|were|will|would|do|does|did|can|could|should|shall|have|has|had|"
    r"may|might|must|am)\b|\b(?:stance|position|view|opinion|think|feel|plan|plans)\b",
    re.IGNORECASE,
)


def reports_others(sentence: str) -> bool:
    """The sentence reports what others worry about or ask, not what the CEO says."""
    return RESTATE.search(sentence) is not None


def question_kind(question: str) -> str:
    """ "quantity", "reason", "stance" or "open": what kind of answer the question wants."""
    if _WHY.search(question):
        return "reason"
    if _QUANTITY.search(question):
        return "quantity"
    if _YES_NO.search(question):
        return "stance"
    return "open"


def answer_bonus(question: str, sentences: list[str]) -> np.ndarray:
    """How much each sentence answers `question` (positive) or only restates it (negative)."""
    if not sentences:
        return np.zeros(0, dtype=np.float32)
    wanted = terms(question) - terms(" ".join(QUESTION_WORDS))
    kind = question_kind(question)
    return np.array([_bonus(s, wanted, kind) for s in sentences], dtype=np.float32)


def _bonus(sentence: str, wanted: frozenset[str], kind: str) -> float:
    bonus = 0.0
    if STANCE.search(sentence):
        bonus += STANCE_WEIGHT
    if _gives(sentence, kind):
        bonus += ANSWER_WEIGHT
    if RESTATE.search(sentence):
        bonus -= RESTATE_WEIGHT
    own = terms(sentence)
    if own and wanted:
        novelty = len(own - wanted) / len(own)
        if novelty < ECHO_NOVELTY:
            bonus -= ECHO_WEIGHT * (ECHO_NOVELTY - novelty) / ECHO_NOVELTY
    return bonus


def _gives(sentence: str, kind: str) -> bool:
    if kind == "quantity":
        return bool(NUMBER.search(sentence))
    if kind == "reason":
        return bool(REASON.search(sentence))
    if kind == "stance":
        return bool(NEGATION.search(sentence)) or bool(re.match(r"\s*(?:yes|no)\b", sentence, re.I))
    return False
