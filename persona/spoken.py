"""What a video reply says: the one way every front door turns an answer into a script."""

from __future__ import annotations

from persona.results import Answer
from twin.settings import Settings
from twin.text import shorten, speakable

__all__ = ["spoken_script", "unspoken"]

NOT_SPOKEN = "only answers that need no comms approval are spoken"


def unspoken(answer: Answer) -> str | None:
    """Why an answer gets no video (a refusal, or one waiting for comms), or None."""
    return NOT_SPOKEN if answer.refused or answer.needs_approval else None


def spoken_script(answer: Answer | str, settings: Settings) -> tuple[str, bool]:
    """The words to speak for an answer (or an answer's stored text), and whether they were
    shortened: no citation markers or Markdown, at most render.script_max_chars (and
    render.max_chars), cut at a sentence and ending with render.script_note when longer."""
    text = answer.body if isinstance(answer, Answer) else answer
    render = settings.render
    limit = min(render.script_max_chars, render.max_chars)
    return shorten(speakable(text), limit, render.script_note)
