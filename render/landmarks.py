"""Face landmarks: MediaPipe Face Mesh (468 points + 10 iris points), on the CPU.

The model files (face detection and face landmark TFLite models, Apache-2.0) ship inside the
`mediapipe` wheel (the `avatar` extra), so nothing is downloaded. One detector per process,
behind a lock: building the pack and measuring lip-sync both use it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "CHIN",
    "FACE_OVAL",
    "LEFT_EYE_LOWER",
    "LEFT_EYE_UPPER",
    "LIPS_INNER_LOWER",
    "LIPS_INNER_UPPER",
    "LIPS_OUTER_LOWER",
    "LIPS_OUTER_UPPER",
    "RIGHT_EYE_LOWER",
    "RIGHT_EYE_UPPER",
    "FaceLandmarks",
    "LandmarksUnavailable",
    "detect_face",
]

# Face Mesh indices (the subject's right side is the image's left).
LIPS_OUTER_UPPER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
LIPS_OUTER_LOWER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)
LIPS_INNER_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LIPS_INNER_LOWER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
LEFT_EYE_UPPER = (33, 246, 161, 160, 159, 158, 157, 173, 133)
LEFT_EYE_LOWER = (33, 7, 163, 144, 145, 153, 154, 155, 133)
RIGHT_EYE_UPPER = (263, 466, 388, 387, 386, 385, 384, 398, 362)
RIGHT_EYE_LOWER = (263, 249, 390, 373, 374, 380, 381, 382, 362)
FACE_OVAL = (
    10,
    338,
    297,
    332,
    284,
    251,
    389,
    356,
    454,
    323,
    361,
    288,
    397,
    365,
    379,
    378,
    400,
    377,
    152,
    148,
    176,
    149,
    150,
    136,
    172,
    58,
    132,
    93,
    234,
    127,
    162,
    21,
    54,
    103,
    67,
    109,
)
CHIN = 152
NOSE = (1, 2, 4, 5, 98, 327, 168, 6, 197, 195)
BROWS = (70, 63, 105, 66, 107, 336, 296, 334, 293, 300)


class LandmarksUnavailable(RuntimeError):
    """The landmark model is not installed (the `avatar` extra)."""


@dataclass(frozen=True)
class FaceLandmarks:
    """478 (x, y) points in pixels of the image they were found in."""

    points: np.ndarray

    def __getitem__(self, index: int | tuple[int, ...]) -> np.ndarray:
        return self.points[list(index) if isinstance(index, tuple) else index]

    @property
    def eye_distance(self) -> float:
        """Outer eye corner to outer eye corner: the face's scale."""
        return float(np.linalg.norm(self.points[33] - self.points[263]))

    @property
    def mouth_width(self) -> float:
        return float(np.linalg.norm(self.points[61] - self.points[291]))

    @property
    def mouth_opening(self) -> float:
        """The gap between the inner lips at the middle three columns, over the eye distance."""
        upper, lower = self.points[[81, 13, 311]], self.points[[178, 14, 402]]
        gap = np.maximum(lower[:, 1] - upper[:, 1], 0).mean()
        return float(gap / self.eye_distance)

    def scaled(self, factor: float, offset: tuple[float, float] = (0, 0)) -> FaceLandmarks:
        return FaceLandmarks((self.points - np.asarray(offset)) * factor)


_lock = threading.Lock()
_mesh: Any = None
_first = True


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence the C++ log lines TFLite and MediaPipe print while loading (file descriptor 2)."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _face_mesh() -> Any:
    global _mesh
    if _mesh is None:
        os.environ.setdefault("GLOG_minloglevel", "2")  # mediapipe's C++ logs on stderr
        try:
            from mediapipe.python.solutions import face_mesh
        except ImportError as exc:
            raise LandmarksUnavailable(
                f"face landmarks need the mediapipe package: install ceo-twin[avatar] ({exc})"
            ) from None
        _mesh = face_mesh.FaceMesh(
            static_image_mode=True,
            max_num_faces=1,
            refine_landmarks=True,
            min_detection_confidence=0.5,
        )
    return _mesh


def detect_face(rgb: np.ndarray) -> FaceLandmarks | None:
    """The landmarks of the most prominent face in an (H, W, 3) uint8 RGB image, or None."""
    global _first
    image = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
    with _lock:
        if _first:  # loading logs on the first call
            with _quiet_stderr():
                result = _face_mesh().process(image)
            _first = False
        else:
            result = _face_mesh().process(image)
    if not result.multi_face_landmarks:
        return None
    height, width = image.shape[:2]
    marks = result.multi_face_landmarks[0].landmark
    points = np.array([[p.x * width, p.y * height] for p in marks], dtype=np.float64)
    return FaceLandmarks(points)
