"""Photo avatar packs: real MediaPipe landmarks on the public-domain test photo (NASA)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from render.avatar import find_avatar, load_pack
from render.avatar_store import write_test_photo
from render.errors import AvatarPackError
from render.face import FaceRenderer, create_face_renderer, register_face_renderer
from render.frames import Compositor
from render.landmarks import detect_face
from render.photo_frames import PhotoCompositor
from render.photo_pack import PhotoError, PhotoInput, build_photo_pack, read_photo
from render.photo_warp import VISEMES
from render.visemes import SHAPES

CONSENT = {"id": 7, "persona": "Test Person", "scope": ["likeness"]}


def rgb(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


@pytest.fixture(scope="module")
def test_photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_test_photo(tmp_path_factory.mktemp("photo") / "astronaut.png")


@pytest.fixture(scope="module")
def pack_dir(test_photo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("packs") / "astronaut"
    return build_photo_pack(dest, "astronaut", [PhotoInput("front", test_photo)], CONSENT, "Test")


def test_landmarks_find_the_face_in_the_test_photo(test_photo: Path) -> None:
    marks = detect_face(rgb(test_photo))
    assert marks is not None and marks.points.shape == (478, 2)
    eyes_y = (marks[33][1] + marks[263][1]) / 2
    assert eyes_y < marks[13][1] < marks[152][1]  # eyes above mouth above chin
    assert 170 < marks[1][0] < 280  # the nose is where the astronaut's face is
    assert 0 <= marks.mouth_opening < 0.15  # she smiles, lips a little apart


def test_no_face_in_a_plain_image() -> None:
    assert detect_face(np.full((256, 256, 3), 128, dtype=np.uint8)) is None


def test_bad_photos_are_one_line_errors(tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.new("RGB", (300, 300), (90, 120, 160)).save(blank)
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    cases = {
        tmp_path / "missing.png": "no such file",
        corrupt: "not a readable image",
        blank: "no face found",
        tmp_path: "is a folder",
    }
    for path, problem in cases.items():
        with pytest.raises(PhotoError) as caught:
            read_photo(path)
        message = str(caught.value)
        assert message.startswith(str(path)) and problem in message and "\n" not in message


def test_a_face_too_small_is_refused(test_photo: Path, tmp_path: Path) -> None:
    small = tmp_path / "small.png"
    Image.fromarray(rgb(test_photo)).resize((160, 160)).save(small)
    with pytest.raises(PhotoError, match="too small"):
        read_photo(small)


def test_the_pack_records_its_photos_and_consent(pack_dir: Path, test_photo: Path) -> None:
    manifest = json.loads((pack_dir / "manifest.json").read_text())
    assert manifest["renderer"] == "photo"
    assert manifest["consent"] == CONSENT
    digest = hashlib.sha256(test_photo.read_bytes()).hexdigest()
    assert manifest["photos"] == [{"role": "front", "file": "astronaut.png", "sha256": digest}]
    pack = load_pack(pack_dir)
    assert pack.consent_id == 7 and pack.renderer == "photo"
    assert set(pack.mouths) == set(SHAPES) and {"half", "closed"} <= set(pack.eyes)
    assert not list(pack_dir.parent.glob(".astronaut-*"))  # no scratch folder left behind


def test_the_test_photo_is_labelled_as_such_and_another_photo_is_not(
    pack_dir: Path, test_photo: Path, tmp_path: Path
) -> None:
    manifest = json.loads((pack_dir / "manifest.json").read_text())
    assert manifest["label"].startswith("test photo") and "not the persona" in manifest["label"]
    portrait = rgb(pack_dir / "portrait.png")
    corner = portrait[-20:, :200]
    assert (corner.mean(axis=2) < 30).mean() > 0.4 and (corner.min(axis=2) > 200).any()

    mirrored = tmp_path / "mirrored.png"
    Image.fromarray(rgb(test_photo)[:, ::-1]).save(mirrored)
    other = build_photo_pack(tmp_path / "other", "other", [PhotoInput("front", mirrored)], CONSENT)
    assert json.loads((other / "manifest.json").read_text())["label"] == ""


def test_open_shapes_show_a_dark_mouth_and_every_layer_meets_the_photo(pack_dir: Path) -> None:
    pack = load_pack(pack_dir)
    x, y = pack.mouths["X"].position
    portrait = np.asarray(pack.portrait, dtype=float)

    def layer(shape: str) -> np.ndarray:
        return np.asarray(pack.mouths[shape].image.convert("RGB"), dtype=float)

    height, width = layer("X").shape[:2]
    photo_box = portrait[y : y + height, x : x + width]
    marks = detect_face(portrait.astype(np.uint8))
    assert marks is not None
    cx, cy = (marks[13] + marks[14]) / 2 - (x, y)
    half = marks.mouth_width / 2
    lips = (slice(max(0, int(cy - half)), int(cy + half)), slice(int(cx - half), int(cx + half)))
    dark = {s: int((layer(s)[lips].mean(axis=2) < 60).sum()) for s in ("X", "C", "D")}
    assert dark["D"] > dark["C"] > dark["X"] + 100  # the wider open, the more cavity shows
    for shape in SHAPES:  # the layer's border is the photo, so no seam can show
        edge = np.abs(layer(shape) - photo_box)
        assert edge[:3].mean() < 3 and edge[-3:].mean() < 3
        assert edge[:, :3].mean() < 3 and edge[:, -3:].mean() < 3


def test_the_detector_sees_each_shape_open_as_far_as_asked(pack_dir: Path) -> None:
    face = create_face_renderer(load_pack(pack_dir), 512, 0)
    asked, seen = [], []
    for shape in SHAPES:
        marks = detect_face(face.frame_rgb(shape))
        assert marks is not None, shape
        asked.append(VISEMES[shape].gap)
        seen.append(marks.mouth_opening)
    assert np.corrcoef(asked, seen)[0, 1] > 0.85
    assert seen[SHAPES.index("D")] > 3 * seen[SHAPES.index("A")]


def test_blinks_close_the_eyes(pack_dir: Path) -> None:
    face = create_face_renderer(load_pack(pack_dir), 512, 0)
    open_eyes = detect_face(face.frame_rgb("X", "open"))
    shut = detect_face(face.frame_rgb("X", "closed"))
    assert open_eyes is not None and shut is not None

    def lid_gap(marks) -> float:  # type: ignore[no-untyped-def]
        return float(marks[145][1] - marks[159][1] + marks[374][1] - marks[386][1])

    assert lid_gap(shut) < 0.6 * lid_gap(open_eyes)


def test_the_seam_picks_the_renderer_the_manifest_names(pack_dir: Path, tmp_path: Path) -> None:
    photo = create_face_renderer(load_pack(pack_dir), 256, 3)
    illustrated = create_face_renderer(find_avatar("elena-marsh", tmp_path), 256, 3)
    assert isinstance(photo, PhotoCompositor) and isinstance(illustrated, Compositor)
    pack = load_pack(pack_dir)
    pack.renderer = "hologram"
    with pytest.raises(AvatarPackError, match="renderer 'hologram' is not known"):
        create_face_renderer(pack, 256, 3)

    class Flat(FaceRenderer):
        def frame_rgb(self, shape="X", eyes="open", offset=(0, 0)):  # type: ignore[no-untyped-def]
            return np.zeros((self.size, self.size, 3), dtype=np.uint8)

    register_face_renderer("hologram", Flat)
    assert isinstance(create_face_renderer(pack, 64, 0), Flat)


def test_head_motion_moves_the_head_and_nothing_outside_it(pack_dir: Path) -> None:
    face = PhotoCompositor(load_pack(pack_dir), 512, 6)
    still = face.frame("X", "open", (0, 0)).copy()
    moved = face.frame("X", "open", (6, -4)).copy()
    y = np.frombuffer(still, np.uint8)[: 512 * 512].reshape(512, 512)
    y2 = np.frombuffer(moved, np.uint8)[: 512 * 512].reshape(512, 512)
    inside, outside = face.weight > 0.99, face.weight == 0
    assert np.abs(y2.astype(int) - y)[inside].mean() > 2
    assert np.array_equal(y2[outside], y[outside])


def test_a_new_shape_starts_midway_from_the_last(pack_dir: Path) -> None:
    face = PhotoCompositor(load_pack(pack_dir), 256, 0)
    closed = face.frame("A", "open", (0, 0)).astype(int)
    wide = face.frame("D", "open", (0, 0)).astype(int)
    between = face.frame("D", "open", (0, 0), previous="A").astype(int)
    assert np.abs(between - (closed + wide) / 2).max() <= 1
    assert not np.array_equal(between, wide)


def test_an_oo_photo_becomes_the_puckered_mouth(pack_dir: Path, tmp_path: Path) -> None:
    """Another shot of the same face (here: the pack's own wide-open frame, moved and scaled
    as a second photo would be) supplies the F mouth, aligned and feathered into the portrait."""
    face = create_face_renderer(load_pack(pack_dir), 768, 0)
    shot = Image.fromarray(face.frame_rgb("D")).resize((700, 700)).crop((-40, -20, 660, 680))
    shot.save(tmp_path / "oo.png")
    front = tmp_path / "front.png"
    Image.fromarray(rgb(pack_dir / "portrait.png")).save(front)
    inputs = [PhotoInput("front", front), PhotoInput("oo", tmp_path / "oo.png")]
    built = load_pack(build_photo_pack(tmp_path / "with-oo", "with-oo", inputs, CONSENT))
    roles = [p["role"] for p in built.manifest["photos"]]
    assert roles == ["front", "oo"]
    marks = detect_face(create_face_renderer(built, 768, 0).frame_rgb("F"))
    assert marks is not None and marks.mouth_opening > 0.15  # the oo photo's open mouth
    layer = np.asarray(built.mouths["F"].image.convert("RGB"), dtype=float)
    x, y = built.mouths["F"].position
    photo_box = rgb(front)[y : y + layer.shape[0], x : x + layer.shape[1]].astype(float)
    assert np.abs(layer - photo_box)[:4].mean() < 3  # feathered: the box's edge is the photo
    with pytest.raises(PhotoError, match="exactly one front photo"):
        build_photo_pack(tmp_path / "x", "x", [PhotoInput("oo", front)], CONSENT)
