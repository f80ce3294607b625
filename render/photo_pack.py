"""Build a photo avatar pack from a front portrait (and optional "oo" and "ee" photos).

The pack has the layout of every avatar pack (render.avatar): a square portrait cropped around
the face, one mouth layer per shape and lid layers for blinks, all precomputed here so that
rendering only pastes and moves them. Its manifest adds `"renderer": "photo"`, the head's
ellipse (what moves with the head), the photos it came from (sha256) and the consent record it
was built under. With an "oo" or "ee" photo, the puckered (F) or spread (B) mouth is that photo's
mouth, aligned to the portrait by the eyes and nose, colour-matched and feathered in.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from render.errors import RenderError
from render.landmarks import (
    CHIN,
    FACE_OVAL,
    LIPS_OUTER_LOWER,
    LIPS_OUTER_UPPER,
    FaceLandmarks,
    detect_face,
)
from render.photo_warp import Box, eye_layer, eyes_box, mouth_box, mouth_layer
from render.visemes import SHAPES

__all__ = [
    "PORTRAIT_SIDE",
    "TEST_PHOTO_LABEL",
    "PhotoError",
    "PhotoInput",
    "build_photo_pack",
    "is_test_photo",
    "read_photo",
]

PORTRAIT_SIDE = 768
MIN_FACE_PX = 48  # eye corner to eye corner, in the photo as given
ROLE_SHAPES = {"oo": "F", "ee": "B"}
TEST_PHOTO_LABEL = "test photo: NASA astronaut portrait (public domain), not the persona"
EYE_STATES = {"half": 0.5, "closed": 1.0}
_STABLE = (33, 133, 263, 362, 1, 6, 168, 4)  # eye corners and nose: unmoved by speech


class PhotoError(RenderError):
    """A photo cannot be used: missing, not an image, or no face found in it."""


@dataclass(frozen=True)
class PhotoInput:
    role: str  # "front", "oo" or "ee"
    path: Path


@dataclass
class _Photo:
    role: str
    path: Path
    rgb: np.ndarray
    sha256: str
    marks: FaceLandmarks


def read_photo(path: Path, role: str = "front") -> _Photo:
    """Load a photo and find its face; errors name the file and the problem."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PhotoError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise PhotoError(f"{path}: is a folder, not a photo") from None
    try:
        with Image.open(path) as image:
            image.load()
            rgb = np.asarray(image.convert("RGB"))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoError(f"{path}: not a readable image ({exc})") from None
    marks = detect_face(rgb)
    if marks is None:
        raise PhotoError(f"{path}: no face found (use a well-lit, front-facing portrait)")
    if marks.eye_distance < MIN_FACE_PX:
        raise PhotoError(
            f"{path}: the face is too small ({marks.eye_distance:.0f} px between the eyes; "
            f"at least {MIN_FACE_PX} needed)"
        )
    return _Photo(role, path, rgb, hashlib.sha256(data).hexdigest(), marks)


def build_photo_pack(
    dest: Path,
    name: str,
    photos: list[PhotoInput],
    consent: dict[str, Any],
    display_name: str = "",
) -> Path:
    """Write the pack to `dest` (which must not exist) atomically; return `dest`."""
    roles = [p.role for p in photos]
    if roles.count("front") != 1 or any(r not in ("front", *ROLE_SHAPES) for r in roles):
        raise PhotoError(
            f"photos: need exactly one front photo and at most one oo and ee, not {roles}"
        )
    loaded = [read_photo(p.path, p.role) for p in photos]
    front = next(p for p in loaded if p.role == "front")
    portrait, marks = _portrait(front)
    label = TEST_PHOTO_LABEL if is_test_photo(front.rgb) else ""
    if label:
        portrait = _tag(portrait, "TEST PHOTO (NASA, public domain)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=dest.parent))
    try:
        manifest = _write_layers(scratch, portrait, marks, loaded)
        manifest.update(
            format=1,
            name=name,
            display_name=display_name or name,
            renderer="photo",
            portrait="portrait.png",
            consent=consent,
            label=label,
            photos=[{"role": p.role, "file": p.path.name, "sha256": p.sha256} for p in loaded],
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        (scratch / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        os.rename(scratch, dest)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return dest


def _portrait(front: _Photo) -> tuple[np.ndarray, FaceLandmarks]:
    """A square around the face and shoulders, at PORTRAIT_SIDE, and its landmarks."""
    marks = front.marks
    face_height = float(marks[CHIN][1] - marks[10][1])
    oval = marks[FACE_OVAL]
    height, width = front.rgb.shape[:2]
    side = min(2.6 * face_height, width, height)
    cx, cy = oval[:, 0].mean(), oval[:, 1].mean() + 0.25 * face_height
    x0 = int(np.clip(cx - side / 2, 0, width - side))
    y0 = int(np.clip(cy - side / 2, 0, height - side))
    box = (x0, y0, x0 + int(side), y0 + int(side))
    crop = Image.fromarray(front.rgb).crop(box)
    portrait = np.asarray(crop.resize((PORTRAIT_SIDE, PORTRAIT_SIDE), Image.Resampling.LANCZOS))
    again = detect_face(portrait)
    if again is None:  # found in the photo, so found in its crop; but never trust it blindly
        raise PhotoError(f"{front.path}: no face found in the cropped portrait")
    return portrait, again


def is_test_photo(rgb: np.ndarray) -> bool:
    """Whether this is the public-domain test photo (scikit-image's astronaut), pixel for pixel."""
    try:
        from skimage import data
    except ImportError:
        return False
    test = data.astronaut()
    return rgb.shape == test.shape and bool(np.array_equal(rgb, test))


def _tag(portrait: np.ndarray, text: str) -> np.ndarray:
    """The portrait with `text` in a band at its bottom-left corner, far from the face."""
    image = Image.fromarray(portrait)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=portrait.shape[0] // 34)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    pad = portrait.shape[0] // 90
    y = portrait.shape[0] - (bottom - top) - 3 * pad
    draw.rectangle((0, y, right - left + 2 * pad, portrait.shape[0]), fill=(20, 20, 20))
    draw.text((pad - left, y + pad - top), text, fill=(255, 255, 255), font=font)
    return np.asarray(image)


def _write_layers(
    root: Path, portrait: np.ndarray, marks: FaceLandmarks, photos: list[_Photo]
) -> dict[str, Any]:
    size = (PORTRAIT_SIDE, PORTRAIT_SIDE)
    Image.fromarray(portrait).save(root / "portrait.png")
    (root / "mouth").mkdir()
    (root / "eyes").mkdir()
    mbox, ebox = mouth_box(marks, size), eyes_box(marks, size)
    extra = {ROLE_SHAPES[p.role]: p for p in photos if p.role in ROLE_SHAPES}
    for shape in SHAPES:
        if shape in extra:
            pixels = _mouth_from(extra[shape], portrait, marks, mbox)
        else:
            pixels = mouth_layer(portrait, marks, shape, mbox)
        _save_layer(pixels, root / "mouth" / f"{shape}.png")
    for state, closed in EYE_STATES.items():
        _save_layer(eye_layer(portrait, marks, closed, ebox), root / "eyes" / f"{state}.png")
    oval = marks[FACE_OVAL]
    face_w = float(np.ptp(oval[:, 0]))
    face_h = float(np.ptp(oval[:, 1]))
    centre = [
        round(float(oval[:, 0].mean()), 1),
        round(float(oval[:, 1].mean() - 0.08 * face_h), 1),
    ]
    return {
        "mouth": {"position": [mbox[0], mbox[1]], "shapes": {s: f"mouth/{s}.png" for s in SHAPES}},
        "eyes": {
            "position": [ebox[0], ebox[1]],
            "states": {s: f"eyes/{s}.png" for s in EYE_STATES},
        },
        "head": {"centre": centre, "radii": [round(face_w * 0.62, 1), round(face_h * 0.68, 1)]},
    }


def _save_layer(rgb: np.ndarray, path: Path) -> None:
    """An opaque layer whose outermost pixels fade out (it equals the photo there anyway)."""
    height, width = rgb.shape[:2]
    ramp = lambda n: np.clip(np.minimum(np.arange(n), np.arange(n)[::-1]) / 3, 0, 1)  # noqa: E731
    alpha = np.outer(ramp(height), ramp(width))
    rgba = np.dstack([rgb, np.rint(alpha * 255).astype(np.uint8)])
    Image.fromarray(rgba, "RGBA").save(path)


def _mouth_from(photo: _Photo, portrait: np.ndarray, marks: FaceLandmarks, box: Box) -> np.ndarray:
    """The mouth of another photo of the same person, in the portrait's place and colours."""
    matrix, _ = cv2.estimateAffinePartial2D(
        photo.marks[_STABLE].astype(np.float32), marks[_STABLE].astype(np.float32)
    )
    if matrix is None:
        raise PhotoError(f"{photo.path}: cannot align this face with the front photo")
    size = (portrait.shape[1], portrait.shape[0])
    aligned = cv2.warpAffine(
        photo.rgb, matrix, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT
    )
    lips = np.concatenate([photo.marks[LIPS_OUTER_UPPER], photo.marks[LIPS_OUTER_LOWER][::-1]])
    lips = lips @ matrix[:, :2].T + matrix[:, 2]
    x0, y0, x1, y1 = box
    outline = np.zeros(portrait.shape[:2], dtype=np.float32)
    centre = lips.mean(axis=0)
    grown = centre + (lips - centre) * 1.35  # take some skin around the lips too
    cv2.fillPoly(outline, [np.rint(grown).astype(np.int32)], (1.0,))
    mask = cv2.GaussianBlur(outline, (0, 0), marks.mouth_width * 0.08)[y0:y1, x0:x1, None]
    ours, theirs = portrait[y0:y1, x0:x1], aligned[y0:y1, x0:x1]
    ring = (mask[..., 0] > 0.05) & (mask[..., 0] < 0.6)  # the skin around the lips
    matched = _match_colour(theirs, ours, ring)
    return np.rint(ours * (1 - mask) + matched * mask).astype(np.uint8)


def _match_colour(source: np.ndarray, target: np.ndarray, where: np.ndarray) -> np.ndarray:
    """`source` with the mean and spread of `target` (in Lab), measured where `where` is set."""
    src = cv2.cvtColor(source, cv2.COLOR_RGB2LAB).astype(np.float32)
    tgt = cv2.cvtColor(target, cv2.COLOR_RGB2LAB).astype(np.float32)
    if where.sum() < 16:
        return source.astype(np.float32)
    s_mean, s_std = src[where].mean(0), src[where].std(0) + 1e-3
    t_mean, t_std = tgt[where].mean(0), tgt[where].std(0) + 1e-3
    out = (src - s_mean) * np.minimum(t_std / s_std, 1.5) + t_mean
    return cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB).astype(np.float32)
