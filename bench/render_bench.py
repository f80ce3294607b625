"""Real-time factor of the renderer: 10, 30 and 60 s clips at 512 and 720 px, 25 fps.

Each case runs in a fresh process that loads the voice and the avatar first (as a worker does
once), renders a short warm-up clip, then the measured one; its peak memory is that process's
(and, polled, ffmpeg's) maximum resident set. "CPU s/s" is CPU time (all cores, ffmpeg
included) per second of clip: on an idle machine, RTF can approach CPU s/s / cores. Prints a
Markdown table.

    python -m bench.render_bench [--sizes 512 720] [--seconds 10 30 60] [--backend piper]
"""

from __future__ import annotations

import argparse
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


def run_case(size: int, seconds: float, backend: str, preset: str | None) -> dict[str, Any]:
    from render.pipeline import Renderer
    from twin.sections.render import RenderSettings

    options: dict[str, Any] = {"size": size, "fps": 25, "backend": backend}
    if preset:
        options["x264_preset"] = preset
    settings = RenderSettings(**options)
    with tempfile.TemporaryDirectory() as scratch:
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


def _in_fresh_process(args: tuple[int, float, str, str | None]) -> dict[str, Any]:
    return run_case(*args)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 720])
    parser.add_argument("--seconds", type=float, nargs="+", default=[10, 30, 60])
    parser.add_argument("--backend", default="piper")
    parser.add_argument("--preset", help="x264 preset (default: the settings' default)")
    args = parser.parse_args(argv)
    context = multiprocessing.get_context("spawn")
    print(
        "| size | target | clip s | TTS s | frames s | encode s | total s | RTF | CPU s/s "
        "| peak MB (python / ffmpeg) | MB |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for size in args.sizes:
        for seconds in args.seconds:
            with context.Pool(1, maxtasksperchild=1) as pool:
                r = pool.apply(_in_fresh_process, ((size, seconds, args.backend, args.preset),))
            print(
                f"| {size} | {seconds:.0f} s | {r['duration_s']:.1f} | {r['tts_s']:.2f} "
                f"| {r['render_s']:.2f} | {r['encode_s']:.2f} | {r['total_s']:.2f} "
                f"| **{r['rtf']:.3f}** | {r['cpu_rtf']:.3f} "
                f"| {r['peak_mb']:.0f} / {r['ffmpeg_peak_mb']:.0f} "
                f"| {r['size_bytes'] / 1e6:.2f} |",
                flush=True,
            )
    print(
        f"\n{os.cpu_count()} CPUs; load average at the end: "
        f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
