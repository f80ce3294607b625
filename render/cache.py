"""The clip cache: one MP4 per (text, voice, avatar, video settings) under $TWIN_HOME/clips.

The key hashes the text with every render setting that can change the clip's pixels or sound,
so the same answer spoken by the same voice and avatar is rendered once. Settings that only
change how fast or where the work is done (threads, jobs) are left out. A pack given as a folder
path is keyed by its path: after editing a pack in place, clear the cache (delete the clips).
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from twin.sections.render import RenderSettings

__all__ = ["CACHE_VERSION", "cache_key", "clip_path", "remove_stale_parts"]

# Bump when the renderer's output changes for the same inputs (a new compositor, say).
CACHE_VERSION = 1

# Fields that do not change the clip, or that the job supplies itself.
_NOT_IN_KEY = {
    "avatar",
    "captions",
    "jobs",
    "max_chars",
    "script_max_chars",
    "script_note",
    "tts_threads",
}


def cache_key(
    text: str, settings: RenderSettings, *, avatar: str | None = None, captions: bool | None = None
) -> str:
    """sha256 hex of the text, the voice and the video settings, the avatar and captions."""
    material = {
        "version": CACHE_VERSION,
        "text": text,
        "avatar": str(avatar or settings.avatar),
        "captions": settings.captions if captions is None else captions,
        "settings": settings.model_dump(mode="json", exclude=_NOT_IN_KEY),
    }
    blob = json.dumps(material, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


def clip_path(home: Path, key: str) -> Path:
    return home / "clips" / f"{key}.mp4"


def remove_stale_parts(home: Path, older_than_s: float = 3600) -> int:
    """Delete half-written clips (".<key>.mp4.*.part") a killed worker left behind; returns
    how many. Only old ones: a part file may belong to a render that is running right now."""
    removed = 0
    cutoff = time.time() - older_than_s
    for part in (home / "clips").glob(".*.part"):
        try:
            if part.stat().st_mtime < cutoff:
                part.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
