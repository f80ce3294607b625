"""Try it's video: the answer spoken as a clip, made the way `twin ask --video` makes one.

The script is persona.spoken's (every front door's), the clip is render_clip's after the
consent check, with the "AI-generated" badge on every frame. Clips are rendered one at a time
in the background, written under TWIN_HOME/console-clips/, and served only to the admin who
asked for them. They are a preview, not a record: a clip is deleted an hour after it was made
(when the next one is asked for) and every clip when the console starts.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from persona.results import Answer
from persona.spoken import spoken_script
from render.consent import ConsentRegistry
from render.errors import RenderError
from render.pipeline import render_clip
from twin.settings import Settings

__all__ = ["Clip", "Clips"]

KEEP_S = 3600


@dataclass
class Clip:
    id: str
    by: str
    path: Path
    shortened: bool
    done: bool = False
    error: str = ""


class Clips:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._clips: dict[str, Clip] = {}
        self._lock = threading.Lock()
        self._rendering = threading.Lock()  # one render at a time: it takes the CPU
        self.folder = Path(settings.home) / "console-clips"
        self._delete_older_than(0)

    def start(self, by: str, answer: Answer) -> Clip:
        """Render `answer` for `by` in a background thread."""
        self._delete_older_than(KEEP_S)
        script, shortened = spoken_script(answer, self.settings)
        clip_id = uuid.uuid4().hex
        clip = Clip(clip_id, by, self.folder / f"{clip_id}.mp4", shortened)
        with self._lock:
            self._clips[clip_id] = clip
        threading.Thread(target=self._run, args=(clip, script), daemon=True).start()
        return clip

    def get(self, clip_id: str, by: str) -> Clip | None:
        """The clip, if `by` asked for it."""
        with self._lock:
            clip = self._clips.get(clip_id)
        return clip if clip is not None and clip.by == by else None

    def _delete_older_than(self, seconds: float) -> None:
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.stat().st_mtime < time.time() - seconds:
                path.unlink(missing_ok=True)

    def _run(self, clip: Clip, script: str) -> None:
        settings = self.settings
        try:
            clip.path.parent.mkdir(parents=True, exist_ok=True)
            consents = ConsentRegistry(settings.db_url)
            consents.require(settings.persona.name)
            with self._rendering:
                render_clip(
                    script, clip.path, settings.render, home=settings.home, consents=consents
                )
        except RenderError as exc:  # e.g. no consent on record: said on the page
            clip.error = str(exc)
        except Exception as exc:
            clip.error = f"the clip could not be made ({exc.__class__.__name__}: {exc})"
        finally:
            clip.done = True
