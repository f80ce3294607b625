"""`twin avatar` through the CLI runner: consent, the pack's life, and clips with real piper."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from helpers import memo, write
from PIL import Image

from cli.main import main
from render.avatar_store import write_test_photo
from render.lipsync import decode_frames

CONFIG = "render:\n  size: 256\n"
REMOTE = (
    "Here is where we landed on remote work. Everyone can work from home three days a week, "
    "and teams meet in person every Tuesday and Thursday."
)


def rgb(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


@pytest.fixture
def twin(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "config.yaml").write_text(CONFIG)
    write_test_photo(tmp_path / "test-photo.png")

    def run(*args: str) -> Result:
        env = {"TWIN_HOME": str(tmp_path / "home"), "TWIN_CONFIG": None}
        return CliRunner().invoke(main, ["--config", str(tmp_path / "config.yaml"), *args], env=env)

    return run


def test_add_refuses_without_likeness_consent(twin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = twin("avatar", "add", "test-photo.png", "--name", "test-photo")
    assert result.exit_code == 1
    assert "no consent in force for Elena Marsh's likeness" in result.output
    twin("consent", "add", "--scope", "voice", "--by", "Elena Marsh")  # voice is not likeness
    result = twin("avatar", "add", "test-photo.png", "--name", "test-photo")
    assert result.exit_code == 1 and "likeness" in result.output
    assert not (tmp_path / "home" / "avatars" / "test-photo").exists()


def test_add_list_show_remove(twin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert twin("consent", "add", "--scope", "likeness", "--by", "Test Sitter").exit_code == 0
    added = twin(
        "avatar",
        "add",
        "test-photo.png",
        "--name",
        "test-photo",
        "--json",
        "--display-name",
        "Test photo (NASA, public domain)",
    )
    assert added.exit_code == 0, added.output
    pack = json.loads(added.output)
    assert pack["renderer"] == "photo" and pack["consent_id"] == 1
    assert pack["photos"][0]["role"] == "front" and len(pack["photos"][0]["sha256"]) == 64
    again = twin("avatar", "add", "test-photo.png", "--name", "test-photo")
    assert again.exit_code == 1 and "already exists" in again.output

    listed = json.loads(twin("avatar", "list", "--json").output)
    assert [p["name"] for p in listed] == ["test-photo"]
    assert "test-photo" in twin("avatar", "list").output

    shown = twin("avatar", "show", "test-photo", "--out", "sheet.png")
    assert shown.exit_code == 0, shown.output
    with Image.open(tmp_path / "sheet.png") as sheet:
        assert sheet.width == 5 * 192 and sheet.height > 2 * 192

    assert twin("avatar", "remove", "test-photo").exit_code == 0
    assert not (tmp_path / "home" / "avatars" / "test-photo").exists()
    gone = twin("avatar", "remove", "test-photo")
    assert gone.exit_code == 1 and "no pack" in gone.output


def test_bad_photos_and_names_are_clean_errors(twin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    twin("consent", "add", "--scope", "likeness", "--by", "Test Sitter")
    Image.new("RGB", (320, 320), (200, 180, 160)).save(tmp_path / "wall.png")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 truncated")
    for photo, problem in [
        ("missing.png", "no such file"),
        ("broken.jpg", "not a readable image"),
        ("wall.png", "no face found"),
    ]:
        result = twin("avatar", "add", photo, "--name", "x")
        assert result.exit_code == 1 and problem in result.output and photo in result.output
        assert "Traceback" not in result.output
    bad_name = twin("avatar", "add", "test-photo.png", "--name", "../up")
    assert bad_name.exit_code == 1 and "avatar name" in bad_name.output
    assert not (tmp_path / "home" / "avatars").exists() or not any(
        (tmp_path / "home" / "avatars").iterdir()
    )


@pytest.mark.slow
def test_ask_video_speaks_with_the_photo_and_revocation_stops_it(twin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path / "docs" / "2026-04-02-remote.md", memo("Remote work", "2026-04-02", REMOTE))
    assert twin("ingest", "docs").exit_code == 0
    twin("consent", "add", "--scope", "voice,likeness", "--by", "Test Sitter")
    assert twin("avatar", "add", "test-photo.png", "--name", "test-photo").exit_code == 0
    (tmp_path / "config.yaml").write_text(CONFIG + "  avatar: test-photo\n")

    asked = twin("ask", "What is our remote work policy?", "--no-stream", "--video", "clip.mp4")
    assert asked.exit_code == 0, asked.output
    frames = decode_frames(tmp_path / "clip.mp4", 256)
    assert len(frames) > 25
    portrait = rgb(tmp_path / "home/avatars/test-photo/portrait.png")
    corner = np.asarray(Image.fromarray(portrait).resize((256, 256)))[200:, 200:]
    assert np.abs(frames[0][200:, 200:].astype(int) - corner).mean() < 6  # the photo's corner
    mouths = frames[:, 150:200, 90:170].astype(int)
    assert np.abs(np.diff(mouths, axis=0)).mean(axis=(1, 2, 3)).max() > 2  # the mouth moves

    records = json.loads(twin("consent", "list", "--json").output)
    assert twin("consent", "revoke", str(records[0]["id"])).exit_code == 0
    twin("consent", "add", "--scope", "voice,likeness", "--by", "Someone Else")  # not the pack's
    refused = twin("render", "Hello.", "--out", "after.mp4")
    assert refused.exit_code == 1
    assert "avatar pack 'test-photo' was built under consent 1" in refused.output
    assert "revoked" in refused.output and "Traceback" not in refused.output
    assert not (tmp_path / "after.mp4").exists()
