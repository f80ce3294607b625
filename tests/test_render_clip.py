"""Whole clips with the real piper voice and the real ffmpeg, checked by decoding them again."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from render import encode as encode_module
from render.errors import AvatarNotFound, ClipTooLarge, EncodeError, TextError
from render.frames import Compositor
from render.overlays import BADGE_COLOUR, badge_patch
from render.pipeline import Renderer, RenderResult
from render.timeline import Timeline, plan_timeline
from render.tts import Speech
from render.visemes import CLOSED, REST, SHAPES
from twin.sections.render import RenderSettings

FPS = 25
SIZE = 512
SEED = 5
TEXT = (
    "My big plan is simple. We build more products, and maybe ship by March. "
    "Bob paid the bill, but the board wants proof. Please keep it brief."
)
PAUSES = set("^$_.,;:!?")


def ffmpeg() -> str:
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


@dataclass
class Probe:
    duration: float
    video: str
    audio: str


def probe(path: Path) -> Probe:
    """What ffmpeg says about a file (ffprobe is not always installed)."""
    log = subprocess.run(
        [ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True, text=True
    ).stderr
    h, m, s = re.search(r"Duration: (\d+):(\d+):([\d.]+)", log).groups()  # type: ignore[union-attr]
    video = re.search(r"Stream #\S+: Video: (.*)", log)
    audio = re.search(r"Stream #\S+: Audio: (.*)", log)
    assert video and audio, log
    return Probe(int(h) * 3600 + int(m) * 60 + float(s), video.group(1), audio.group(1))


def top_level_boxes(path: Path) -> list[str]:
    data = path.read_bytes()
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8].decode("latin-1")
        if size == 1:
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        elif size == 0:
            size = len(data) - offset
        boxes.append(kind)
        offset += size
    return boxes


def decode(path: Path, pix_fmt: str, channels: int, crop: str | None = None) -> np.ndarray:
    args = [ffmpeg(), "-v", "error", "-i", str(path)]
    if crop:
        args += ["-vf", f"crop={crop}"]
    raw = subprocess.run(
        [*args, "-f", "rawvideo", "-pix_fmt", pix_fmt, "-"], capture_output=True, check=True
    ).stdout
    return np.frombuffer(raw, dtype=np.uint8)


@dataclass
class Clip:
    speech: Speech
    result: RenderResult
    timeline: Timeline
    compositor: Compositor
    luma: np.ndarray  # decoded frames, (n, SIZE, SIZE)


@pytest.fixture(scope="module")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> Renderer:
    return Renderer(RenderSettings(size=SIZE, fps=FPS), home=tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="module")
def clip(renderer: Renderer, tmp_path_factory: pytest.TempPathFactory) -> Clip:
    out = tmp_path_factory.mktemp("clips") / "answer.mp4"
    speech = renderer.tts.synthesize(TEXT)
    before = os.umask(0o022)  # a library caller's usual umask: the clip's mode follows it
    try:
        result = renderer.render_speech(speech, out, seed=SEED)
    finally:
        os.umask(before)
    timeline = plan_timeline(speech, renderer.settings, SEED, captions=False)
    luma = decode(out, "gray", 1).reshape(-1, SIZE, SIZE)
    return Clip(speech, result, timeline, renderer.compositor()[1], luma)


def reference_luma(compositor: Compositor, shape: str, eyes: str, offset: np.ndarray) -> np.ndarray:
    frame = compositor.frame(shape, eyes, (int(offset[0]), int(offset[1])))
    return frame[: SIZE * SIZE].reshape(SIZE, SIZE).astype(np.int16)


def classify(clip: Clip, i: int, options: list[tuple[str, str]]) -> int:
    """Which of the (shape, eyes) renderings decoded frame i is closest to, compared only
    where those renderings differ."""
    refs = [reference_luma(clip.compositor, s, e, clip.timeline.offsets[i]) for s, e in options]
    mask = np.zeros((SIZE, SIZE), dtype=bool)
    for ref in refs[1:]:
        mask |= ref != refs[0]
    frame = clip.luma[i].astype(np.int16)
    return int(np.argmin([np.abs(frame[mask] - ref[mask]).mean() for ref in refs]))


@pytest.fixture(scope="module")
def mouths(clip: Clip) -> list[str]:
    """The mouth shape seen in each decoded frame."""
    options = [(shape, "open") for shape in SHAPES]
    return [SHAPES[classify(clip, i, options)] for i in range(len(clip.luma))]


def test_clip_is_h264_yuv420p_aac_at_25_fps(clip: Clip) -> None:
    info = probe(clip.result.path)
    assert info.video.startswith("h264")
    assert "yuv420p" in info.video
    assert f"{SIZE}x{SIZE}" in info.video
    assert re.search(r"\b25 fps\b", info.video)
    assert info.audio.startswith("aac")


def test_clip_lasts_as_long_as_the_speech(clip: Clip) -> None:
    assert abs(probe(clip.result.path).duration - clip.speech.duration_s) < 0.1
    assert len(clip.luma) == clip.result.frames == round(clip.speech.duration_s * FPS)
    assert clip.result.duration_s == pytest.approx(clip.speech.duration_s)


def test_clip_is_faststart(clip: Clip) -> None:
    boxes = top_level_boxes(clip.result.path)
    assert boxes.index("moov") < boxes.index("mdat")


def test_lips_close_on_m_b_p(clip: Clip, mouths: list[str]) -> None:
    bilabials = [p for p in clip.speech.phonemes if p.phoneme in "mbp"]
    assert len(bilabials) >= 10
    for p in bilabials:
        frames = range(int(p.start * FPS), min(int(np.ceil(p.end * FPS)), len(mouths)))
        assert any(mouths[i] == CLOSED for i in frames), (p, [mouths[i] for i in frames])


def test_mouth_rests_in_pauses(clip: Clip, mouths: list[str]) -> None:
    pauses = [p for p in clip.speech.phonemes if p.phoneme in PAUSES and p.end - p.start > 0.12]
    checked = 0
    for p in pauses:
        inner = [
            i for i in range(len(mouths)) if p.start + 1 / FPS <= (i + 0.5) / FPS < p.end - 1 / FPS
        ]
        assert all(mouths[i] == REST for i in inner), (p, [mouths[i] for i in inner])
        checked += len(inner)
    assert checked >= 5


def test_mouth_shapes_never_flicker(mouths: list[str]) -> None:
    runs: list[list] = []
    for shape in mouths:
        if runs and runs[-1][0] == shape:
            runs[-1][1] += 1
        else:
            runs.append([shape, 1])
    assert len({shape for shape, _ in runs}) >= 6  # it does talk
    short = [(i, shape) for i, (shape, n) in enumerate(runs) if n < 2 and shape != CLOSED]
    assert not short


def test_decoded_frames_match_the_plan(clip: Clip, mouths: list[str]) -> None:
    assert mouths == clip.timeline.shapes  # no frame lost, doubled or shifted


def test_eyes_blink_every_three_to_six_seconds(clip: Clip) -> None:
    options = [("X", "open"), ("X", "half"), ("X", "closed")]
    # Compare where the eye renderings differ; the mouth is elsewhere, so any shape will do.
    eyes = [classify(clip, i, options) for i in range(len(clip.luma))]
    onsets = [i for i in range(1, len(eyes)) if eyes[i] and not eyes[i - 1]]
    assert len(onsets) >= 2
    assert 2 in eyes  # fully closed at some point
    gaps = np.diff(onsets) / FPS
    assert ((gaps >= 3.0 - 1 / FPS) & (gaps <= 6.0 + 1 / FPS)).all(), gaps


def test_every_frame_shows_the_ai_badge(clip: Clip) -> None:
    x0, y0, x1, y1 = badge_patch(SIZE).box
    crop = f"{x1 - x0}:{y1 - y0}:{x0}:{y0}"
    pixels = decode(clip.result.path, "rgb24", 3, crop).reshape(-1, (y1 - y0) * (x1 - x0), 3)
    assert len(pixels) == clip.result.frames
    amber = (np.abs(pixels.astype(int) - BADGE_COLOUR) < 40).all(axis=2).mean(axis=1)
    assert amber.min() > 0.5


def test_result_reports_the_timings(clip: Clip) -> None:
    result = clip.result
    assert result.size_bytes == result.path.stat().st_size
    assert result.path.stat().st_mode & 0o777 == 0o644
    assert result.attempts == 1
    assert result.render_s > 0 and result.encode_s > 0
    assert result.rtf == pytest.approx(result.total_s / result.duration_s)
    assert result.to_json()["path"] == str(result.path)


def test_render_times_the_speech_too(renderer: Renderer, tmp_path: Path) -> None:
    result = renderer.render("Thanks, everyone.", tmp_path / "short.mp4")
    assert result.tts_s > 0
    assert result.total_s >= result.tts_s + result.encode_s
    assert result.backend == "piper" and result.avatar == "elena-marsh"


# Failure paths: the fake voice keeps them fast.


@pytest.fixture
def fake(tmp_path: Path) -> Renderer:
    return Renderer(RenderSettings(backend="fake", size=256), home=tmp_path / "home")


def test_captions_are_burned_in_below_the_face(fake: Renderer, tmp_path: Path) -> None:
    plain = fake.render("Hello there, team.", tmp_path / "plain.mp4", seed=1)
    captioned = fake.render("Hello there, team.", tmp_path / "cc.mp4", seed=1, captions=True)
    a = decode(plain.path, "gray", 1).reshape(-1, 256, 256)
    b = decode(captioned.path, "gray", 1).reshape(-1, 256, 256)
    middle = len(a) // 2
    assert np.abs(a[middle, 230:].astype(int) - b[middle, 230:]).mean() > 20  # the band
    assert np.abs(a[middle, 40:200].astype(int) - b[middle, 40:200]).mean() < 2  # the face


def test_a_crash_mid_encode_leaves_no_partial_file(
    fake: Renderer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "clip.mp4"
    out.write_bytes(b"the previous clip")
    real_frames = Compositor.frames

    def crashing(self: Compositor, timeline: Timeline) -> Iterator[np.ndarray]:
        for n, frame in enumerate(real_frames(self, timeline)):
            if n == 20:
                raise RuntimeError("worker died")
            yield frame

    monkeypatch.setattr(Compositor, "frames", crashing)
    with pytest.raises(RuntimeError, match="worker died"):
        fake.render("This one never finishes, because the worker dies.", out)
    assert out.read_bytes() == b"the previous clip"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "home"]


def test_an_ffmpeg_failure_is_reported_with_its_message(tmp_path: Path) -> None:
    renderer = Renderer(
        RenderSettings(backend="fake", size=256, x264_preset="warp-speed"), home=tmp_path / "home"
    )
    with pytest.raises(EncodeError, match="ffmpeg"):
        renderer.render("Hello.", tmp_path / "clip.mp4")
    assert not (tmp_path / "clip.mp4").exists()
    assert not list(tmp_path.glob("*.part"))


def test_over_the_size_cap_it_encodes_again_smaller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "We keep hiring slowly and focus on the customers we already have."
    settings = RenderSettings(backend="fake", size=256, crf=10, audio_bitrate_kbps=16)
    first = Renderer(settings, home=tmp_path / "home").render(text, tmp_path / "a.mp4", seed=1)
    # A first try with no bitrate limit to speak of, so the cap below forces a second try.
    monkeypatch.setattr(encode_module, "TRIES", ((0, 100.0), (24, 0.5)))
    cap_mb = first.size_bytes * 0.6 / 1024 / 1024
    capped = settings.model_copy(update={"max_mb": cap_mb})
    second = Renderer(capped, home=tmp_path / "home").render(text, tmp_path / "b.mp4", seed=1)
    assert second.attempts == 2
    assert second.size_bytes <= cap_mb * 1024 * 1024
    assert (tmp_path / "b.mp4").stat().st_size == second.size_bytes


def test_a_cap_no_encoding_can_meet_fails_clearly(tmp_path: Path) -> None:
    renderer = Renderer(
        RenderSettings(backend="fake", size=256, max_mb=0.01), home=tmp_path / "home"
    )
    with pytest.raises(ClipTooLarge, match=r"render\.max_mb"):
        renderer.render("This answer is far too long for a ten kilobyte clip.", tmp_path / "c.mp4")
    assert not (tmp_path / "c.mp4").exists()


def test_empty_or_overlong_text_is_refused(fake: Renderer, tmp_path: Path) -> None:
    with pytest.raises(TextError, match="empty"):
        fake.render("  \n ", tmp_path / "x.mp4")
    with pytest.raises(TextError, match="max_chars"):
        fake.render("word " * 1000, tmp_path / "x.mp4")


def test_an_unknown_avatar_fails_before_any_speech(tmp_path: Path) -> None:
    renderer = Renderer(RenderSettings(backend="no-such-backend"), home=tmp_path)
    with pytest.raises(AvatarNotFound):
        renderer.render("Hello.", tmp_path / "x.mp4", avatar="nobody")
