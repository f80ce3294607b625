# ruff: noqa: RUF001  (IPA phoneme symbols look like Latin letters on purpose)
"""Phonemes to mouth shapes, one per video frame.

The nine shapes are Preston Blair's as Rhubarb Lip Sync names them:
A closed (M, B, P), B teeth together (most consonants, EE), C open (EH, AE), D wide open (AA),
E slightly rounded (AO, ER), F puckered (OO, W), G teeth on lip (F, V), H tongue up (L),
X rest (pauses). Piper speaks espeak IPA; each phoneme maps to one shape.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

from render.tts import PhonemeSpan

__all__ = [
    "CLOSED",
    "REST",
    "SHAPES",
    "ShapeSpan",
    "frame_shapes",
    "shape_of",
    "shape_spans",
    "smooth",
]

SHAPES = "ABCDEFGHX"
CLOSED = "A"
REST = "X"
BILABIALS = frozenset("mbpɱ")
#: A word gap at least this long is a pause (rest); shorter ones keep the mouth as it was.
LONG_GAP_S = 0.15
MIN_FRAMES = 2

_GROUPS = {
    "A": "mbpɱ",
    "B": "tdnszkɡgŋjiɪʃʒθðhçxʔɾɨᵻʝcɟqɢɣχʁħʕɦ",
    "C": "ɛæeəɐʌ",
    "D": "ɑaɒä",
    "E": "ɔɜɚɝoɹrɻɞɘɵ",
    "F": "uʊwʍɥyøœʏɯ",
    "G": "fvɸβ",
    "H": "lɫɬɮʎʟ",
    "X": "^$_.,;:!?…—-\"'()",
}
_SHAPE = {symbol: shape for shape, symbols in _GROUPS.items() for symbol in symbols}
_STRESS = frozenset("ˈˌ")
_LENGTH = frozenset("ːˑ͡")


@dataclass
class ShapeSpan:
    shape: str
    start: float
    end: float
    closure: bool = False


def shape_of(phoneme: str) -> str | None:
    """The mouth shape of one phoneme; None for a word gap or a modifier (no shape of its own)."""
    if phoneme in _SHAPE:
        return _SHAPE[phoneme]
    if phoneme.isspace() or phoneme in _STRESS or phoneme in _LENGTH:
        return None
    if unicodedata.combining(phoneme):
        return None
    return "B" if phoneme.isalpha() else REST


def shape_spans(phonemes: list[PhonemeSpan]) -> list[ShapeSpan]:
    """Timed shapes: stress marks join the next sound, length marks the one before, short word
    gaps extend the sound before them and long ones rest."""
    spans: list[ShapeSpan] = []
    pending_start: float | None = None
    for p in phonemes:
        shape = shape_of(p.phoneme)
        if p.phoneme in _STRESS:
            pending_start = p.start if pending_start is None else pending_start
        elif shape is None and spans and (not p.phoneme.isspace() or _short(p)):
            spans[-1].end = p.end
        else:
            start = p.start if pending_start is None else pending_start
            spans.append(ShapeSpan(shape or REST, start, p.end, p.phoneme in BILABIALS))
            pending_start = None
    if pending_start is not None and spans:
        spans[-1].end = phonemes[-1].end
    return spans


def _short(p: PhonemeSpan) -> bool:
    return p.end - p.start < LONG_GAP_S


def frame_shapes(spans: list[ShapeSpan], n_frames: int, fps: float) -> list[str]:
    """One shape per frame, sampled at frame centres, with every closure (M/B/P) kept visible
    for at least one frame and no other shape held for fewer than two frames."""
    track = [REST] * n_frames
    for span in spans:
        first, stop = _centre_index(span.start, fps), _centre_index(span.end, fps)
        for i in range(max(first, 0), min(stop, n_frames)):
            track[i] = span.shape
    for span in spans:
        if span.closure and _centre_index(span.start, fps) >= _centre_index(span.end, fps):
            # A closure shorter than a frame: show it on the frame it falls in.
            i = min(max(int((span.start + span.end) / 2 * fps), 0), n_frames - 1)
            track[i] = CLOSED
    return smooth(track)


def _centre_index(t: float, fps: float) -> int:
    """The first frame whose centre is at or after time t."""
    return math.ceil(t * fps - 0.5)


def smooth(track: list[str], min_frames: int = MIN_FRAMES) -> list[str]:
    """Remove flicker: a shape other than closed lasting under `min_frames` takes frames from an
    open neighbour that can spare them, or else becomes its neighbour's shape."""
    runs = _runs(track)
    while True:
        short = [i for i, (shape, n) in enumerate(runs) if n < min_frames and shape != CLOSED]
        if not short or len(runs) == 1:
            break
        _fix(runs, short[0], min_frames)
        runs = _merge_equal(runs)
    return [shape for shape, n in runs for _ in range(n)]


def _runs(track: list[str]) -> list[list]:
    runs: list[list] = []
    for shape in track:
        if runs and runs[-1][0] == shape:
            runs[-1][1] += 1
        else:
            runs.append([shape, 1])
    return runs


def _merge_equal(runs: list[list]) -> list[list]:
    merged: list[list] = []
    for shape, n in runs:
        if merged and merged[-1][0] == shape:
            merged[-1][1] += n
        else:
            merged.append([shape, n])
    return merged


def _fix(runs: list[list], i: int, min_frames: int) -> None:
    need = min_frames - runs[i][1]
    neighbours = sorted(
        (j for j in (i - 1, i + 1) if 0 <= j < len(runs)), key=lambda j: -runs[j][1]
    )
    for j in neighbours:
        # Closures never give frames away: each M/B/P keeps every frame it was given.
        if runs[j][0] != CLOSED and runs[j][1] - need >= min_frames:
            runs[j][1] -= need
            runs[i][1] += need
            return
    open_neighbours = [j for j in neighbours if runs[j][0] != CLOSED]
    runs[i][0] = runs[(open_neighbours or neighbours)[0]][0]
