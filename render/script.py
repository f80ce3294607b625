"""What a video reply says: the answer, shortened at a sentence boundary when it is too long.

A pure function, no I/O: the chat layer calls it before it queues a render job, and posts the
full answer as text beside the clip.
"""

from __future__ import annotations

import re

__all__ = ["DEFAULT_NOTE", "video_script"]

DEFAULT_NOTE = "The full answer is in the thread."

# The end of a sentence: ., ! or ? (or an ellipsis), closing quotes or brackets, then a space.
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*(?=\s|$)")
_CLAUSE_END = re.compile(r"[,;:\u2013\u2014](?=\s)")
_TRAILING = " ,;:\u2013\u2014"


def video_script(answer_text: str, max_chars: int, note: str = DEFAULT_NOTE) -> tuple[str, bool]:
    """The words to speak for `answer_text` in at most `max_chars` characters.

    Returns (script, shortened). A text that fits is returned with its white space tidied.
    A longer one keeps the whole sentences that fit together with `note` (said last, so the
    viewer knows there is more); if even the first sentence is too long, it is cut at a clause
    or word boundary instead.
    """
    text = " ".join(answer_text.split())
    note = " ".join(note.split())
    if len(text) <= max_chars:
        return text, False
    budget = max_chars - len(note) - 1
    if budget < 1:
        raise ValueError(f"max_chars {max_chars} leaves no room for the note {note!r}")
    head = _cut(text, budget)
    return f"{head} {note}".strip(), True


def _cut(text: str, budget: int) -> str:
    """The longest prefix of `text` within `budget` that ends a sentence, else a clause or word."""
    window = text[: budget + 1]  # one more, so a sentence ending exactly at the budget counts
    ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() <= budget]
    if ends:
        return text[: ends[-1]]
    clauses = [m.start() for m in _CLAUSE_END.finditer(window) if m.start() < budget]
    if clauses and clauses[-1] >= budget // 2:
        return text[: clauses[-1]].rstrip() + "."
    space = window.rfind(" ", 0, budget)
    cut = text[:space] if space > 0 else text[: budget - 1]
    return cut.rstrip(_TRAILING) + "."
