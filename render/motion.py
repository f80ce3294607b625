"""Idle motion: eye blinks at human intervals and a slow, slight drift of the head."""

from __future__ import annotations

import numpy as np

__all__ = ["OPEN", "blink_starts", "eye_states", "head_offsets"]

OPEN, HALF, CLOSED = "open", "half", "closed"
# A blink: lids half-way, shut, half-way again (about 40 + 80 + 80 ms).
_BLINK_PHASES = ((HALF, 0.04), (CLOSED, 0.08), (HALF, 0.08))


def blink_starts(
    duration_s: float, rng: np.random.Generator, interval_s: tuple[float, float] = (3.0, 6.0)
) -> list[float]:
    """Blink start times: the first early in the clip, then every `interval_s` (uniform)."""
    low, high = interval_s
    starts = []
    t = rng.uniform(0.5, min(high, max(low, 2.5)))
    while t < duration_s - 0.25:
        starts.append(float(t))
        t += rng.uniform(low, high)
    return starts


def eye_states(starts: list[float], n_frames: int, fps: float) -> list[str]:
    """The eye state of each frame; every phase of a blink lasts at least one frame."""
    states = [OPEN] * n_frames
    for start in starts:
        i = round(start * fps)
        for state, seconds in _BLINK_PHASES:
            for _ in range(max(1, round(seconds * fps))):
                if i < n_frames:
                    states[i] = state
                i += 1
    return states


def head_offsets(
    n_frames: int, fps: float, amplitude_px: float, rng: np.random.Generator
) -> np.ndarray:
    """Whole-pixel (dx, dy) per frame: two slow sine waves per axis with random phases, so
    the head sways gently and never repeats exactly. Shape (n_frames, 2), |value| <= amplitude."""
    if amplitude_px < 1 or n_frames == 0:
        return np.zeros((n_frames, 2), dtype=int)
    t = np.arange(n_frames) / fps
    axes = []
    for _axis in range(2):
        periods = rng.uniform(3.5, 9.0, size=2)
        phases = rng.uniform(0, 2 * np.pi, size=2)
        wave = sum(np.sin(2 * np.pi * t / p + ph) for p, ph in zip(periods, phases, strict=True))
        axes.append(np.round(wave / 2 * amplitude_px))
    return np.stack(axes, axis=1).astype(int)
