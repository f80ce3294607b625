"""Avatar frames, composed cheaply, straight in the encoder's pixel format.

Everything that does not change is composed once: the portrait is scaled onto a "stage" a few
pixels larger than the frame, and each mouth shape and eye state becomes an opaque patch of the
stage with that layer drawn in. A frame is a window of the stage shifted by the head offset, with
the mouth and eye patches, the caption band and the badge copied in: a few array copies.

Frames are YUV 4:2:0 (BT.709, limited range), the format x264 encodes, converted once here
instead of by ffmpeg on every frame (that conversion cost more than the rest of the frame work).
Chroma has half the resolution, so the stage and each patch keep one chroma version per parity
of the window's position: an odd head offset then still lines up exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image

from render.avatar import AvatarPack, Layer
from render.face import FaceRenderer
from render.motion import OPEN
from render.overlays import Cue, Patch, badge_patch, caption_patch
from render.timeline import Timeline

__all__ = ["Compositor", "rgb_to_yuv420", "yuv420_to_rgb"]

Parity = tuple[int, int]
PARITIES: tuple[Parity, ...] = ((0, 0), (1, 0), (0, 1), (1, 1))
# BT.709 RGB -> Y'CbCr, limited ("tv") range.
_TO_Y = np.array([0.2126, 0.7152, 0.0722]) * 219 / 255
_TO_U = np.array([-0.1146, -0.3854, 0.5]) * 224 / 255
_TO_V = np.array([0.5, -0.4542, -0.0458]) * 224 / 255


def _luma(rgb: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(rgb.astype(np.float32) @ _TO_Y + 16), 0, 255).astype(np.uint8)


def _chroma(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cb, Cr of an RGB block with even sides, one sample per 2x2 pixels."""
    height, width = rgb.shape[:2]
    mean = rgb.astype(np.float32).reshape(height // 2, 2, width // 2, 2, 3).mean(axis=(1, 3))
    u = np.clip(np.rint(mean @ _TO_U + 128), 0, 255).astype(np.uint8)
    v = np.clip(np.rint(mean @ _TO_V + 128), 0, 255).astype(np.uint8)
    return u, v


def rgb_to_yuv420(rgb: np.ndarray) -> np.ndarray:
    """An (H, W, 3) RGB image (even sides) as one I420 buffer: Y, then Cb, then Cr planes."""
    u, v = _chroma(rgb)
    return np.concatenate([_luma(rgb).ravel(), u.ravel(), v.ravel()])


def yuv420_to_rgb(buffer: np.ndarray, width: int, height: int) -> np.ndarray:
    """The inverse of rgb_to_yuv420 (chroma repeated over each 2x2 block), for previews/tests."""
    y = buffer[: width * height].reshape(height, width).astype(np.float32) - 16
    quarter = width * height // 4
    u = buffer[width * height : width * height + quarter].reshape(height // 2, width // 2)
    v = buffer[width * height + quarter :].reshape(height // 2, width // 2)
    u = np.repeat(np.repeat(u.astype(np.float32) - 128, 2, 0), 2, 1) * 255 / 224
    v = np.repeat(np.repeat(v.astype(np.float32) - 128, 2, 0), 2, 1) * 255 / 224
    y = (y * 255 / 219).astype(np.float32)
    rgb = np.stack([y + 1.5748 * v, y - 0.1873 * u - 0.4681 * v, y + 1.8556 * u], axis=-1)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


@dataclass
class _Block:
    """A patch in YUV: luma at (x, y); chroma per parity of the window origin, at (cx, cy) in
    that parity's chroma grid."""

    x: int
    y: int
    luma: np.ndarray
    chroma: dict[Parity, tuple[int, int, np.ndarray, np.ndarray]]


def _block(rgb: np.ndarray, x: int, y: int, pad: int) -> _Block:
    """`rgb` covers (x - pad, y - pad) onwards; the patch proper is `pad` pixels inside it."""
    height, width = rgb.shape[0] - 2 * pad, rgb.shape[1] - 2 * pad
    luma = _luma(rgb[pad : pad + height, pad : pad + width])
    chroma = {}
    for px, py in PARITIES:
        x0, y0 = x - (x - px) % 2, y - (y - py) % 2  # widen to that chroma grid
        x1, y1 = x + width + (x + width - px) % 2, y + height + (y + height - py) % 2
        part = rgb[y0 - y + pad : y1 - y + pad, x0 - x + pad : x1 - x + pad]
        chroma[(px, py)] = ((x0 - px) // 2, (y0 - py) // 2, *_chroma(part))
    return _Block(x, y, luma, chroma)


class Compositor(FaceRenderer):
    """Frames of a layered (illustrated) avatar; `frame()` returns an I420 buffer (reused)."""

    kind = "illustrated"

    def __init__(self, pack: AvatarPack, size: int, margin: int) -> None:
        super().__init__(pack, size, margin)
        self.stage_rgb, scale, crop = _stage(pack.portrait, size + 2 * margin + 2)
        self.luma = _luma(self.stage_rgb)
        self.chroma = {
            p: _chroma(self.stage_rgb[p[1] : -2 + p[1] or None, p[0] : -2 + p[0] or None])
            for p in PARITIES
        }
        self.mouths = {k: self._layer_block(layer, scale, crop) for k, layer in pack.mouths.items()}
        self.eyes = {k: self._layer_block(layer, scale, crop) for k, layer in pack.eyes.items()}
        self.badge = _overlay_block(badge_patch(size))
        self._buffer = np.empty(size * size * 3 // 2, dtype=np.uint8)
        quarter = size * size // 4
        self._y = self._buffer[: size * size].reshape(size, size)
        self._u = self._buffer[size * size : size * size + quarter].reshape(size // 2, size // 2)
        self._v = self._buffer[size * size + quarter :].reshape(size // 2, size // 2)

    def _layer_block(self, layer: Layer, scale: float, crop: tuple[int, int]) -> _Block:
        width, height = (max(1, round(v * scale)) for v in layer.image.size)
        x = round(layer.position[0] * scale) - crop[0] + 1  # +1: the stage's spare pixel
        y = round(layer.position[1] * scale) - crop[1] + 1
        scaled = layer.image.convert("RGBa").resize((width, height), Image.Resampling.LANCZOS)
        side = self.stage_rgb.shape[0]
        x, y = (min(max(v, 1), side - extent - 1) for v, extent in ((x, width), (y, height)))
        region = self.stage_rgb[y - 1 : y + height + 1, x - 1 : x + width + 1]
        base = Image.fromarray(region).convert("RGBA")
        base.alpha_composite(scaled.convert("RGBA"), (1, 1))
        return _block(np.asarray(base.convert("RGB")), x, y, pad=1)

    def frame(
        self, shape: str, eyes: str, offset: tuple[int, int], caption: _Block | None = None
    ) -> np.ndarray:
        """The frame as a flat I420 buffer (size*size*3/2 bytes), reused by the next call."""
        dx, dy = (int(np.clip(v, -self.margin, self.margin)) for v in offset)
        left, top = self.margin + dx + 1, self.margin + dy + 1
        size, half = self.size, self.size // 2
        parity = (left % 2, top % 2)
        u, v = self.chroma[parity]
        self._y[:] = self.luma[top : top + size, left : left + size]
        self._u[:] = u[top // 2 : top // 2 + half, left // 2 : left // 2 + half]
        self._v[:] = v[top // 2 : top // 2 + half, left // 2 : left // 2 + half]
        self._paste(self.mouths[shape], left, top, parity)
        if eyes != OPEN:
            self._paste(self.eyes[eyes], left, top, parity)
        if caption is not None:
            self._paste(caption, 0, 0, (0, 0))
        self._paste(self.badge, 0, 0, (0, 0))  # last, so nothing ever covers it
        return self._buffer

    def _paste(self, block: _Block, left: int, top: int, parity: Parity) -> None:
        _copy(self._y, block.luma, block.x - left, block.y - top)
        cx, cy, u, v = block.chroma[parity]
        _copy(self._u, u, cx - left // 2, cy - top // 2)
        _copy(self._v, v, cx - left // 2, cy - top // 2)

    def frames(self, timeline: Timeline) -> Iterator[np.ndarray]:
        cues = _CueLookup(timeline.cues, self.size)
        for i, (shape, eyes) in enumerate(zip(timeline.shapes, timeline.eyes, strict=True)):
            dx, dy = timeline.offsets[i]
            yield self.frame(shape, eyes, (int(dx), int(dy)), cues.at((i + 0.5) / timeline.fps))

    def frame_rgb(
        self, shape: str = "X", eyes: str = OPEN, offset: tuple[int, int] = (0, 0)
    ) -> np.ndarray:
        """One frame as RGB (a still or thumbnail)."""
        return yuv420_to_rgb(self.frame(shape, eyes, offset).copy(), self.size, self.size)


def _overlay_block(patch: Patch) -> _Block:
    """A frame-fixed patch (badge, caption band), cut to even sides on even coordinates."""
    height, width = patch.pixels.shape[0] & ~1, patch.pixels.shape[1] & ~1
    x, y = patch.x & ~1, patch.y & ~1
    pixels = patch.pixels[:height, :width]
    u, v = _chroma(pixels)
    return _Block(x, y, _luma(pixels), {(0, 0): (x // 2, y // 2, u, v)})


def _stage(portrait: Image.Image, side: int) -> tuple[np.ndarray, float, tuple[int, int]]:
    """The portrait scaled to cover a side x side square and centre-cropped to it."""
    scale = max(side / portrait.width, side / portrait.height)
    width, height = round(portrait.width * scale), round(portrait.height * scale)
    scaled = portrait.resize((width, height), Image.Resampling.LANCZOS)
    crop = ((width - side) // 2, (height - side) // 2)
    box = (crop[0], crop[1], crop[0] + side, crop[1] + side)
    return np.asarray(scaled.crop(box).convert("RGB")).copy(), scale, crop


def _copy(out: np.ndarray, pixels: np.ndarray, x: int, y: int) -> None:
    """Copy pixels into out with their top-left at (x, y), clipped to out."""
    height, width = pixels.shape[:2]
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + width, out.shape[1]), min(y + height, out.shape[0])
    if x0 < x1 and y0 < y1:
        out[y0:y1, x0:x1] = pixels[y0 - y : y1 - y, x0 - x : x1 - x]


class _CueLookup:
    """The caption block showing at time t; blocks are drawn once per cue, on first use."""

    def __init__(self, cues: list[Cue], size: int) -> None:
        self.cues, self.size = cues, size
        self.blocks: dict[int, _Block] = {}
        self.index = 0

    def at(self, t: float) -> _Block | None:
        while self.index < len(self.cues) and self.cues[self.index].end <= t:
            self.index += 1
        if self.index >= len(self.cues) or self.cues[self.index].start > t:
            return None
        if self.index not in self.blocks:
            patch = caption_patch(self.cues[self.index].text, self.size)
            self.blocks[self.index] = _overlay_block(patch)
        return self.blocks[self.index]
