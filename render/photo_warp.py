"""One photo to mouth shapes and blinks: smooth warps guided by face landmarks.

Each mouth shape is the photo's lower face warped by a thin-plate spline: the lips part (the
upper lip a little, the jaw and lower lip more), the corners move in (rounding) or out
(spreading), the chin follows the jaw. Where the lips part, an inner mouth is drawn (a dark
cavity in the lips' own hue, upper teeth lit like the skin, a tongue for open vowels). Blinks
warp the upper lids down onto the lower ones. Every warp is pinned to zero at the edge of its
box and is made of the photo's own pixels, so the layer meets the photo without a seam.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.interpolate import RBFInterpolator

from render.landmarks import (
    BROWS,
    CHIN,
    FACE_OVAL,
    LEFT_EYE_LOWER,
    LEFT_EYE_UPPER,
    LIPS_INNER_LOWER,
    LIPS_INNER_UPPER,
    LIPS_OUTER_LOWER,
    LIPS_OUTER_UPPER,
    NOSE,
    RIGHT_EYE_LOWER,
    RIGHT_EYE_UPPER,
    FaceLandmarks,
)

__all__ = ["VISEMES", "Box", "Viseme", "eye_layer", "eyes_box", "mouth_box", "mouth_layer"]

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)


@dataclass(frozen=True)
class Viseme:
    """A mouth shape: the inner-lip gap and the jaw drop (fractions of the mouth width), the
    mouth's width (1 = as photographed) and what shows between the lips."""

    gap: float
    jaw: float
    width: float
    teeth: str = "upper"  # "upper", "both" (teeth together) or "none"
    tongue: float = 0.0  # 0 none; else where the tongue sits (0.1 low .. 0.6 raised)


VISEMES: dict[str, Viseme] = {
    "X": Viseme(0.0, 0.0, 1.0),  # rest: lips together, relaxed
    "A": Viseme(0.0, 0.0, 0.97),  # M, B, P: lips pressed
    "B": Viseme(0.10, 0.03, 1.06, "both"),  # most consonants, EE: teeth together
    "C": Viseme(0.22, 0.10, 1.0, "upper", 0.15),  # EH, AE
    "D": Viseme(0.34, 0.17, 0.98, "upper", 0.12),  # AA: wide open
    "E": Viseme(0.22, 0.10, 0.86, "upper", 0.15),  # AO, ER: slightly rounded
    "F": Viseme(0.13, 0.05, 0.72, "none"),  # OO, W: puckered
    "G": Viseme(0.06, 0.02, 1.0, "both"),  # F, V: teeth on the lip
    "H": Viseme(0.24, 0.10, 0.98, "upper", 0.55),  # L: tongue up
}


def mouth_box(marks: FaceLandmarks, image_size: tuple[int, int]) -> Box:
    """The lower face: from under the nose to below the chin, jaw angle to jaw angle."""
    width = marks.mouth_width
    xs = marks[(172, 58, 397, 288)][:, 0]
    top = marks[2][1] + 0.05 * width
    bottom = marks[CHIN][1] + 0.7 * width
    return _clip_box((xs.min() - 0.2 * width, top, xs.max() + 0.2 * width, bottom), image_size)


def eyes_box(marks: FaceLandmarks, image_size: tuple[int, int]) -> Box:
    """Both eyes with their lids and the skin up to the brows."""
    eyes = marks[LEFT_EYE_UPPER + RIGHT_EYE_UPPER + LEFT_EYE_LOWER + RIGHT_EYE_LOWER]
    pad = 0.12 * marks.eye_distance
    top = marks[BROWS][:, 1].min() - pad
    return _clip_box(
        (eyes[:, 0].min() - pad, top, eyes[:, 0].max() + pad, eyes[:, 1].max() + pad), image_size
    )


def _clip_box(box: tuple[float, ...], image_size: tuple[int, int]) -> Box:
    width, height = image_size
    x0, y0, x1, y1 = (round(v) for v in box)
    return max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)


def mouth_layer(photo: np.ndarray, marks: FaceLandmarks, shape: str, box: Box) -> np.ndarray:
    """The box of `photo` (RGB) with the mouth in `shape`, as RGB of the box's size."""
    viseme = VISEMES[shape]
    x0, y0, x1, y1 = box
    roi = photo[y0:y1, x0:x1]
    origin = np.array([x0, y0], dtype=float)
    geometry = _MouthGeometry(marks, viseme, origin)
    src, dst = geometry.controls()
    warped = _warp(roi, src, dst)
    if viseme.gap > 0:
        warped = _inner_mouth(warped, roi, geometry, viseme)
    return warped


class _MouthGeometry:
    """Where the lips are (in box pixels) and where a shape moves them."""

    def __init__(self, marks: FaceLandmarks, viseme: Viseme, origin: np.ndarray) -> None:
        self.marks, self.viseme, self.origin = marks, viseme, origin
        left, right = marks[61] - origin, marks[291] - origin
        self.width = float(np.linalg.norm(right - left))
        self.centre = (left + right) / 2
        self.along = (right - left) / self.width
        self.down = np.array([-self.along[1], self.along[0]])  # image y grows downwards
        upper, lower = marks[LIPS_INNER_UPPER] - origin, marks[LIPS_INNER_LOWER] - origin
        self.mid = (upper + lower) / 2
        s = (self.mid - self.centre) @ self.along / (self.width / 2)
        self.taper = np.sqrt(np.clip(1 - s**2, 0, 1))
        gap = viseme.gap * self.width * self.taper
        self.upper_inner = self._spread(self.mid) - np.outer(gap * 0.3, self.down)
        self.lower_inner = self._spread(self.mid) + np.outer(gap * 0.7, self.down)

    def _spread(self, points: np.ndarray) -> np.ndarray:
        """Points moved along the mouth's axis by the shape's width factor."""
        rel = points - self.centre
        along = rel @ self.along
        return points + np.outer(along * (self.viseme.width - 1), self.along)

    def controls(self) -> tuple[np.ndarray, np.ndarray]:
        """Source and destination points of the warp (destination: where each source goes)."""
        m, o = self.marks, self.origin
        v, width = self.viseme, self.width
        upper_in, lower_in = m[LIPS_INNER_UPPER] - o, m[LIPS_INNER_LOWER] - o
        move_up = self.upper_inner - upper_in
        move_low = self.lower_inner - lower_in
        thicken = np.outer((1 - v.width) * 0.12 * width * self.taper, self.down)
        src = [upper_in, lower_in[1:-1], m[LIPS_OUTER_UPPER] - o, m[LIPS_OUTER_LOWER][1:-1] - o]
        dst = [
            self.upper_inner,
            self.lower_inner[1:-1],
            m[LIPS_OUTER_UPPER] - o + move_up - thicken,
            m[LIPS_OUTER_LOWER][1:-1] - o + move_low[1:-1] + thicken[1:-1],
        ]
        jaw = [i for i in FACE_OVAL if m[i][1] > m[2][1]]  # the oval below the nose
        jaw_pts = m[tuple(jaw)] - o
        reach = np.exp(-((((jaw_pts - self.centre) @ self.along) / (0.8 * width)) ** 2))
        src.append(jaw_pts)
        drop = v.jaw * width * reach * (jaw_pts[:, 1] > self.centre[1])
        dst.append(jaw_pts + np.outer(drop, self.down))
        nose = m[NOSE] - o
        src.append(nose)
        dst.append(nose)
        return np.concatenate(src), np.concatenate(dst)


def _inner_mouth(
    warped: np.ndarray, roi: np.ndarray, g: _MouthGeometry, viseme: Viseme
) -> np.ndarray:
    """Paint the cavity, teeth and tongue inside the parted lips, antialiased."""
    height, width = warped.shape[:2]
    cavity_poly = np.concatenate([g.upper_inner, g.lower_inner[::-1]])
    cavity = _mask(cavity_poly, (height, width))
    if cavity.max() == 0:
        return warped
    lips = _mask(
        np.concatenate([g.marks[LIPS_OUTER_UPPER], g.marks[LIPS_OUTER_LOWER][::-1]]) - g.origin,
        (height, width),
    ) - _mask(
        np.concatenate([g.marks[LIPS_INNER_UPPER], g.marks[LIPS_INNER_LOWER][::-1]]) - g.origin,
        (height, width),
    )
    lip_colour = _mean_colour(roi, lips > 0.5, fallback=(150, 80, 80))
    light = float(np.clip(_skin_luma(roi, g) / 150, 0.8, 1.15))
    ys = np.arange(height, dtype=np.float32)[:, None]
    depth = np.clip((ys - g.upper_inner[:, 1].min()) / max(1.0, g.width * viseme.gap), 0, 1)
    paint = np.empty_like(warped, dtype=np.float32)
    paint[:] = lip_colour * 0.3 + 6
    paint *= (0.75 + 0.25 * np.abs(depth - 0.5) * 2)[..., None]
    if viseme.tongue:
        tongue = _tongue(g, viseme, (height, width))
        paint = paint * (1 - tongue[..., None]) + (lip_colour * 0.62 + 12) * tongue[..., None]
    teeth = _teeth(g, viseme, (height, width))
    teeth_colour = np.array([236, 230, 218], dtype=np.float32) * light
    shade = (0.72 + 0.28 * _column_taper(g, width))[None, :, None]
    paint = paint * (1 - teeth[..., None]) + teeth_colour * shade * teeth[..., None]
    alpha = cavity[..., None]
    out = warped.astype(np.float32) * (1 - alpha) + np.clip(paint, 0, 255) * alpha
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _skin_luma(roi: np.ndarray, g: _MouthGeometry) -> float:
    """The brightness of the cheeks beside the mouth (how lit the teeth should be)."""
    height, width = roi.shape[:2]
    values = []
    for side in (-1, 1):
        x, y = np.rint(g.centre + g.along * side * g.width * 0.75).astype(int)
        r = max(2, int(g.width * 0.08))
        patch = roi[max(y - r, 0) : min(y + r, height), max(x - r, 0) : min(x + r, width)]
        if patch.size:
            values.append(float(patch.astype(np.float32).mean()))
    return float(np.mean(values)) if values else 150.0


def _teeth(g: _MouthGeometry, viseme: Viseme, shape: tuple[int, int]) -> np.ndarray:
    if viseme.teeth == "none":
        return np.zeros(shape, dtype=np.float32)
    depth = np.minimum(g.width * 0.11, (g.lower_inner - g.upper_inner)[:, 1] * 0.5)
    one = np.outer(np.ones(len(depth)), g.down)
    upper = np.concatenate([g.upper_inner - one, (g.upper_inner + np.outer(depth, g.down))[::-1]])
    teeth = _mask(upper, shape)
    if viseme.teeth == "both":
        lower = np.concatenate(
            [g.lower_inner - np.outer(depth, g.down), (g.lower_inner + one)[::-1]]
        )
        teeth = np.maximum(teeth, _mask(lower, shape) * 0.9)
    return cv2.GaussianBlur(teeth, (0, 0), max(0.6, g.width * 0.006))


def _tongue(g: _MouthGeometry, viseme: Viseme, shape: tuple[int, int]) -> np.ndarray:
    gap = (g.lower_inner - g.upper_inner)[5, 1]
    centre = g.lower_inner[5] - g.down * gap * viseme.tongue
    axes = (int(g.width * 0.28), max(1, int(gap * 0.45)))
    mask = np.zeros(shape, dtype=np.float32)
    centre_px = (int(centre[0]), int(centre[1]))
    cv2.ellipse(mask, centre_px, axes, 0, 0, 360, (1.0,), -1, cv2.LINE_AA)
    return cv2.GaussianBlur(mask, (0, 0), max(0.8, g.width * 0.02))


def _column_taper(g: _MouthGeometry, width: int) -> np.ndarray:
    xs = np.arange(width, dtype=np.float32)
    s = (xs - g.centre[0]) / (g.width * g.viseme.width / 2)
    return np.clip(1 - s**2, 0, 1)


def eye_layer(photo: np.ndarray, marks: FaceLandmarks, closed: float, box: Box) -> np.ndarray:
    """The box of `photo` with both upper lids lowered by `closed` (1: shut), as RGB.

    The lid is the skin above the eye slid down over it: a copy of the box shifted down by the
    lid's travel, shown only between the open lid and its new edge (feathered), so the upper
    lashes land where the lid now ends and nothing above the lid changes."""
    x0, y0, x1, y1 = box
    roi = photo[y0:y1, x0:x1]
    o = np.array([x0, y0], dtype=float)
    out: np.ndarray = roi.astype(np.float32)
    for upper_ids, lower_ids in (
        (LEFT_EYE_UPPER, LEFT_EYE_LOWER),
        (RIGHT_EYE_UPPER, RIGHT_EYE_LOWER),
    ):
        upper, lower = marks[upper_ids] - o, marks[lower_ids] - o
        travel = (lower - upper) * closed
        edge = upper + travel
        shift = float(travel[:, 1].max())
        if shift < 0.5:
            continue
        above, below = np.array([0, shift * 0.4]), np.array([0, shift * 0.12])
        lid = np.concatenate([upper - above, edge[::-1] + below])
        mask = _mask(lid, (y1 - y0, x1 - x0))
        mask = cv2.GaussianBlur(mask, (0, 0), max(0.6, marks.eye_distance * 0.008))[..., None]
        moved = cv2.warpAffine(
            roi,
            np.array([[1, 0, 0], [0, 1, shift]], dtype=np.float32),
            (x1 - x0, y1 - y0),
            flags=cv2.INTER_CUBIC,
            borderMode=cv2.BORDER_REFLECT,
        )
        out = out * (1 - mask) + moved.astype(np.float32) * mask
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _warp(roi: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Move `src` points to `dst` (box pixels) with a thin-plate spline pinned at the edges."""
    height, width = roi.shape[:2]
    edge = _edge_points(width, height)
    dst_all = np.concatenate([dst, edge])
    shift = np.concatenate([src - dst, np.zeros_like(edge)])
    dst_all, keep = np.unique(np.round(dst_all, 2), axis=0, return_index=True)
    spline = RBFInterpolator(dst_all, shift[keep], kernel="thin_plate_spline")
    step = 4  # the displacement is smooth: evaluate it coarsely, then upsample
    gy, gx = np.mgrid[0 : height + step : step, 0 : width + step : step].astype(np.float64)
    coarse = spline(np.c_[gx.ravel(), gy.ravel()]).reshape(*gx.shape, 2).astype(np.float32)
    fine = cv2.resize(
        coarse, (coarse.shape[1] * step, coarse.shape[0] * step), interpolation=cv2.INTER_LINEAR
    )[:height, :width]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return cv2.remap(
        roi, xs + fine[..., 0], ys + fine[..., 1], cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT
    )


def _edge_points(width: int, height: int, n: int = 10) -> np.ndarray:
    xs, ys = np.linspace(0, width - 1, n), np.linspace(0, height - 1, n)
    return np.concatenate(
        [
            np.c_[xs, np.zeros(n)],
            np.c_[xs, np.full(n, height - 1)],
            np.c_[np.zeros(n), ys],
            np.c_[np.full(n, width - 1), ys],
        ]
    )


def _mask(polygon: np.ndarray, shape: tuple[int, int], ss: int = 4) -> np.ndarray:
    """An antialiased 0..1 mask of a polygon (drawn at ss x resolution and averaged)."""
    big = np.zeros((shape[0] * ss, shape[1] * ss), dtype=np.uint8)
    cv2.fillPoly(big, [np.rint(polygon * ss + (ss - 1) / 2).astype(np.int32)], (255,))
    return cv2.resize(big, (shape[1], shape[0]), interpolation=cv2.INTER_AREA) / np.float32(255)


def _mean_colour(image: np.ndarray, where: np.ndarray | slice, fallback: tuple) -> np.ndarray:
    pixels = image[where].reshape(-1, 3)
    if len(pixels) == 0:
        return np.array(fallback, dtype=np.float32)
    return pixels.astype(np.float32).mean(axis=0)
