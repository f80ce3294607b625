"""The errors the renderer raises: each message names the input and the problem."""

from __future__ import annotations


class RenderError(Exception):
    """A clip cannot be rendered; the message says which input is wrong and why."""


class UnknownBackend(RenderError):
    """render.backend names no registered TTS backend."""


class BackendUnavailable(RenderError):
    """The configured TTS backend needs a package that is not installed."""


class VoiceNotFound(RenderError):
    """The configured voice (model file, model directory or speaker) does not exist."""


class AvatarNotFound(RenderError):
    """No built-in avatar and no pack folder has this name."""


class AvatarPackError(RenderError):
    """An avatar pack folder is incomplete or its manifest is invalid."""


class EncodeError(RenderError):
    """ffmpeg failed; the message carries the end of its log."""


class ClipTooLarge(RenderError):
    """The clip cannot be encoded within render.max_mb."""


class TextError(RenderError):
    """The text to speak is empty or too long."""
