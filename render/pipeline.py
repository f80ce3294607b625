"""Text to talking-head MP4: speech, mouth shapes, avatar frames, encoding.

`Renderer` keeps the loaded voice and composed avatars between clips (a worker makes one and
renders many); `render_clip` is the one-shot form. Neither checks consent or records jobs: the
caller does that around them.
"""

from __future__ import annotations

import os
import tempfile
import time
import wave
import zlib
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from render.avatar import AvatarPack, find_avatar
from render.consent import ConsentRegistry, ConsentRequired
from render.credentials import clip_signer
from render.encode import MB, EncodeSpec, encode_clip
from render.errors import TextError
from render.face import FaceRenderer, create_face_renderer
from render.timeline import head_margin, plan_timeline
from render.tts import Speech, TTSBackend, create_backend
from render.voices import VOICE_PREFIX, installed_voice
from twin.sections.render import RenderSettings

__all__ = ["RenderResult", "Renderer", "default_home", "render_clip"]


@dataclass
class RenderResult:
    path: Path
    duration_s: float
    frames: int
    fps: int
    size: int
    size_bytes: int
    tts_s: float
    render_s: float
    encode_s: float
    total_s: float
    rtf: float
    attempts: int
    avatar: str
    backend: str
    captions: bool

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in data.items()}


def default_home() -> Path:
    return Path(os.environ.get("TWIN_HOME", ".twin"))


class Renderer:
    """Renders clips with one configuration; reuses the voice and avatars it has loaded.

    `home` is the twin home: built-in avatars are cached under home/cache/avatars and packs are
    found by name under home/avatars. Pass `tts` to share a loaded backend. A pack built from
    photos names the consent record it was built under: every clip with it checks that record in
    `consents` first (without a registry such a pack is refused). A Renderer renders one clip at
    a time (its frame buffers are reused): use one per worker thread.
    """

    def __init__(
        self,
        settings: RenderSettings,
        *,
        home: Path | None = None,
        tts: TTSBackend | None = None,
        consents: ConsentRegistry | None = None,
    ) -> None:
        self.settings = settings
        self.home = home if home is not None else default_home()
        self._tts = tts
        self.consents = consents
        self._sign = clip_signer(settings)  # a bad C2PA setup fails here, not after the work
        self._compositors: dict[str, tuple[AvatarPack, FaceRenderer]] = {}

    @property
    def tts(self) -> TTSBackend:
        if self._tts is None:
            settings = self.settings
            if settings.voice.startswith(VOICE_PREFIX):  # an installed voice: its path
                voice = installed_voice(self.home, settings.voice[len(VOICE_PREFIX) :])
                settings = settings.model_copy(update={"voice": str(voice.path(self.home))})
            self._tts = create_backend(settings)
        return self._tts

    def _check_voice_consent(self) -> None:
        """An installed voice speaks only while the consent it was added under is in force."""
        if not self.settings.voice.startswith(VOICE_PREFIX):
            return
        voice = installed_voice(self.home, self.settings.voice[len(VOICE_PREFIX) :])
        what = f"voice {voice.name!r}"
        if self.consents is None:
            raise ConsentRequired(f"{what} needs its consent record checked: no consent registry")
        self.consents.require_record(voice.consent_id, "voice", what)

    def compositor(self, avatar: str | Path | None = None) -> tuple[str, FaceRenderer]:
        """The avatar's name and its face renderer at the configured size (built once); raises
        ConsentRequired if the pack's consent is no longer in force."""
        key = str(avatar or self.settings.avatar)
        if key not in self._compositors:
            pack = find_avatar(key, self.home)
            self._check_consent(pack)
            margin = head_margin(self.settings)
            face = create_face_renderer(pack, self.settings.size, margin)
            self._compositors[key] = (pack, face)
        pack, face = self._compositors[key]
        self._check_consent(pack)
        return pack.name, face

    def _check_consent(self, pack: AvatarPack) -> None:
        if pack.consent_id is None:
            return
        what = f"avatar pack {pack.name!r}"
        if self.consents is None:
            raise ConsentRequired(f"{what} needs its consent record checked: no consent registry")
        self.consents.require_record(pack.consent_id, "likeness", what)

    def render(
        self,
        text: str,
        out_path: str | Path,
        *,
        avatar: str | Path | None = None,
        captions: bool | None = None,
        seed: int | None = None,
    ) -> RenderResult:
        """Speak `text` as a clip at `out_path` (replaced atomically when complete)."""
        started = time.perf_counter()
        _check_text(text, self.settings.max_chars)
        self.compositor(avatar)  # before TTS, so a bad avatar fails fast
        self._check_voice_consent()
        tts_started = time.perf_counter()
        speech = self.tts.synthesize(text)
        tts_s = time.perf_counter() - tts_started
        seed = zlib.crc32(text.encode()) if seed is None else seed
        result = self.render_speech(speech, out_path, avatar=avatar, captions=captions, seed=seed)
        total = time.perf_counter() - started
        return replace(
            result,
            tts_s=tts_s,
            render_s=result.render_s + tts_started - started,
            total_s=total,
            rtf=total / result.duration_s,
        )

    def render_speech(
        self,
        speech: Speech,
        out_path: str | Path,
        *,
        avatar: str | Path | None = None,
        captions: bool | None = None,
        seed: int = 0,
    ) -> RenderResult:
        """Make the clip for speech already synthesized (tts_s is 0 in the result)."""
        started = time.perf_counter()
        settings = self.settings
        name, compositor = self.compositor(avatar)
        with_captions = settings.captions if captions is None else captions
        timeline = plan_timeline(speech, settings, seed, with_captions)
        spec = EncodeSpec(
            size=settings.size,
            fps=settings.fps,
            n_frames=len(timeline),
            crf=settings.crf,
            preset=settings.x264_preset,
            audio_bitrate_kbps=settings.audio_bitrate_kbps,
            max_bytes=int(settings.max_mb * MB),
        )
        with tempfile.TemporaryDirectory(prefix="twin-render-") as scratch:
            wav = write_wav(speech, Path(scratch) / "speech.wav")
            plan_s = time.perf_counter() - started
            report = encode_clip(
                lambda: compositor.frames(timeline), wav, Path(out_path), spec, finish=self._sign
            )
        total = time.perf_counter() - started
        return RenderResult(
            path=Path(out_path),
            duration_s=speech.duration_s,
            frames=len(timeline),
            fps=settings.fps,
            size=settings.size,
            size_bytes=report.size_bytes,
            tts_s=0.0,
            render_s=plan_s + report.compose_s,
            encode_s=report.wall_s - report.compose_s,
            total_s=total,
            rtf=total / speech.duration_s,
            attempts=report.attempts,
            avatar=name,
            backend=self.tts.name if self._tts else "",
            captions=with_captions,
        )

    def close(self) -> None:
        if self._tts is not None:
            self._tts.close()


def render_clip(
    text: str,
    out_path: str | Path,
    settings: RenderSettings,
    *,
    avatar: str | Path | None = None,
    home: Path | None = None,
    tts: TTSBackend | None = None,
    captions: bool | None = None,
    seed: int | None = None,
    consents: ConsentRegistry | None = None,
) -> RenderResult:
    """Speak `text` as a talking-head MP4 at `out_path`; see `Renderer`."""
    renderer = Renderer(settings, home=home, tts=tts, consents=consents)
    return renderer.render(text, out_path, avatar=avatar, captions=captions, seed=seed)


def write_wav(speech: Speech, path: Path) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(speech.sample_rate)
        out.writeframes(speech.audio.tobytes())
    return path


def _check_text(text: str, max_chars: int) -> None:
    if not text.strip():
        raise TextError("nothing to say: the text is empty")
    if len(text) > max_chars:
        raise TextError(f"the text is {len(text)} characters; render.max_chars allows {max_chars}")
