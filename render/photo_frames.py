"""Frames of a photo avatar: the photo, a warped mouth and lids, and a gently moving head.

Everything per shape is prepared once per size: the photo as I420 planes and each mouth shape
and eye state as a patch of those planes (on even pixels, so chroma lines up). A frame copies the
photo, pastes the mouth (on the first frame of a new shape, the average of the old and new one,
so the lips move through a midway position instead of jumping) and the lids, then moves the head:
a remap of the head's box by the frame's offset, weighted by an ellipse around the face that
falls to zero before the box's edge. Nothing outside that ellipse ever changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from PIL import Image

from render.avatar import AvatarPack, Layer
from render.errors import AvatarPackError
from render.face import FaceRenderer
from render.frames import _Block, _chroma, _copy, _luma, _overlay_block, _stage, yuv420_to_rgb
from render.motion import OPEN
from render.overlays import badge_patch
from render.timeline import Timeline

__all__ = ["HEAD_MOTION_SCALE", "PhotoCompositor", "head_weight"]

#: A photo's head moves less than an illustration's (it is warped, not shifted whole).
HEAD_MOTION_SCALE = 0.6
_INNER, _OUTER = 0.85, 1.3  # the head weight is 1 inside INNER radii, 0 beyond OUTER


@dataclass
class _Planes:
    """An even-aligned box of I420 planes at (x, y) of the frame."""

    x: int
    y: int
    luma: np.ndarray
    u: np.ndarray
    v: np.ndarray

    def mix(self, other: _Planes) -> _Planes:
        def mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return ((a.astype(np.uint16) + b + 1) // 2).astype(np.uint8)

        return _Planes(
            self.x,
            self.y,
            mean(self.luma, other.luma),
            mean(self.u, other.u),
            mean(self.v, other.v),
        )


def head_weight(
    manifest: dict[str, Any], scale: float, crop: tuple[int, int], size: int
) -> np.ndarray:
    """Per pixel of the frame, how much it moves with the head (0..1)."""
    head = manifest.get("head")
    try:
        (cx, cy), (rx, ry) = head["centre"], head["radii"]  # type: ignore[index]
    except (TypeError, KeyError, ValueError):
        raise AvatarPackError(
            f"photo avatar manifest: 'head' must be {{centre, radii}}, not {head!r}"
        ) from None
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    r = np.hypot(
        (xs - (cx * scale - crop[0])) / (rx * scale), (ys - (cy * scale - crop[1])) / (ry * scale)
    )
    t = np.clip((r - _INNER) / (_OUTER - _INNER), 0, 1)
    return 1 - t * t * (3 - 2 * t)


class PhotoCompositor(FaceRenderer):
    kind = "photo"

    def __init__(self, pack: AvatarPack, size: int, margin: int) -> None:
        super().__init__(pack, size, margin)
        self.stage_rgb, scale, crop = _stage(pack.portrait, size)
        self.base = _planes(self.stage_rgb, 0, 0)
        self.mouths = {k: self._layer(v, scale, crop) for k, v in pack.mouths.items()}
        self.eyes = {k: self._layer(v, scale, crop) for k, v in pack.eyes.items()}
        self.badge = _overlay_block(badge_patch(size))
        self.weight = head_weight(pack.manifest, scale, crop, size)
        self._head_box(self.weight)
        self._buffer = np.empty(size * size * 3 // 2, dtype=np.uint8)
        quarter = size * size // 4
        self._y = self._buffer[: size * size].reshape(size, size)
        self._u = self._buffer[size * size : size * size + quarter].reshape(size // 2, size // 2)
        self._v = self._buffer[size * size + quarter :].reshape(size // 2, size // 2)
        self._mixed: dict[tuple[str, str], _Planes] = {}

    def _layer(self, layer: Layer, scale: float, crop: tuple[int, int]) -> _Planes:
        width, height = (max(1, round(v * scale)) for v in layer.image.size)
        x, y = (
            round(layer.position[0] * scale) - crop[0],
            round(layer.position[1] * scale) - crop[1],
        )
        x0, y0 = max(x & ~1, 0), max(y & ~1, 0)
        x1 = min((x + width + 1) & ~1, self.size)
        y1 = min((y + height + 1) & ~1, self.size)
        base = Image.fromarray(self.stage_rgb[y0:y1, x0:x1]).convert("RGBA")
        scaled = layer.image.convert("RGBa").resize((width, height), Image.Resampling.LANCZOS)
        base.alpha_composite(scaled.convert("RGBA"), (x - x0, y - y0))
        return _planes(np.asarray(base.convert("RGB")), x0, y0)

    def _head_box(self, weight: np.ndarray) -> None:
        rows, cols = np.nonzero(weight > 1e-4)
        if len(rows) == 0:
            self.box = None
            return
        x0, y0 = cols.min() & ~1, rows.min() & ~1
        x1, y1 = min((cols.max() + 2) & ~1, self.size), min((rows.max() + 2) & ~1, self.size)
        self.box = (x0, y0, x1, y1)
        ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        self._grid = (xs - x0, ys - y0, weight[y0:y1, x0:x1])
        half_w = cv2.resize(
            weight[y0:y1, x0:x1], ((x1 - x0) // 2, (y1 - y0) // 2), interpolation=cv2.INTER_AREA
        )
        hy, hx = np.mgrid[0 : half_w.shape[0], 0 : half_w.shape[1]].astype(np.float32)
        self._half_grid = (hx, hy, half_w)

    def frame(
        self,
        shape: str,
        eyes: str,
        offset: tuple[float, float],
        caption: _Block | None = None,
        previous: str | None = None,
    ) -> np.ndarray:
        """The frame as a flat I420 buffer (reused by the next call)."""
        self._y[:], self._u[:], self._v[:] = self.base.luma, self.base.u, self.base.v
        mouth = self.mouths[shape]
        if previous is not None and previous != shape:
            key = (previous, shape) if previous < shape else (shape, previous)
            if key not in self._mixed:
                self._mixed[key] = self.mouths[key[0]].mix(self.mouths[key[1]])
            mouth = self._mixed[key]
        self._paste(mouth)
        if eyes != OPEN:
            self._paste(self.eyes[eyes])
        dx, dy = (float(v) * HEAD_MOTION_SCALE for v in offset)
        if (dx or dy) and self.box is not None:
            self._move_head(dx, dy)
        for block in (caption, self.badge):
            if block is not None:
                cx, cy, u, v = block.chroma[(0, 0)]
                _copy(self._y, block.luma, block.x, block.y)
                _copy(self._u, u, cx, cy)
                _copy(self._v, v, cx, cy)
        return self._buffer

    def _paste(self, planes: _Planes) -> None:
        _copy(self._y, planes.luma, planes.x, planes.y)
        _copy(self._u, planes.u, planes.x // 2, planes.y // 2)
        _copy(self._v, planes.v, planes.x // 2, planes.y // 2)

    def _move_head(self, dx: float, dy: float) -> None:
        x0, y0, x1, y1 = self.box  # type: ignore[misc]
        _remap(self._y[y0:y1, x0:x1], self._grid, dx, dy)
        for plane in (self._u, self._v):
            _remap(plane[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2], self._half_grid, dx / 2, dy / 2)

    def frames(self, timeline: Timeline) -> Iterator[np.ndarray]:
        from render.frames import _CueLookup

        cues = _CueLookup(timeline.cues, self.size)
        previous: str | None = None
        for i, (shape, eyes) in enumerate(zip(timeline.shapes, timeline.eyes, strict=True)):
            dx, dy = timeline.offsets[i]
            caption = cues.at((i + 0.5) / timeline.fps)
            yield self.frame(shape, eyes, (dx, dy), caption, previous)
            previous = shape

    def frame_rgb(
        self, shape: str = "X", eyes: str = OPEN, offset: tuple[int, int] = (0, 0)
    ) -> np.ndarray:
        return yuv420_to_rgb(self.frame(shape, eyes, offset).copy(), self.size, self.size)


def _remap(plane: np.ndarray, grid: tuple[np.ndarray, ...], dx: float, dy: float) -> None:
    """Move `plane` in place: each pixel by (dx, dy) times its head weight."""
    xs, ys, weight = grid
    map_x = cv2.scaleAdd(weight, -dx, xs)
    map_y = cv2.scaleAdd(weight, -dy, ys)
    plane[:] = cv2.remap(plane, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _planes(rgb: np.ndarray, x: int, y: int) -> _Planes:
    u, v = _chroma(rgb)
    return _Planes(x, y, _luma(rgb), u, v)
