# ruff: noqa: RUF001  (IPA phoneme symbols look like Latin letters on purpose)
"""Rough phonemes from spelling, for backends whose model gives no phoneme timings.

English spelling to an IPA-like symbol per sound is crude, but mouth shapes need only the broad
class of each sound (lips closed, teeth on lip, rounded, open...), which spelling mostly shows.
"""

from __future__ import annotations

import numpy as np

from render.tts import PhonemeSpan

__all__ = ["rough_phonemes", "spread_phonemes", "voiced_bounds"]

_DIGRAPHS = {
    "th": ["θ"],
    "sh": ["ʃ"],
    "ch": ["t", "ʃ"],
    "ph": ["f"],
    "wh": ["w"],
    "ng": ["ŋ"],
    "ck": ["k"],
    "qu": ["k", "w"],
    "ee": ["i"],
    "ea": ["i"],
    "oo": ["u"],
    "ou": ["a", "ʊ"],
    "ow": ["o", "ʊ"],
    "oa": ["o"],
    "ai": ["e", "ɪ"],
    "ay": ["e", "ɪ"],
    "oi": ["ɔ", "ɪ"],
    "oy": ["ɔ", "ɪ"],
    "au": ["ɔ"],
    "aw": ["ɔ"],
    "er": ["ɚ"],
    "ir": ["ɚ"],
    "ur": ["ɚ"],
    "or": ["ɔ", "ɹ"],
    "ar": ["ɑ", "ɹ"],
}
_LETTERS = {
    "a": ["æ"],
    "e": ["ɛ"],
    "i": ["ɪ"],
    "o": ["ɑ"],
    "u": ["ʌ"],
    "y": ["i"],
    "c": ["k"],
    "q": ["k"],
    "x": ["k", "s"],
    "j": ["d", "ʒ"],
    "g": ["ɡ"],
    "r": ["ɹ"],
}
_PAUSES = set(".,;:!?…—-")
VOWELS = set("aeiouæɛɪɑʌɔəɚʊɐ")


def rough_phonemes(text: str) -> list[str]:
    """Spelling to a flat list of IPA-like symbols; " " between words, punctuation kept."""
    symbols: list[str] = []
    word = text.lower()
    i = 0
    while i < len(word):
        pair, char = word[i : i + 2], word[i]
        if pair in _DIGRAPHS:
            symbols.extend(_DIGRAPHS[pair])
            i += 2
            continue
        if char.isalpha():
            if i == 0 or word[i - 1] != char:  # a doubled letter is one sound
                symbols.extend(_LETTERS.get(char, [char]))
        elif char.isspace() and symbols and symbols[-1] != " ":
            symbols.append(" ")
        elif char in _PAUSES:
            symbols.append(char)
        i += 1
    return symbols


def _weight(symbol: str) -> float:
    if symbol in _PAUSES:
        return 2.5
    if symbol == " ":
        return 0.5
    return 1.4 if symbol in VOWELS else 1.0


def spread_phonemes(symbols: list[str], start: float, end: float) -> list[PhonemeSpan]:
    """Give each symbol a share of [start, end] by its kind (vowels longer, pauses longest)."""
    weights = np.array([_weight(s) for s in symbols], dtype=float)
    if not len(weights):
        return []
    edges = start + np.concatenate([[0], np.cumsum(weights)]) * ((end - start) / weights.sum())
    return [
        PhonemeSpan(s, float(a), float(b))
        for s, a, b in zip(symbols, edges[:-1], edges[1:], strict=True)
    ]


def voiced_bounds(audio: np.ndarray, rate: int, threshold: float = 0.02) -> tuple[float, float]:
    """Start and end (seconds) of the audio between its leading and trailing silence."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if not len(loud):
        return 0.0, len(audio) / rate
    return loud[0] / rate, (loud[-1] + 1) / rate
