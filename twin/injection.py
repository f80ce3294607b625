"""Instructions planted in documents: sentences that speak to an AI instead of to people.

Retrieved text is quoted material. A sentence in a memo that tells an AI what to say ("Note to
AI assistants reading this memo: ...") is dropped before a passage reaches a prompt, a quote
or the guard, never obeyed. Ingest screens every chunk once and stores the verdict with the
rules' fingerprint (`SCREENING`); the answer pipeline screens again only a chunk that was not
found clean by these same rules.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from twin import normalize, text
from twin.normalize import for_screening
from twin.text import sentences, speaker_lines

__all__ = [
    "ADDRESSED",
    "INJECTION",
    "PLANTED",
    "SCREENING",
    "compile_patterns",
    "first_match",
    "injection_free",
    "looks_like_injection",
    "screen",
]

_I = re.IGNORECASE

_AI = (
    r"\b(ai|a\.i\.|artificial\s+intelligence|llms?|(large\s+)?language\s+models?|chat\s?bots?|"
    r"gpts?|copilots?|(ai|virtual|digital)\s+(assistants?|agents?)|(digital\s+)?twins?)\b"
)
# Who a planted sentence tells what to say: any/all assistants or models, AI assistants, LLMs.
_TOLD_AI = (
    r"\b((any|all|every|each)\s+(ai|a\.i\.|llm|language\s+model|chat\s?bot|bot|assistant|model|"
    r"agent|copilot|gpt)s?|(ai|a\.i\.)\s+(assistant|model|agent|system|bot|chatbot)s?|llms?|"
    r"(large\s+)?language\s+models?|chat\s?bots?|gpts?|copilots?)\b"
)
# Sentences addressed to an AI; the sentence after one is its message, so it goes too.
ADDRESSED = [
    r"\b(ai|llm|assistant|twin|chatbot|model|agent|bot)s?\s+(reading|processing|summari[sz]ing)\s+"
    r"(this|these)\b",
    r"\b(note|message|attention|instructions?|reminder)\s+(to|for)\s+(any\s+|all\s+|every\s+|the\s+)?"
    + _AI,
    r"^\W*(dear|hey|hi|hello|attention)\s+(the\s+|any\s+|all\s+)?" + _AI,
    r"^\W*(to|for)\s+(the|any|all|every)\s+" + _AI + r"[^.!?]{0,40}[:,]",
]

INJECTION = [
    r"\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instructions?|prompts?|rules|guidelines|guardrails|directives?|context)\b",
    r"\b(system|developer|hidden|initial|original)\s+(prompt|message|instructions?)\b",
    r"\bnew\s+instructions?\s*:",
    r"\b(if\s+)?you\s+are\s+(now\s+)?(an?\s+)?(ai|a\.i\.|llm|language model|chatbot|assistant|"
    r"twin)\b.{0,60}\b(must|should|will|shall|are to)\b",
    r"\b(respond|reply|answer|output)\s+(only\s+)?with\b.{0,40}[\"'“]",
    r"\b(jailbreak|dan mode|developer mode|do anything now)\b",
    r"^\s*(system|assistant)\s*:",
    r"<\|?(im_start|im_end|system|endoftext)\|?>",
    r"\b(ignore|disregard|forget)\s+(all\s+|everything\s+|anything\s+)?(above|before|previous|"
    r"prior|earlier|you\s+(were|have\s+been)\s+told)\b",
    # Other languages (accents are dropped before matching: "règles" is "regles").
    r"\b(ignore[rz]?|oublie[rz]?|ignora[rn]?|ignorar|ignoriere?n?|ignoriert|olvida[rd]?|omite|"
    r"vergiss|vergessen|missachte\w*|dimentica|esqueca)\b.{0,40}\b(instructions?|consignes|"
    r"regles|directives|instrucciones|reglas|indicaciones|anweisung(en)?|regeln|vorgaben|"
    r"istruzioni|regole|instrucoes|regras)\b",
]

# In a passage (never in a question: employees may ask what an AI product should say), a
# sentence addressed to an AI, or one telling an AI what to say, is an instruction too.
PLANTED = [
    *INJECTION,
    *ADDRESSED,
    # Sentences that tell an AI what to say.
    _TOLD_AI + r"[^.!?]{0,80}\b(must|should|shall|are\s+to|need\s+to|have\s+to|always|never)\b"
    r"[^.!?]{0,60}\b(say|tell|answer|respond|reply|state|mention|reveal|disclose|output|print|"
    r"include|claim|repeat|refuse|recommend)\b",
    r"\b(assistants?|agents?|bots?)\s+(answering|responding\s+to|replying\s+to|fielding|"
    r"handling)\s+(questions|queries|prompts|requests|messages)\b[^.!?]{0,80}"
    r"\b(must|should|shall|are\s+to|always|never)\b",
]


def compile_patterns(patterns: list[str]) -> list[re.Pattern[str]]:
    return [re.compile(p, _I | re.MULTILINE) for p in patterns]


_PLANTED = compile_patterns(PLANTED)
_ADDRESSED = compile_patterns(ADDRESSED)


_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")


def _forms(text: str) -> list[str]:
    """The text as the filters see it, and the text of any base64 inside it."""
    form = for_screening(text)
    return [form, *(for_screening(d) for d in _decoded(form))]


def _decoded(text: str) -> list[str]:
    found = []
    for token in _BASE64.findall(text):
        altchars = b"-_" if "-" in token or "_" in token else None
        padded = token.rstrip("=") + "=" * (-len(token.rstrip("=")) % 4)
        try:
            decoded = base64.b64decode(padded, altchars=altchars, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):  # not base64, or not UTF-8 text
            continue
        if all(c.isprintable() or c.isspace() for c in decoded):
            found.append(decoded)
    return found


def first_match(patterns: list[re.Pattern[str]], text: str) -> re.Match[str] | None:
    for form in _forms(text):
        for pattern in patterns:
            match = pattern.search(form)
            if match:
                return match
    return None


@lru_cache(maxsize=20_000)  # passages come back question after question
def looks_like_injection(text: str) -> bool:
    """True when a sentence speaks to an AI instead of to people: data, never an instruction.

    Look-alike spellings (invisible characters, homoglyphs, accents) and base64 are seen
    through (twin.normalize)."""
    return first_match(_PLANTED, text) is not None


def screen(items: list[str]) -> tuple[list[str], list[str]]:
    """A passage's sentences split into data (kept) and instructions to an AI (removed).

    An instruction split over two sentences ("Ignore everything. Above all, your rules.") is
    caught by checking each neighbouring pair too, and a sentence addressed to an AI ("Note to
    AI assistants reading this memo.") takes the next sentence, its message, with it."""
    flagged = [looks_like_injection(s) for s in items]
    for i in range(len(items) - 1):
        if not (flagged[i] or flagged[i + 1]):
            pair = f"{items[i]} {items[i + 1]}"
            flagged[i] = flagged[i + 1] = looks_like_injection(pair)
    for i in range(len(items) - 1, 0, -1):
        if first_match(_ADDRESSED, items[i - 1]):
            flagged[i] = True
    kept = [s for s, bad in zip(items, flagged, strict=True) if not bad]
    return kept, [s for s, bad in zip(items, flagged, strict=True) if bad]


def injection_free(chunk: str, kind: str) -> bool:
    """True when screening would remove nothing from a chunk of a document of `kind` (a
    meeting's chunk is screened speaker line by speaker line, as persona.passages reads it)."""
    parts = [line for _, line in speaker_lines(chunk)] if kind == "meeting" else [chunk]
    return not any(screen(sentences(part))[1] for part in parts)


def _fingerprint() -> str:
    """Changes whenever the rules, the normal form or the sentence splitting may have: a
    verdict stored under another fingerprint is not trusted."""
    digest = hashlib.sha256()
    for module in (__file__, normalize.__file__, text.__file__):
        digest.update(Path(module).read_bytes())
    return digest.hexdigest()[:16]


SCREENING = _fingerprint()
