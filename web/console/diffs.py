"""What changed between two versions of a document, for the Corpus page.

difflib matches the lines (paragraphs, in most memos); within a changed line it matches the
words, so a one-word edit in a long paragraph shows as that word. Nothing here is markup: the
template escapes every piece of text it shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

__all__ = ["Line", "Piece", "changes"]

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class Piece:
    kind: str  # "same", "del" or "ins"
    text: str


@dataclass(frozen=True)
class Line:
    kind: str  # "same", "del", "ins", "change" (a line edited in place) or "skip" (unchanged)
    pieces: tuple[Piece, ...] = ()


def changes(old: str, new: str, context: int = 1) -> list[Line]:
    """The changed lines with `context` unchanged lines around each change; [] if none."""
    before, after = old.splitlines(), new.splitlines()
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    if all(tag == "equal" for tag, *_ in matcher.get_opcodes()):
        return []
    lines: list[Line] = []
    shown = 0  # lines of the old text shown or skipped so far
    for group in matcher.get_grouped_opcodes(context):
        if group[0][1] > shown:
            lines.append(Line("skip"))
        for tag, i1, i2, j1, j2 in group:
            lines += _block(tag, before[i1:i2], after[j1:j2])
        shown = group[-1][2]
    if shown < len(before):
        lines.append(Line("skip"))
    return lines


def _block(tag: str, old: list[str], new: list[str]) -> list[Line]:
    if tag == "equal":
        return [Line("same", (Piece("same", text),)) for text in old]
    paired = min(len(old), len(new)) if tag == "replace" else 0
    lines = [Line("change", _words(a, b)) for a, b in zip(old[:paired], new[:paired], strict=True)]
    lines += [Line("del", (Piece("del", text),)) for text in old[paired:]]
    lines += [Line("ins", (Piece("ins", text),)) for text in new[paired:]]
    return lines


def _words(old: str, new: str) -> tuple[Piece, ...]:
    before, after = _TOKENS.findall(old), _TOKENS.findall(new)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(Piece("same", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("del", "".join(before[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("ins", "".join(after[j1:j2])))
    return tuple(pieces)
