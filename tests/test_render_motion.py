"""Idle motion: blink timing and the head's drift."""

from __future__ import annotations

import numpy as np
import pytest

from render.motion import blink_starts, eye_states, head_offsets

FPS = 25


@pytest.mark.parametrize("seed", range(5))
def test_blinks_come_every_three_to_six_seconds(seed: int) -> None:
    starts = blink_starts(120.0, np.random.default_rng(seed), (3.0, 6.0))
    gaps = np.diff(starts)
    assert len(starts) >= 120 / 6 - 1
    assert gaps.min() >= 3.0
    assert gaps.max() <= 6.0
    assert starts[0] <= 3.0  # a short clip still blinks


def test_a_blink_closes_then_opens_over_a_few_frames() -> None:
    states = eye_states([1.0], 50, FPS)
    blink = [s for s in states if s != "open"]
    assert blink[0] == "half" and blink[-1] == "half" and "closed" in blink
    assert 3 <= len(blink) <= 6  # 120-240 ms at 25 fps
    first = states.index("half")
    assert first == 25


def test_head_drift_is_slight_and_smooth() -> None:
    offsets = head_offsets(60 * FPS, FPS, 6, np.random.default_rng(3))
    assert offsets.shape == (60 * FPS, 2)
    assert np.abs(offsets).max() <= 6
    assert np.abs(offsets).max() >= 2  # it does move
    assert np.abs(np.diff(offsets, axis=0)).max() <= 1  # at most a pixel per frame


def test_no_motion_when_turned_off() -> None:
    assert not head_offsets(100, FPS, 0, np.random.default_rng(1)).any()
