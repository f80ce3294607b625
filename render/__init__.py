"""Text to a talking-head MP4: TTS, lip-sync, avatar frames, ffmpeg.

The public surface is re-exported here; the modules behind it are implementation detail.
"""

from render.avatar import BUILTIN_AVATARS, AvatarPack, find_avatar, load_pack
from render.config import RenderSettings
from render.errors import (
    AvatarNotFound,
    AvatarPackError,
    BackendUnavailable,
    ClipTooLarge,
    EncodeError,
    RenderError,
    TextError,
    UnknownBackend,
    VoiceNotFound,
)
from render.pipeline import Renderer, RenderResult, render_clip
from render.tts import (
    PhonemeSpan,
    SentenceSpan,
    Speech,
    TTSBackend,
    Utterance,
    backend_names,
    create_backend,
    register_backend,
)

__all__ = [
    "BUILTIN_AVATARS",
    "AvatarNotFound",
    "AvatarPack",
    "AvatarPackError",
    "BackendUnavailable",
    "ClipTooLarge",
    "EncodeError",
    "PhonemeSpan",
    "RenderError",
    "RenderResult",
    "RenderSettings",
    "Renderer",
    "SentenceSpan",
    "Speech",
    "TTSBackend",
    "TextError",
    "UnknownBackend",
    "Utterance",
    "VoiceNotFound",
    "backend_names",
    "create_backend",
    "find_avatar",
    "load_pack",
    "register_backend",
    "render_clip",
]
