"""The built-in sample avatar: Elena Marsh, the fictional sample CEO, drawn with Pillow.

She is deliberately illustrated (flat shapes, no photo realism), so nobody mistakes a demo clip
for a real person. Drawing happens at twice the pack size and is scaled down for smooth edges.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

__all__ = ["ART_VERSION", "ensure_elena_pack", "write_elena_pack"]

ART_VERSION = 1
SIZE = 1024
SS = 2  # supersampling factor

BACKGROUND = (206, 226, 232)
SKIN = (241, 201, 170)
SKIN_SHADE = (226, 178, 146)
HAIR = (92, 52, 36)
HAIR_LIGHT = (122, 72, 50)
JACKET = (40, 56, 98)
SHIRT = (246, 244, 238)
BROW = (74, 42, 28)
IRIS = (72, 110, 140)
DARK = (38, 30, 34)
LIP = (190, 96, 104)
LIP_DARK = (150, 66, 76)
MOUTH_IN = (88, 30, 42)
TEETH = (252, 250, 246)
TONGUE = (214, 112, 122)
BLUSH = (240, 170, 160)

MOUTH_BOX = (432, 530, 160, 96)  # x, y, width, height in pack pixels
EYES_BOX = (398, 394, 228, 64)
EYE_CENTRES = ((452, 426), (572, 426))

Draw = Callable[[ImageDraw.ImageDraw, Callable[[float], int]], None]


def ensure_elena_pack(cache_dir: Path) -> Path:
    """The pack folder under `cache_dir`, drawn there on first use (atomically)."""
    dest = cache_dir / f"elena-marsh-v{ART_VERSION}"
    if (dest / "manifest.json").is_file():
        return dest
    cache_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".elena-", dir=cache_dir))
    try:
        write_elena_pack(scratch)
        os.replace(scratch, dest)
    except OSError:
        if not (dest / "manifest.json").is_file():  # not merely lost a race to another writer
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return dest


def write_elena_pack(dest: Path) -> None:
    (dest / "mouth").mkdir(parents=True, exist_ok=True)
    (dest / "eyes").mkdir(exist_ok=True)
    _render((SIZE, SIZE), _portrait, BACKGROUND).convert("RGB").save(dest / "portrait.png")
    for shape, draw in MOUTHS.items():
        _layer(MOUTH_BOX, draw).save(dest / "mouth" / f"{shape}.png")
    for state, draw in EYES.items():
        _layer(EYES_BOX, draw).save(dest / "eyes" / f"{state}.png")
    manifest = {
        "format": 1,
        "name": "elena-marsh",
        "display_name": "Elena Marsh (fictional sample CEO)",
        "style": "illustrated",
        "portrait": "portrait.png",
        "mouth": {"position": list(MOUTH_BOX[:2]), "shapes": {s: f"mouth/{s}.png" for s in MOUTHS}},
        "eyes": {"position": list(EYES_BOX[:2]), "states": {s: f"eyes/{s}.png" for s in EYES}},
    }
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def _render(size: tuple[int, int], draw: Draw, fill: tuple[int, ...]) -> Image.Image:
    big = Image.new("RGBA", (size[0] * SS, size[1] * SS), fill)
    draw(ImageDraw.Draw(big), lambda v: round(v * SS))
    return big.resize(size, Image.Resampling.LANCZOS)


def _layer(box: tuple[int, int, int, int], draw: Draw) -> Image.Image:
    """A transparent layer cut to `box`; `draw` works in pack coordinates."""
    x0, y0, width, height = box
    big = Image.new("RGBA", (SIZE * SS, SIZE * SS), (0, 0, 0, 0))
    draw(ImageDraw.Draw(big), lambda v: round(v * SS))
    cut = big.crop((x0 * SS, y0 * SS, (x0 + width) * SS, (y0 + height) * SS))
    return cut.resize((width, height), Image.Resampling.LANCZOS)


def _box(s: Callable[[float], int], cx: float, cy: float, w: float, h: float) -> list[int]:
    return [s(cx - w / 2), s(cy - h / 2), s(cx + w / 2), s(cy + h / 2)]


def _pts(s: Callable[[float], int], *points: tuple[float, float]) -> list[int]:
    return [s(v) for point in points for v in point]


def _portrait(d: ImageDraw.ImageDraw, s: Callable[[float], int]) -> None:
    d.ellipse(_box(s, 512, 420, 420, 520), fill=HAIR)  # hair behind the head
    d.rectangle([s(302), s(420), s(722), s(700)], fill=HAIR)
    d.ellipse(_box(s, 512, 1010, 760, 420), fill=JACKET)  # shoulders
    d.rectangle([s(132), s(1010), s(892), s(1024)], fill=JACKET)
    d.rectangle([s(462), s(600), s(562), s(820)], fill=SKIN_SHADE)  # neck
    d.polygon(
        _pts(s, (430, 800), (512, 930), (594, 800), (560, 790), (512, 860), (464, 790)), fill=SHIRT
    )
    d.polygon(_pts(s, (400, 820), (512, 1024), (440, 1024), (360, 860)), fill=(30, 42, 78))
    d.polygon(_pts(s, (624, 820), (512, 1024), (584, 1024), (664, 860)), fill=(30, 42, 78))
    d.ellipse(_box(s, 348, 450, 46, 80), fill=SKIN_SHADE)  # ears
    d.ellipse(_box(s, 676, 450, 46, 80), fill=SKIN_SHADE)
    d.ellipse(_box(s, 512, 440, 330, 420), fill=SKIN)  # face
    d.ellipse(_box(s, 430, 515, 60, 34), fill=BLUSH)
    d.ellipse(_box(s, 594, 515, 60, 34), fill=BLUSH)
    d.ellipse(_box(s, 430, 515, 52, 28), fill=_mix(BLUSH, SKIN))
    d.ellipse(_box(s, 594, 515, 52, 28), fill=_mix(BLUSH, SKIN))
    d.polygon(_pts(s, *_fringe()), fill=HAIR)  # side-swept fringe
    d.line(_pts(s, (560, 190), (470, 260), (380, 330)), fill=HAIR_LIGHT, width=s(10))
    d.line(_pts(s, (606, 216), (640, 262), (660, 318)), fill=HAIR_LIGHT, width=s(8))
    for cx, cy in EYE_CENTRES:
        _open_eye(d, s, cx, cy)
        d.arc(_box(s, cx, cy - 26, 84, 40), 200, 340, fill=BROW, width=s(8))  # brows
    d.line(_pts(s, (512, 450), (502, 492), (516, 496)), fill=SKIN_SHADE, width=s(5))  # nose


def _fringe() -> list[tuple[float, float]]:
    """The hair over the forehead: the top of the head, then a swept edge from left to right."""
    top = [
        (512 + 212 * math.cos(a), 420 - 262 * math.sin(a))
        for a in np.linspace(math.radians(8), math.radians(172), 24)
    ]
    edge = [(350, 430), (390, 360), (450, 318), (520, 298), (590, 300), (640, 330), (676, 400)]
    return [*top, *edge]


def _mix(a: tuple[int, int, int], b: tuple[int, int, int]) -> tuple[int, int, int]:
    return (a[0] + b[0]) // 2, (a[1] + b[1]) // 2, (a[2] + b[2]) // 2


def _open_eye(d: ImageDraw.ImageDraw, s: Callable[[float], int], cx: float, cy: float) -> None:
    d.ellipse(_box(s, cx, cy, 60, 32), fill=(255, 255, 255), outline=DARK, width=s(3))
    d.ellipse(_box(s, cx, cy, 28, 28), fill=IRIS)
    d.ellipse(_box(s, cx, cy, 12, 12), fill=DARK)
    d.ellipse(_box(s, cx + 5, cy - 5, 6, 6), fill=(255, 255, 255))


def _eyes_half(d: ImageDraw.ImageDraw, s: Callable[[float], int]) -> None:
    for cx, cy in EYE_CENTRES:
        d.ellipse(_box(s, cx, cy, 66, 38), fill=SKIN)
        d.chord(_box(s, cx, cy + 2, 60, 28), 0, 180, fill=(255, 255, 255))
        d.chord(_box(s, cx, cy + 4, 26, 22), 0, 180, fill=IRIS)
        d.line(_pts(s, (cx - 31, cy + 2), (cx + 31, cy + 2)), fill=DARK, width=s(4))


def _eyes_closed(d: ImageDraw.ImageDraw, s: Callable[[float], int]) -> None:
    for cx, cy in EYE_CENTRES:
        d.ellipse(_box(s, cx, cy, 66, 38), fill=SKIN)
        d.arc(_box(s, cx, cy - 4, 62, 24), 10, 170, fill=DARK, width=s(4))


def _lips(d: ImageDraw.ImageDraw, s: Callable[[float], int], w: float, h: float) -> None:
    """An open mouth of width w, height h: lips around a dark inside, centred on the mouth."""
    d.ellipse(_box(s, 512, 578, w + 14, h + 14), fill=LIP)
    d.ellipse(_box(s, 512, 578, w, h), fill=MOUTH_IN)


def _top_teeth(
    d: ImageDraw.ImageDraw, s: Callable[[float], int], w: float, h: float, depth: float
) -> None:
    d.chord(_box(s, 512, 578, w, h), 200, 340, fill=TEETH)
    d.rectangle(
        [s(512 - w * 0.38), s(578 - h / 2 + 2), s(512 + w * 0.38), s(578 - h / 2 + depth)],
        fill=TEETH,
    )


def _mouth_x(d: ImageDraw.ImageDraw, s: Callable[[float], int]) -> None:  # rest
    d.arc(_box(s, 512, 562, 84, 36), 20, 160, fill=LIP_DARK, width=s(6))


def _mouth_a(d: ImageDraw.ImageDraw, s: Callable[[float], int]) -> None:  # M, B, P
    d.rounded_rectangle(_box(s, 512, 578, 92, 18), radius=s(9), fill=LIP)
    d.line(_pts(s, (470, 578), (554, 578)), fill=LIP_DARK, width=s(5))


def _mouth_b(d: ImageDraw.ImageDraw, s: Callable[[float], int]) -> None:  # teeth together
    d.rounded_rectangle(_box(s, 512, 578, 104, 34), radius=s(16), fill=LIP)
    d.rounded_rectangle(_box(s, 512, 578, 88, 20), radius=s(9), fill=TEETH)
    d.line(_pts(s, (472, 578), (552, 578)), fill=(200, 196, 190), width=s(2))


def _mouth_c(d: ImageDraw.ImageDraw, s: Callable[[float], int]) -> None:  # open: EH, AE
    _lips(d, s, 96, 44)
    _top_teeth(d, s, 96, 44, 12)


def _mouth_d(d: ImageDraw.ImageDraw, s: Callable[[float], int]) -> None:  # wide open: AA
    _lips(d, s, 104, 72)
    _top_teeth(d, s, 104, 72, 12)
    d.chord(_box(s, 512, 600, 70, 34), 180, 360, fill=TONGUE)


def _mouth_e(d: ImageDraw.ImageDraw, s: Callable[[float], int]) -> None:  # rounded: AO, ER
    _lips(d, s, 70, 46)
    d.chord(_box(s, 512, 590, 44, 22), 180, 360, fill=TONGUE)


def _mouth_f(d: ImageDraw.ImageDraw, s: Callable[[float], int]) -> None:  # puckered: OO, W
    d.ellipse(_box(s, 512, 578, 54, 48), fill=LIP)
    d.ellipse(_box(s, 512, 578, 24, 22), fill=MOUTH_IN)


def _mouth_g(d: ImageDraw.ImageDraw, s: Callable[[float], int]) -> None:  # F, V
    d.rounded_rectangle(_box(s, 512, 578, 100, 34), radius=s(16), fill=LIP)
    d.rectangle([s(474), s(566), s(550), s(582)], fill=TEETH)
    d.line(_pts(s, (470, 584), (554, 584)), fill=LIP_DARK, width=s(4))


def _mouth_h(d: ImageDraw.ImageDraw, s: Callable[[float], int]) -> None:  # L
    _lips(d, s, 96, 52)
    _top_teeth(d, s, 96, 52, 10)
    d.ellipse(_box(s, 512, 572, 50, 22), fill=TONGUE)


MOUTHS: dict[str, Draw] = {
    "A": _mouth_a,
    "B": _mouth_b,
    "C": _mouth_c,
    "D": _mouth_d,
    "E": _mouth_e,
    "F": _mouth_f,
    "G": _mouth_g,
    "H": _mouth_h,
    "X": _mouth_x,
}
EYES: dict[str, Draw] = {"half": _eyes_half, "closed": _eyes_closed}
