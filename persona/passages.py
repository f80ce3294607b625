"""Passages: the retrieved chunks an answer may use, numbered, with the CEO's own sentences.

Passages are data. Sentences that read like instructions to an AI are dropped from them before
they reach a prompt, a quote or the guard (twin.injection): ingest screened every chunk, so
only a chunk it did not find clean by today's rules is screened here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from persona.text import is_speaker
from retrieval.search import Hit
from twin.injection import screen
from twin.text import sentences, speaker_lines


@dataclass
class Passage:
    n: int
    hit: Hit
    own: list[str]  # sentences the CEO wrote or said, in order
    text: str  # what the LLM sees: the chunk with instruction-like sentences removed
    removed: list[str] = field(default_factory=list)
    kind_word: str = ""  # what the CEO calls this kind of document (persona.kind_words)

    @property
    def when(self) -> date | None:
        return date.fromisoformat(self.hit.date) if self.hit.date else None

    @property
    def label(self) -> str:
        """The passage's header in the prompt: "2005 (letter, 2005)", "Pricing (memo, 2026-04-20)";
        a date only as precise as the document's."""
        when = f", {_as_precise(self.hit.date, self.hit.date_precision)}" if self.hit.date else ""
        return f"{self.hit.title} ({self.kind_word or self.hit.kind}{when})"


def build_passages(
    hits: Iterable[Hit], speakers: list[str], kind_word: Callable[[str], str] = str
) -> list[Passage]:
    """Numbered passages; `kind_word` names a kind as the CEO does (PersonaSettings.kind_word)."""
    passages = [_passage(n, hit, speakers) for n, hit in enumerate(hits, 1)]
    for passage in passages:
        passage.kind_word = kind_word(passage.hit.kind)
    return passages


def _as_precise(when: str, precision: str | None) -> str:
    """An ISO date cut to its precision: "2005" for a letter dated by its year only."""
    return when[: {"year": 4, "month": 7}.get(precision or "day", len(when))]


def _passage(n: int, hit: Hit, speakers: list[str]) -> Passage:
    if hit.kind == "meeting":
        return _meeting_passage(n, hit, speakers)
    kept, removed = _split_injections(sentences(hit.text), hit)
    return Passage(n, hit, own=kept, text=" ".join(kept), removed=removed)


def _meeting_passage(n: int, hit: Hit, speakers: list[str]) -> Passage:
    own: list[str] = []
    lines: list[str] = []
    removed: list[str] = []
    for speaker, text in speaker_lines(hit.text):
        kept, dropped = _split_injections(sentences(text), hit)
        removed.extend(dropped)
        if not kept:
            continue
        if is_speaker(speaker, speakers):
            own.extend(kept)
        lines.append(f"{speaker or 'Unknown'}: {' '.join(kept)}")
    return Passage(n, hit, own=own, text="\n".join(lines), removed=removed)


def _split_injections(items: list[str], hit: Hit) -> tuple[list[str], list[str]]:
    return (items, []) if hit.screened else screen(items)
