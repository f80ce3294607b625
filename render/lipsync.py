"""Measuring a photo avatar's clip: does the mouth follow the speech, is the rest the photo?

- Lip-sync: the landmark detector that built the pack finds the mouth opening in every decoded
  frame; its Pearson correlation with the opening the mouth-shape track asks for (on a shape's
  first frame, midway from the previous shape, as the renderer draws it) should be high.
- Identity: outside the head's ellipse (and the badge), each frame is compared with the photo by
  SSIM (scikit-image), averaged over that region.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from render.landmarks import detect_face
from render.photo_warp import VISEMES

__all__ = [
    "decode_frames",
    "expected_opening",
    "identity_ssim",
    "measured_opening",
    "pearson",
]


def decode_frames(clip: Path, size: int) -> np.ndarray:
    """Every frame of an MP4 as (n, size, size, 3) RGB, decoded by ffmpeg."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(clip)]
    command += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = subprocess.run(command, capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, size, size, 3)


def expected_opening(shapes: list[str]) -> np.ndarray:
    """The inner-lip gap (fraction of mouth width) each frame shows, as the renderer draws it."""
    gaps = np.array([VISEMES[s].gap for s in shapes], dtype=float)
    out = gaps.copy()
    changed = np.flatnonzero(np.array(shapes[1:]) != np.array(shapes[:-1])) + 1
    out[changed] = (gaps[changed] + gaps[changed - 1]) / 2
    return out


def measured_opening(frames: np.ndarray) -> np.ndarray:
    """The mouth opening the landmark detector finds per frame (NaN where it finds no face)."""
    values = []
    for frame in frames:
        marks = detect_face(frame)
        values.append(marks.mouth_opening if marks is not None else np.nan)
    return np.array(values)


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation over the frames where both are known."""
    known = np.isfinite(a) & np.isfinite(b)
    if known.sum() < 3 or np.std(a[known]) == 0 or np.std(b[known]) == 0:
        return float("nan")
    return float(np.corrcoef(a[known], b[known])[0, 1])


def identity_ssim(frames: np.ndarray, photo: np.ndarray, outside: np.ndarray) -> np.ndarray:
    """Per frame: the mean SSIM with `photo` over the pixels where `outside` is true."""
    from skimage.metrics import structural_similarity

    photo_grey = _grey(photo)
    scores = []
    for frame in frames:
        _, full = structural_similarity(_grey(frame), photo_grey, data_range=255.0, full=True)
        scores.append(float(full[outside].mean()))
    return np.array(scores)


def _grey(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
