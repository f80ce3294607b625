# ruff: noqa: RUF001  (IPA phoneme symbols look like Latin letters on purpose)
"""Phonemes to mouth shapes: mapping, timing, closures, rests and no flicker."""

from __future__ import annotations

import numpy as np
import pytest

from render.tts import PhonemeSpan
from render.visemes import CLOSED, REST, SHAPES, frame_shapes, shape_of, shape_spans, smooth

FPS = 25


def spans(*items: tuple[str, float]) -> list[PhonemeSpan]:
    """Back-to-back phonemes from (symbol, duration) pairs."""
    out, t = [], 0.0
    for symbol, duration in items:
        out.append(PhonemeSpan(symbol, t, t + duration))
        t += duration
    return out


def runs(track: list[str]) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for shape in track:
        if found and found[-1][0] == shape:
            found[-1] = (shape, found[-1][1] + 1)
        else:
            found.append((shape, 1))
    return found


@pytest.mark.parametrize(
    ("phoneme", "shape"),
    [
        ("m", "A"),
        ("b", "A"),
        ("p", "A"),
        ("f", "G"),
        ("v", "G"),
        ("l", "H"),
        ("u", "F"),
        ("w", "F"),
        ("ɑ", "D"),
        ("æ", "C"),
        ("s", "B"),
        ("i", "B"),
        ("ɔ", "E"),
        (".", "X"),
        ("^", "X"),
        ("$", "X"),
        (",", "X"),
    ],
)
def test_phonemes_map_to_preston_blair_shapes(phoneme: str, shape: str) -> None:
    assert shape_of(phoneme) == shape


def test_modifiers_and_word_gaps_have_no_shape_of_their_own() -> None:
    assert shape_of("ˈ") is None
    assert shape_of("ː") is None
    assert shape_of(" ") is None


def test_stress_joins_the_next_sound_and_length_the_one_before() -> None:
    result = shape_spans(spans(("b", 0.05), ("ˈ", 0.06), ("ɑ", 0.1), ("ː", 0.04), ("$", 0.1)))
    assert [s.shape for s in result] == ["A", "D", "X"]
    assert result[1].start == pytest.approx(0.05)  # from the stress mark
    assert result[1].end == pytest.approx(0.25)  # through the length mark
    assert result[0].closure


def test_short_word_gap_holds_the_mouth_and_long_gap_rests() -> None:
    short = shape_spans(spans(("s", 0.1), (" ", 0.05), ("ɑ", 0.1)))
    assert [s.shape for s in short] == ["B", "D"]
    long = shape_spans(spans(("s", 0.1), (" ", 0.3), ("ɑ", 0.1)))
    assert [s.shape for s in long] == ["B", "X", "D"]


def test_a_closure_shorter_than_a_frame_still_shows() -> None:
    # /b/ lasts 20 ms and holds no frame centre (frames are 40 ms; centres at 20, 60, 100 ms).
    phonemes = spans(("ɑ", 0.025), ("b", 0.02), ("ɑ", 0.2))
    track = frame_shapes(shape_spans(phonemes), 6, FPS)
    assert CLOSED in track[:2]


def test_shapes_change_within_a_frame_of_the_audio() -> None:
    phonemes = spans(("^", 0.2), ("m", 0.12), ("ɑ", 0.2), ("p", 0.12), (".", 0.3))
    track = frame_shapes(shape_spans(phonemes), 24, FPS)
    for p in phonemes:
        inside = [i for i in range(24) if p.start <= (i + 0.5) / FPS < p.end]
        assert inside, p
        assert all(track[i] == shape_of(p.phoneme) for i in inside), (p, track)


def test_smoothing_leaves_no_single_frame_shape_except_closures() -> None:
    rng = np.random.default_rng(7)
    for _ in range(300):
        track = list(rng.choice(list(SHAPES), size=int(rng.integers(1, 60))))
        smoothed = smooth(track)
        assert len(smoothed) == len(track)
        if len(runs(smoothed)) > 1:
            assert all(n >= 2 or shape == CLOSED for shape, n in runs(smoothed)), smoothed


def test_smoothing_keeps_every_closure_visible() -> None:
    rng = np.random.default_rng(11)
    for _ in range(300):
        track = list(rng.choice(list(SHAPES), size=int(rng.integers(2, 60))))
        smoothed = smooth(track)
        for i, shape in enumerate(track):
            if shape == CLOSED:
                assert CLOSED in smoothed[max(i - 1, 0) : i + 2], (track, smoothed)


def test_single_frame_flicker_takes_a_frame_from_a_long_neighbour() -> None:
    assert smooth(list("BBBBCDDDD")) in (list("BBBCCDDDD"), list("BBBBCCDDD"))
    assert smooth(list("XXXXAAAXXX")) == list("XXXXAAAXXX")  # closures may be short


def test_pauses_are_rest() -> None:
    phonemes = spans(("^", 0.1), ("s", 0.2), (",", 0.4), ("s", 0.2), ("$", 0.1))
    track = frame_shapes(shape_spans(phonemes), 25, FPS)
    pause = phonemes[2]
    inner = [i for i in range(25) if pause.start + 1 / FPS <= (i + 0.5) / FPS < pause.end - 1 / FPS]
    assert inner
    assert all(track[i] == REST for i in inner)
