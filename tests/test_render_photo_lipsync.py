"""A photo clip measured, not looked at: real piper speech, real ffmpeg, real landmarks.

The mouth opening the landmark detector finds in the decoded frames follows the mouth-shape
track (Pearson >= 0.8), and outside the head the frames are the photo (SSIM >= 0.98).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from render.avatar_store import write_test_photo
from render.consent import ConsentRegistry, ConsentRequired
from render.lipsync import (
    decode_frames,
    expected_opening,
    identity_ssim,
    measured_opening,
    pearson,
)
from render.overlays import badge_patch
from render.photo_pack import PhotoInput, build_photo_pack
from render.pipeline import Renderer
from render.timeline import plan_timeline
from twin.sections.render import RenderSettings

TEXT = (
    "Thanks for asking about our plan for next year. We will keep hiring slowly and focus on "
    "the customers we already have. I know the last quarter was hard, and budgets were tight."
)


@pytest.fixture
def photo_renderer(tmp_path: Path) -> Renderer:
    home = tmp_path / "home"
    consents = ConsentRegistry(f"sqlite:///{tmp_path / 'twin.db'}")
    record = consents.add("Test Person", "likeness", "Test Sitter")
    photo = write_test_photo(tmp_path / "test-photo.png")
    consent = {"id": record.id, "persona": "Test Person", "scope": ["likeness"]}
    build_photo_pack(
        home / "avatars" / "test-photo", "test-photo", [PhotoInput("front", photo)], consent
    )
    settings = RenderSettings(size=512, avatar="test-photo")
    return Renderer(settings, home=home, consents=consents)


@pytest.mark.slow
def test_the_mouth_follows_the_speech_and_the_rest_is_the_photo(
    photo_renderer: Renderer, tmp_path: Path
) -> None:
    speech = photo_renderer.tts.synthesize(TEXT)
    clip = tmp_path / "clip.mp4"
    result = photo_renderer.render_speech(speech, clip, seed=3)
    assert result.avatar == "test-photo"
    frames = decode_frames(clip, 512)
    timeline = plan_timeline(speech, photo_renderer.settings, 3, captions=False)
    assert len(frames) == len(timeline)

    correlation = pearson(expected_opening(timeline.shapes), measured_opening(frames))
    assert correlation >= 0.8

    _, face = photo_renderer.compositor()
    outside = face.weight == 0
    _, _, x1, y1 = badge_patch(512).box
    outside[: y1 + 2, : x1 + 2] = False
    assert outside.mean() > 0.5  # most of the frame is not the head
    ssim = identity_ssim(frames[::5], face.stage_rgb, outside)
    assert ssim.min() >= 0.98


def test_a_pack_without_a_consent_registry_or_with_revoked_consent_is_refused(
    photo_renderer: Renderer, tmp_path: Path
) -> None:
    unchecked = Renderer(photo_renderer.settings, home=photo_renderer.home)
    with pytest.raises(ConsentRequired, match="needs its consent record checked"):
        unchecked.render("Hello.", tmp_path / "a.mp4")
    photo_renderer.compositor()  # loaded and cached while consent is in force
    assert photo_renderer.consents is not None
    photo_renderer.consents.revoke(1)
    with pytest.raises(ConsentRequired, match="revoked"):
        photo_renderer.render("Hello.", tmp_path / "b.mp4")
    assert not (tmp_path / "a.mp4").exists() and not (tmp_path / "b.mp4").exists()
    assert np.isnan(pearson(np.zeros(5), np.ones(5)))  # no variation: no correlation claimed
