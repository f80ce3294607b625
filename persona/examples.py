"""A few short examples of the CEO's own wording, drawn from documents everyone may read."""

from __future__ import annotations

import re

from persona.passages import build_passages
from retrieval.corpus import Corpus
from retrieval.search import search
from twin.sections.persona import PersonaSettings

__all__ = ["voice_examples"]

PROBES = (
    "what I believe and why it matters",
    "how we work together and what I expect from you",
    "I want to be honest with you about this",
    "here's the short version",
)
FIRST_PERSON = re.compile(r"\b(I|I'm|I've|I'd|my|we|we're|our)\b")
MIN_WORDS, MAX_WORDS = 6, 22


def voice_examples(corpus: Corpus, card: PersonaSettings) -> list[str]:
    """Configured examples, else short first-person sentences from audience-"all" documents.

    Searching with no groups reaches only documents everyone may read, so the examples in a
    prompt never carry restricted text to a user who may not see it.
    """
    if card.examples or card.example_count == 0:
        return card.examples[: card.example_count or None]
    chosen: list[str] = []
    used_docs: set[int] = set()
    for probe in PROBES:
        passages = build_passages(search(corpus, probe, groups=[], k=3), card.speakers)
        for passage in passages:
            if passage.hit.doc_id in used_docs:
                continue
            pick = next((s for s in passage.own if _good_example(s)), None)
            if pick:
                chosen.append(pick)
                used_docs.add(passage.hit.doc_id)
                break
        if len(chosen) == card.example_count:
            break
    return chosen


def _good_example(sentence: str) -> bool:
    words = len(sentence.split())
    return (
        MIN_WORDS <= words <= MAX_WORDS
        and bool(FIRST_PERSON.search(sentence))
        and not any(c.isdigit() for c in sentence)
        and not sentence.endswith("?")
    )
