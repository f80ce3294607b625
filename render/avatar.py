"""Avatar packs: a portrait plus mouth-shape and eye-blink layers, placed by a manifest.

A pack is a folder::

    manifest.json
    portrait.png           the face with no mouth drawn (or one the mouth layers fully cover)
    mouth/A.png ... X.png  one RGBA layer per mouth shape (A-H, X), all the same size
    eyes/half.png, eyes/closed.png   RGBA lids over the open eyes, the same size

manifest.json::

    {"format": 1, "name": "elena-marsh", "display_name": "Elena Marsh",
     "portrait": "portrait.png",
     "mouth": {"position": [x, y], "shapes": {"A": "mouth/A.png", ..., "X": "mouth/X.png"}},
     "eyes": {"position": [x, y], "states": {"half": "eyes/half.png", "closed": "eyes/closed.png"}}}

Positions are the top-left corner of the layers in portrait pixels. Packs drawn from photos use
the same layout. The built-in sample avatar is generated on first use into a cache folder.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from render.errors import AvatarNotFound, AvatarPackError
from render.visemes import SHAPES

__all__ = ["BUILTIN_AVATARS", "AvatarPack", "Layer", "find_avatar", "load_pack"]

MANIFEST = "manifest.json"
EYE_STATES = ("half", "closed")
BUILTIN_AVATARS = ("elena-marsh",)


@dataclass
class Layer:
    image: Image.Image  # RGBA
    position: tuple[int, int]


@dataclass
class AvatarPack:
    name: str
    display_name: str
    root: Path
    portrait: Image.Image  # RGB
    mouths: dict[str, Layer]
    eyes: dict[str, Layer]
    renderer: str = "illustrated"  # the face renderer that draws it (render.face)
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def consent_id(self) -> int | None:
        """The consent record the pack was built under (packs made from photos have one)."""
        consent = self.manifest.get("consent")
        return int(consent["id"]) if isinstance(consent, dict) and "id" in consent else None


def find_avatar(avatar: str | Path, home: Path) -> AvatarPack:
    """A pack by folder path, or by name: a folder under `home/avatars/`, else a built-in
    avatar (generated into `home/cache/avatars/` on first use)."""
    name = str(avatar)
    path = Path(avatar).expanduser()
    installed = home / "avatars" / name
    if isinstance(avatar, Path) or os.sep in name or name.startswith((".", "~")):
        if path.is_dir():
            return load_pack(path)
    elif installed.is_dir():
        return load_pack(installed)
    elif name in BUILTIN_AVATARS:
        from render.elena import ensure_elena_pack

        return load_pack(ensure_elena_pack(home / "cache" / "avatars"))
    raise AvatarNotFound(
        f"avatar {name!r}: no pack folder at {path} or {installed}, and no built-in avatar "
        f"by that name (built-in: {', '.join(BUILTIN_AVATARS)})"
    )


def load_pack(root: Path) -> AvatarPack:
    """Load and check a pack folder; errors name the file and the key that is wrong."""
    manifest = _read_manifest(root)
    portrait = _image(root, _require(manifest, "portrait", root)).convert("RGB")
    mouth = _require(manifest, "mouth", root)
    shapes = _require(mouth, "shapes", root, "mouth")
    missing = [s for s in SHAPES if s not in shapes]
    if missing:
        raise AvatarPackError(
            f"{root / MANIFEST}: mouth.shapes lacks {', '.join(missing)} "
            f"(needs all of {', '.join(SHAPES)})"
        )
    mouths = _layers(root, mouth, shapes, "mouth", portrait.size)
    eyes_entry = _require(manifest, "eyes", root)
    states = _require(eyes_entry, "states", root, "eyes")
    if "closed" not in states:
        raise AvatarPackError(f"{root / MANIFEST}: eyes.states needs a 'closed' layer")
    eyes = _layers(root, eyes_entry, states, "eyes", portrait.size)
    eyes.setdefault("half", eyes["closed"])
    name = str(manifest.get("name") or root.name)
    display = str(manifest.get("display_name") or name)
    renderer = str(manifest.get("renderer") or "illustrated")
    return AvatarPack(name, display, root, portrait, mouths, eyes, renderer, manifest)


def _read_manifest(root: Path) -> dict[str, Any]:
    path = root / MANIFEST
    if not path.is_file():
        raise AvatarPackError(f"{root}: not an avatar pack (no {MANIFEST})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AvatarPackError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise AvatarPackError(f"{path}: the manifest must be a JSON object")
    return data


def _require(data: dict[str, Any], key: str, root: Path, parent: str = "") -> Any:
    if key not in data:
        where = f"{parent}.{key}" if parent else key
        raise AvatarPackError(f"{root / MANIFEST}: missing key {where!r}")
    return data[key]


def _image(root: Path, relative: str) -> Image.Image:
    path = root / relative
    try:
        with Image.open(path) as image:
            image.load()
            return image
    except FileNotFoundError:
        raise AvatarPackError(f"{root / MANIFEST}: layer file not found: {path}") from None
    except UnidentifiedImageError:
        raise AvatarPackError(f"{path}: not an image") from None


def _layers(
    root: Path, group: dict[str, Any], files: dict[str, str], kind: str, canvas: tuple[int, int]
) -> dict[str, Layer]:
    position = _position(group.get("position"), root, kind)
    layers = {key: Layer(_image(root, rel).convert("RGBA"), position) for key, rel in files.items()}
    sizes = {layer.image.size for layer in layers.values()}
    if len(sizes) > 1:
        raise AvatarPackError(
            f"{root / MANIFEST}: the {kind} layers differ in size {sorted(sizes)}"
        )
    width, height = sizes.pop()
    x, y = position
    if x + width > canvas[0] or y + height > canvas[1]:
        raise AvatarPackError(
            f"{root / MANIFEST}: the {kind} layers at {position} "
            f"reach outside the {canvas[0]}x{canvas[1]} portrait"
        )
    return layers


def _position(value: Any, root: Path, kind: str) -> tuple[int, int]:
    ok = isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value)
    if not ok or min(value) < 0:
        raise AvatarPackError(
            f"{root / MANIFEST}: {kind}.position must be [x, y] "
            f"(non-negative whole pixels), not {value!r}"
        )
    return value[0], value[1]
