"""Installed avatar packs under $TWIN_HOME/avatars: add from photos, list, contact sheet, remove.

Adding a pack from photos needs a consent record in force that covers the persona's likeness;
the pack records that record's id, and every render with the pack checks it again.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from render.avatar import AvatarPack, find_avatar, load_pack
from render.consent import ConsentRegistry
from render.errors import AvatarNotFound, AvatarPackError, RenderError
from render.face import create_face_renderer
from render.photo_pack import TEST_PHOTO_LABEL, PhotoInput, build_photo_pack
from render.visemes import SHAPES

__all__ = [
    "TEST_PHOTO_LABEL",
    "AvatarSummary",
    "add_photo_avatar",
    "contact_sheet",
    "installed_avatars",
    "remove_avatar",
    "write_test_photo",
]

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


@dataclass(frozen=True)
class AvatarSummary:
    name: str
    display_name: str
    renderer: str
    consent_id: int | None
    path: Path
    photos: list[dict[str, str]]
    label: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "label": self.label,
            "display_name": self.display_name,
            "renderer": self.renderer,
            "consent_id": self.consent_id,
            "path": str(self.path),
            "photos": self.photos,
        }


def _summary(pack: AvatarPack) -> AvatarSummary:
    photos = pack.manifest.get("photos", [])
    label = str(pack.manifest.get("label") or "")
    return AvatarSummary(
        pack.name, pack.display_name, pack.renderer, pack.consent_id, pack.root, photos, label
    )


def add_photo_avatar(
    home: Path,
    name: str,
    photos: list[PhotoInput],
    consents: ConsentRegistry,
    persona: str,
    display_name: str = "",
) -> AvatarSummary:
    """Build a photo pack into home/avatars/NAME under the persona's likeness consent."""
    if not _NAME.fullmatch(name):
        raise AvatarPackError(
            f"avatar name {name!r}: use lower-case letters, digits, '.', '_' or '-' (max 64)"
        )
    dest = home / "avatars" / name
    if dest.exists():
        raise AvatarPackError(f"avatar {name!r} already exists at {dest} (remove it first)")
    record = consents.covering_or_refuse(persona, "likeness", "a photo avatar")
    consent = {"id": record.id, "persona": persona, "scope": list(record.scope)}
    build_photo_pack(dest, name, photos, consent, display_name or name)
    return _summary(load_pack(dest))


def installed_avatars(home: Path) -> list[AvatarSummary]:
    """The packs under home/avatars (a broken one is listed by its folder and error)."""
    root = home / "avatars"
    found = []
    for folder in sorted(p for p in root.glob("*") if p.is_dir() and not p.name.startswith(".")):
        try:
            found.append(_summary(load_pack(folder)))
        except RenderError as exc:
            found.append(AvatarSummary(folder.name, f"(broken: {exc})", "?", None, folder, []))
    return found


def remove_avatar(home: Path, name: str) -> Path:
    folder = home / "avatars" / name
    if not name or "/" in name or not (folder / "manifest.json").is_file():
        raise AvatarNotFound(f"avatar {name!r}: no pack at {folder} (see `twin avatar list`)")
    shutil.rmtree(folder)
    return folder


def contact_sheet(home: Path, name: str, out: Path, tile: int = 192) -> Path:
    """A PNG of the pack's mouth shapes and a blink, each labelled, with the pack's name."""
    pack = find_avatar(name, home)
    face = create_face_renderer(pack, tile * 2, 0)
    stills = [(shape, face.frame_rgb(shape)) for shape in SHAPES]
    stills.append(("blink", face.frame_rgb("X", "closed")))
    columns = 5
    rows = -(-len(stills) // columns)
    header = 28
    sheet = Image.new("RGB", (columns * tile, rows * tile + header), (24, 28, 36))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=14)
    title = f"{pack.display_name} ({pack.renderer})"
    if pack.manifest.get("label"):
        title = f"{title}: {pack.manifest['label']}"
    draw.text((8, 6), title, fill=(255, 255, 255), font=font)
    for i, (label, rgb) in enumerate(stills):
        x, y = (i % columns) * tile, (i // columns) * tile + header
        small = Image.fromarray(rgb).resize((tile, tile), Image.Resampling.LANCZOS)
        sheet.paste(small, (x, y))
        draw.rectangle((x, y + tile - 20, x + 44, y + tile), fill=(0, 0, 0))
        draw.text((x + 5, y + tile - 18), label, fill=(255, 255, 255), font=font)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)
    return out


def write_test_photo(path: Path) -> Path:
    """Save the public-domain test portrait (NASA astronaut Eileen Collins, from
    scikit-image's sample data) as a PNG: for tests and the demo, never as the persona."""
    from skimage import data

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(data.astronaut())).save(path)
    return path
