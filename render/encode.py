"""MP4 encoding with ffmpeg: raw I420 frames streamed to its stdin, H.264 + AAC out.

The clip is written to a temporary file beside the target and renamed into place only when it is
complete and within the size cap, so a crash never leaves a partial file at the target path.
Over the cap, it is encoded again at a lower quality and bitrate; after the last try it fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ffmpeg
import numpy as np

from render.errors import ClipTooLarge, EncodeError
from twin.home import new_file_mode

__all__ = ["EncodeReport", "EncodeSpec", "encode_clip", "ffmpeg_exe"]

#: Of the byte budget, the share left for the video stream after audio and MP4 overhead.
BUDGET_SHARE = 0.9
MIN_VIDEO_KBPS = 32
MB = 1024 * 1024  # render.max_mb counts these
#: (CRF increase, share of the bitrate budget) for each try.
TRIES = ((0, 1.0), (6, 0.7), (12, 0.45))

#: Frames come as I420 (YUV 4:2:0) in BT.709 limited range; the stream is tagged so.
COLOUR = {
    "color_range": "tv",
    "colorspace": "bt709",
    "color_primaries": "bt709",
    "color_trc": "bt709",
}

FrameSource = Callable[[], Iterator[np.ndarray]]


@dataclass
class EncodeSpec:
    size: int
    fps: float
    n_frames: int
    crf: int = 23
    preset: str = "superfast"
    audio_bitrate_kbps: int = 96
    max_bytes: int = 20 * 1024 * 1024


@dataclass
class EncodeReport:
    size_bytes: int = 0
    attempts: int = 0
    crf: int = 0
    maxrate_kbps: int = 0
    compose_s: float = 0.0  # time spent making frames, inside the encode
    wall_s: float = 0.0
    sizes: list[int] = field(default_factory=list)


def ffmpeg_exe() -> str:
    """ffmpeg from PATH, else the binary the imageio-ffmpeg package ships."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError:
        raise EncodeError(
            "ffmpeg not found: install ffmpeg, or pip install imageio-ffmpeg"
        ) from None
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def encode_clip(
    frames: FrameSource,
    audio: Path,
    out_path: Path,
    spec: EncodeSpec,
    finish: Callable[[Path], None] | None = None,
) -> EncodeReport:
    """Encode the frames (a fresh iterator per try) and the audio file into out_path.
    `finish` may change the finished file (e.g. sign it) before it is checked and renamed."""
    duration = spec.n_frames / spec.fps
    budget = _video_budget_kbps(spec, duration)
    report = EncodeReport()
    started = time.perf_counter()
    for crf_step, share in TRIES:
        report.attempts += 1
        report.crf = spec.crf + crf_step
        report.maxrate_kbps = max(MIN_VIDEO_KBPS, round(budget * share))
        with _temp_beside(out_path) as temp:
            report.compose_s += _run_ffmpeg(frames(), audio, temp, spec, report)
            if finish is not None:
                finish(temp)
            size = temp.stat().st_size
            report.sizes.append(size)
            if size <= spec.max_bytes:
                temp.chmod(new_file_mode())  # mkstemp's 0600 whatever the umask; open()'s mode
                os.replace(temp, out_path)
                report.size_bytes = size
                report.wall_s = time.perf_counter() - started
                return report
    raise ClipTooLarge(
        f"{out_path}: the clip stays over render.max_mb "
        f"({spec.max_bytes / MB:.2f} MB) after {report.attempts} tries "
        f"(sizes {', '.join(f'{s / MB:.2f} MB' for s in report.sizes)})"
    )


def _video_budget_kbps(spec: EncodeSpec, duration: float) -> float:
    total_kbps = spec.max_bytes * 8 / 1000 / max(duration, 0.1) * BUDGET_SHARE
    budget = total_kbps - spec.audio_bitrate_kbps
    if budget < MIN_VIDEO_KBPS:
        raise ClipTooLarge(
            f"a {duration:.0f} s clip cannot fit in render.max_mb "
            f"({spec.max_bytes / MB:.2f} MB): shorten the text or raise the cap"
        )
    return budget


@contextlib.contextmanager
def _temp_beside(out_path: Path) -> Iterator[Path]:
    """A temporary file in the target's folder (so the final rename is atomic), always removed
    unless it was renamed into place."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".part", dir=out_path.parent)
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
    finally:
        temp.unlink(missing_ok=True)


def _command(audio: Path, target: Path, spec: EncodeSpec, crf: int, maxrate: int) -> list[str]:
    video = ffmpeg.input(
        "pipe:",
        format="rawvideo",
        pix_fmt="yuv420p",
        s=f"{spec.size}x{spec.size}",
        framerate=spec.fps,
        **COLOUR,
    )
    sound = ffmpeg.input(str(audio))
    out = ffmpeg.output(
        video,
        sound,
        str(target),
        f="mp4",
        vcodec="libx264",
        pix_fmt="yuv420p",
        preset=spec.preset,
        crf=crf,
        maxrate=f"{maxrate}k",
        bufsize=f"{2 * maxrate}k",
        g=round(spec.fps * 4),
        acodec="aac",
        audio_bitrate=f"{spec.audio_bitrate_kbps}k",
        movflags="+faststart",
        **COLOUR,
    )
    out = out.global_args("-hide_banner", "-nostats", "-loglevel", "error").overwrite_output()
    return [ffmpeg_exe(), *out.get_args()]


def _run_ffmpeg(
    frames: Iterator[np.ndarray],
    audio: Path,
    target: Path,
    spec: EncodeSpec,
    report: EncodeReport,
) -> float:
    """Stream the frames into ffmpeg; returns the seconds spent making frames."""
    command = _command(audio, target, spec, report.crf, report.maxrate_kbps)
    compose = 0.0
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log
        )
        try:
            compose = _feed(process, frames, spec)
            process.stdin.close()  # type: ignore[union-attr]
            code = process.wait()
        except BrokenPipeError:
            code = process.wait()
            raise EncodeError(
                f"ffmpeg stopped reading frames (exit {code}): {_tail(log)}"
            ) from None
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            _close_quietly(process)
        if code != 0:
            raise EncodeError(f"ffmpeg failed (exit {code}): {_tail(log)}")
    return compose


def _feed(
    process: subprocess.Popen[bytes], frames: Iterator[np.ndarray], spec: EncodeSpec
) -> float:
    stdin = process.stdin
    assert stdin is not None
    compose, count = 0.0, 0
    expected = (spec.size * spec.size * 3 // 2,)
    while True:
        t = time.perf_counter()
        frame = next(frames, None)
        compose += time.perf_counter() - t
        if frame is None:
            break
        if frame.shape != expected or frame.dtype != np.uint8:
            raise EncodeError(
                f"frame {count} is {frame.shape} {frame.dtype}, not an I420 buffer {expected} uint8"
            )
        stdin.write(np.ascontiguousarray(frame).tobytes())
        count += 1
    if count != spec.n_frames:
        raise EncodeError(f"expected {spec.n_frames} frames, got {count}")
    return compose


def _close_quietly(process: subprocess.Popen[bytes]) -> None:
    # Closing may fail to flush into a broken pipe; the file is closed all the same.
    with contextlib.suppress(OSError):
        process.stdin.close()  # type: ignore[union-attr]


def _tail(log: object, limit: int = 2000) -> str:
    log.seek(0)  # type: ignore[attr-defined]
    text = log.read().decode("utf-8", "replace").strip()  # type: ignore[attr-defined]
    return text[-limit:] or "(no message)"
