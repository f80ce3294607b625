"""Avatar packs: the generated sample avatar, packs from folders, and their errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from render.avatar import find_avatar, load_pack
from render.errors import AvatarNotFound, AvatarPackError
from render.frames import Compositor
from render.overlays import BADGE_COLOUR
from render.visemes import SHAPES


def make_pack(root: Path, size: int = 200) -> Path:
    """A minimal photo-style pack: a grey portrait, a coloured mouth square per shape."""
    (root / "mouth").mkdir(parents=True)
    (root / "eyes").mkdir()
    Image.new("RGB", (size, size), (120, 120, 120)).save(root / "portrait.png")
    for n, shape in enumerate(SHAPES):
        Image.new("RGBA", (40, 20), (25 * n, 255 - 25 * n, 90, 255)).save(
            root / "mouth" / f"{shape}.png"
        )
    Image.new("RGBA", (80, 16), (0, 0, 0, 255)).save(root / "eyes" / "closed.png")
    manifest = {
        "name": "test-ceo",
        "portrait": "portrait.png",
        "mouth": {"position": [80, 130], "shapes": {s: f"mouth/{s}.png" for s in SHAPES}},
        "eyes": {"position": [60, 70], "states": {"closed": "eyes/closed.png"}},
    }
    (root / "manifest.json").write_text(json.dumps(manifest))
    return root


def edit_manifest(root: Path, **changes: object) -> None:
    path = root / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))


def test_the_sample_avatar_is_generated_once_into_the_cache(tmp_path: Path) -> None:
    pack = find_avatar("elena-marsh", tmp_path)
    assert pack.root.parent == tmp_path / "cache" / "avatars"
    assert set(pack.mouths) == set(SHAPES)
    assert {"half", "closed"} <= set(pack.eyes)
    assert "Elena Marsh" in pack.display_name
    stamp = (pack.root / "portrait.png").stat().st_mtime_ns
    again = find_avatar("elena-marsh", tmp_path)
    assert again.root == pack.root
    assert (pack.root / "portrait.png").stat().st_mtime_ns == stamp  # reused, not redrawn


def test_sample_avatar_mouth_shapes_all_look_different(tmp_path: Path) -> None:
    pack = find_avatar("elena-marsh", tmp_path)
    images = [np.asarray(pack.mouths[s].image, dtype=float) for s in SHAPES]
    for i in range(len(images)):
        for j in range(i + 1, len(images)):
            assert np.abs(images[i] - images[j]).mean() > 2, (SHAPES[i], SHAPES[j])


def test_a_pack_folder_loads_by_path_and_by_name(tmp_path: Path) -> None:
    root = make_pack(tmp_path / "home" / "avatars" / "ceo")
    by_path = find_avatar(root, tmp_path / "elsewhere")
    by_name = find_avatar("ceo", tmp_path / "home")
    assert by_path.name == by_name.name == "test-ceo"
    assert by_path.mouths["A"].position == (80, 130)
    assert by_path.eyes["half"].image.size == (80, 16)  # falls back to the closed lids


def test_composed_frames_show_the_pack_layers_where_the_manifest_puts_them(tmp_path: Path) -> None:
    pack = load_pack(make_pack(tmp_path / "ceo"))
    compositor = Compositor(pack, size=200, margin=0)
    for n, shape in enumerate(SHAPES):
        rgb = compositor.frame_rgb(shape)
        mouth = rgb[134:146, 84:116].reshape(-1, 3).mean(axis=0)  # inside the 40x20 square
        assert np.abs(mouth - (25 * n, 255 - 25 * n, 90)).max() < 12, shape
    assert np.abs(compositor.frame_rgb()[100, 20].astype(int) - 120).max() < 4
    closed = compositor.frame_rgb(eyes="closed")
    assert closed[74:82, 64:136].mean() < 8
    badge = compositor.frame_rgb()[8:14, 8:14].reshape(-1, 3).mean(axis=0)
    assert np.abs(badge - BADGE_COLOUR).max() < 12


def test_unknown_avatar_names_the_places_looked(tmp_path: Path) -> None:
    with pytest.raises(
        AvatarNotFound,
        match=r"avatar 'nobody': no pack folder .*built-in: "
        r"elena-marsh",
    ):
        find_avatar("nobody", tmp_path)


def test_a_folder_without_manifest_is_not_a_pack(tmp_path: Path) -> None:
    with pytest.raises(AvatarPackError, match="not an avatar pack"):
        load_pack(tmp_path)


def test_missing_mouth_shapes_are_named(tmp_path: Path) -> None:
    root = make_pack(tmp_path / "ceo")
    shapes = {s: f"mouth/{s}.png" for s in SHAPES if s not in "GH"}
    edit_manifest(root, mouth={"position": [80, 130], "shapes": shapes})
    with pytest.raises(AvatarPackError, match=r"mouth\.shapes lacks G, H"):
        load_pack(root)


def test_missing_layer_file_is_named(tmp_path: Path) -> None:
    root = make_pack(tmp_path / "ceo")
    (root / "mouth" / "D.png").unlink()
    with pytest.raises(AvatarPackError, match=r"layer file not found: .*mouth/D\.png"):
        load_pack(root)


def test_layers_outside_the_portrait_are_refused(tmp_path: Path) -> None:
    root = make_pack(tmp_path / "ceo")
    edit_manifest(root, eyes={"position": [150, 70], "states": {"closed": "eyes/closed.png"}})
    with pytest.raises(AvatarPackError, match=r"eyes layers at .* reach outside"):
        load_pack(root)


def test_bad_json_and_bad_positions_are_explained(tmp_path: Path) -> None:
    root = make_pack(tmp_path / "ceo")
    edit_manifest(root, mouth={"position": "middle", "shapes": {}})
    with pytest.raises(AvatarPackError):
        load_pack(root)
    shutil.copy(root / "portrait.png", root / "manifest.json")
    with pytest.raises(AvatarPackError, match="not valid JSON"):
        load_pack(root)
