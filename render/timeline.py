"""What each frame of a clip shows, planned from the speech before any pixel is drawn."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from render.motion import blink_starts, eye_states, head_offsets
from render.overlays import Cue, caption_cues
from render.tts import Speech
from render.visemes import frame_shapes, shape_spans
from twin.sections.render import RenderSettings

__all__ = ["Timeline", "head_margin", "plan_timeline"]


@dataclass
class Timeline:
    """Per frame: mouth shape, eye state and head offset (dx, dy); and the caption cues."""

    shapes: list[str]
    eyes: list[str]
    offsets: np.ndarray
    cues: list[Cue]
    fps: float

    def __len__(self) -> int:
        return len(self.shapes)


def head_margin(settings: RenderSettings) -> int:
    """The largest head offset in pixels (the stage is this much larger on each side)."""
    return math.ceil(settings.head_motion * settings.size)


def plan_timeline(speech: Speech, settings: RenderSettings, seed: int, captions: bool) -> Timeline:
    fps = settings.fps
    n_frames = max(1, round(speech.duration_s * fps))
    blinks = blink_starts(
        speech.duration_s, np.random.default_rng([seed, 1]), settings.blink_interval_s
    )
    return Timeline(
        shapes=frame_shapes(shape_spans(speech.phonemes), n_frames, fps),
        eyes=eye_states(blinks, n_frames, fps),
        offsets=head_offsets(
            n_frames, fps, head_margin(settings), np.random.default_rng([seed, 2])
        ),
        cues=caption_cues(speech.sentences, settings.size) if captions else [],
        fps=fps,
    )
