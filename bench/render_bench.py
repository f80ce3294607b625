"""Real-time factor of the renderer: 10, 30 and 60 s clips at 512 and 720 px, 25 fps, for the
illustrated avatar and the photo avatar (built from the public-domain test photo); then the
photo avatar's lip-sync and identity, measured on a 30 s clip.

Each case runs in a fresh process that loads the voice and the avatar first (as a worker does
once), renders a short warm-up clip, then the measured one; its peak memory is that process's
(and, polled, ffmpeg's) maximum resident set. "CPU s/s" is CPU time (all cores, ffmpeg
included) per second of clip: on an idle machine, RTF can approach CPU s/s / cores. Prints
Markdown tables.

Lip-sync: the landmark detector finds the mouth opening in every decoded frame; the Pearson
correlation with the opening the mouth-shape track asks for. Identity: SSIM of each decoded
frame with the photo outside the head's ellipse and the badge. `--strip PNG` saves six frames
of that clip side by side, labelled as the test photo.

    python -m bench.render_bench [--sizes 512 720] [--seconds 10 30 60] [--avatars illustrated
        photo] [--backend piper] [--sync-seconds 30] [--strip docs/photo-avatar-strip.png]
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import resource
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

SENTENCES = [
    "Thanks for asking about our plan for next year.",
    "We will keep hiring slowly and focus on the customers we already have.",
    "I know the last quarter was hard, and budgets were tight.",
    "We missed two targets, but the board backs our strategy, and so do I.",
    "My ask of every team is simple: ship the basics well, and tell me early when you are stuck.",
    "Maybe that sounds boring, but boring and reliable is what our biggest customers pay for.",
]
WORDS_PER_SECOND = 3.3  # the sample voice's pace, near enough to aim the clip lengths


def text_for(seconds: float) -> str:
    words_needed = seconds * WORDS_PER_SECOND
    chosen: list[str] = []
    while sum(len(s.split()) for s in chosen) < words_needed:
        chosen.append(SENTENCES[len(chosen) % len(SENTENCES)])
    return " ".join(chosen)


class ChildPeak:
    """Polls the peak resident memory (VmHWM) of this process's children (ffmpeg)."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> ChildPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            for children in Path("/proc/self/task").glob("*/children"):
                for pid in children.read_text().split():
                    self.peak_kb = max(self.peak_kb, _hwm_kb(pid))


def _hwm_kb(pid: str) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1])


PHOTO_PACK = "test-photo"


def photo_renderer(settings: Any, home: Path) -> Any:
    """A Renderer whose avatar is a photo pack of the test photo, built under a consent."""
    from render.avatar_store import write_test_photo
    from render.consent import ConsentRegistry
    from render.photo_pack import PhotoInput, build_photo_pack
    from render.pipeline import Renderer

    consents = ConsentRegistry(f"sqlite:///{home / 'twin.db'}")
    record = consents.add("Test Person", "likeness", "Test Sitter", note="test photo (NASA)")
    photo = write_test_photo(home / "test-photo.png")
    consent = {"id": record.id, "persona": "Test Person", "scope": list(record.scope)}
    pack = home / "avatars" / PHOTO_PACK
    build_photo_pack(pack, PHOTO_PACK, [PhotoInput("front", photo)], consent, "Test photo")
    settings = settings.model_copy(update={"avatar": PHOTO_PACK})
    return Renderer(settings, home=home, consents=consents)


def run_case(
    size: int, seconds: float, backend: str, preset: str | None, avatar: str = "illustrated"
) -> dict[str, Any]:
    from render.pipeline import Renderer
    from twin.sections.render import RenderSettings

    options: dict[str, Any] = {"size": size, "fps": 25, "backend": backend}
    if preset:
        options["x264_preset"] = preset
    settings = RenderSettings(**options)
    with tempfile.TemporaryDirectory() as scratch:
        if avatar == "photo":
            renderer = photo_renderer(settings, Path(scratch))
        else:
            renderer = Renderer(settings, home=Path(scratch))
        renderer.render("Warming up.", Path(scratch) / "warm.mp4")
        before = os.times()
        with ChildPeak() as ffmpeg_peak:
            result = renderer.render(text_for(seconds), Path(scratch) / "clip.mp4")
        after = os.times()
    cpu = sum(after[i] - before[i] for i in range(4))
    return {
        **result.to_json(),
        "cpu_rtf": cpu / result.duration_s,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "ffmpeg_peak_mb": ffmpeg_peak.peak_kb / 1024,
    }


def _in_fresh_process(args: tuple[int, float, str, str | None, str]) -> dict[str, Any]:
    return run_case(*args)


def measure_sync(seconds: float, backend: str, strip: Path | None) -> dict[str, Any]:
    """Lip-sync correlation and SSIM outside the head for a photo clip at 512 px."""
    import numpy as np

    from render.lipsync import (
        decode_frames,
        expected_opening,
        identity_ssim,
        measured_opening,
        pearson,
    )
    from render.overlays import badge_patch
    from render.timeline import plan_timeline
    from twin.sections.render import RenderSettings

    settings = RenderSettings(size=512, fps=25, backend=backend)
    with tempfile.TemporaryDirectory() as scratch:
        renderer = photo_renderer(settings, Path(scratch))
        speech = renderer.tts.synthesize(text_for(seconds))
        clip = Path(scratch) / "sync.mp4"
        renderer.render_speech(speech, clip, seed=1)
        frames = decode_frames(clip, settings.size)
        timeline = plan_timeline(speech, renderer.settings, 1, captions=False)
        expected = expected_opening(timeline.shapes)
        measured = measured_opening(frames)
        _, face = renderer.compositor()
        outside = face.weight == 0
        _, _, x1, y1 = badge_patch(settings.size).box
        outside[: y1 + 2, : x1 + 2] = False
        ssim = identity_ssim(frames, face.stage_rgb, outside)
        if strip is not None:
            save_strip(frames, timeline.shapes, strip)
    return {
        "seconds": speech.duration_s,
        "frames": len(frames),
        "pearson": pearson(expected, measured),
        "found": float(np.isfinite(measured).mean()),
        "ssim_min": float(ssim.min()),
        "ssim_mean": float(ssim.mean()),
        "outside": float(outside.mean()),
    }


STRIP_SHAPES = "XBCDEF"  # rest, teeth together, open, wide open, rounded, puckered


def save_strip(frames: Any, shapes: list[str], out: Path, side: int = 150) -> None:
    """One frame of each of STRIP_SHAPES (held for at least two frames), side by side."""
    from PIL import Image, ImageDraw, ImageFont

    picks = []
    for wanted in STRIP_SHAPES:
        held = [i for i in range(1, len(shapes)) if shapes[i] == shapes[i - 1] == wanted]
        if held:
            picks.append(held[len(held) // 2])
    count, band = len(picks), 22
    strip = Image.new("RGB", (side * count, side + band), (24, 28, 36))
    for n, i in enumerate(picks):
        tile = Image.fromarray(frames[i]).resize((side, side), Image.Resampling.LANCZOS)
        strip.paste(tile, (n * side, band))
    label = "TEST PHOTO (NASA astronaut portrait, public domain), not the persona"
    ImageDraw.Draw(strip).text((6, 4), label, fill=(255, 255, 255), font=ImageFont.load_default(13))
    out.parent.mkdir(parents=True, exist_ok=True)
    strip.save(out, optimize=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 720])
    parser.add_argument("--seconds", type=float, nargs="+", default=[10, 30, 60])
    parser.add_argument("--backend", default="piper")
    parser.add_argument("--preset", help="x264 preset (default: the settings' default)")
    parser.add_argument("--avatars", nargs="+", default=["illustrated", "photo"])
    parser.add_argument("--sync-seconds", type=float, default=30, help="0: skip lip-sync")
    parser.add_argument("--strip", type=Path, help="Save a strip of photo frames here (PNG).")
    args = parser.parse_args(argv)
    context = multiprocessing.get_context("spawn")
    print(
        "| avatar | size | target | clip s | TTS s | frames s | encode s | total s | RTF "
        "| CPU s/s | peak MB (python / ffmpeg) | MB |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for avatar, size, seconds in itertools.product(args.avatars, args.sizes, args.seconds):
        with context.Pool(1, maxtasksperchild=1) as pool:
            case = (size, seconds, args.backend, args.preset, avatar)
            r = pool.apply(_in_fresh_process, (case,))
        print(
            f"| {avatar} | {size} | {seconds:.0f} s | {r['duration_s']:.1f} | {r['tts_s']:.2f} "
            f"| {r['render_s']:.2f} | {r['encode_s']:.2f} | {r['total_s']:.2f} "
            f"| **{r['rtf']:.3f}** | {r['cpu_rtf']:.3f} "
            f"| {r['peak_mb']:.0f} / {r['ffmpeg_peak_mb']:.0f} "
            f"| {r['size_bytes'] / 1e6:.2f} |",
            flush=True,
        )
    if args.sync_seconds:
        m = measure_sync(args.sync_seconds, args.backend, args.strip)
        print(
            "\n| photo clip | frames | face found | lip-sync Pearson "
            "| SSIM outside head min / mean | frame outside head |"
        )
        print("| --- | --- | --- | --- | --- | --- |")
        print(
            f"| {m['seconds']:.1f} s, 512 px | {m['frames']} | {m['found']:.0%} "
            f"| **{m['pearson']:.3f}** | **{m['ssim_min']:.4f}** / {m['ssim_mean']:.4f} "
            f"| {m['outside']:.0%} |",
            flush=True,
        )
    print(
        f"\n{os.cpu_count()} CPUs; load average at the end: "
        f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
