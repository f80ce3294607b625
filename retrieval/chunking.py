"""Chunking: prose by sections (retrieval.sections) with langchain's recursive splitter, tables
apart; meetings on speaker turns.

The text that is embedded for a chunk starts with its document's title and its section's
heading (embedding_text), so that a chunk deep in a long letter still says what it is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from langchain_text_splitters import RecursiveCharacterTextSplitter

from retrieval.loaders import LoadedDocument, Turn
from retrieval.sections import blocks
from twin.injection import SCREENING, injection_free


@dataclass
class Chunk:
    text: str
    speaker: str | None = None  # speakers of a meeting chunk, in order of first appearance
    start: str | None = None  # timestamp of the first turn
    end: str | None = None  # timestamp of the last turn
    section: str | None = None  # heading of the section the chunk is in
    table: bool = False  # rows of a table or figures, not prose


def chunk_document(doc: LoadedDocument, size: int, overlap: int) -> list[Chunk]:
    if doc.turns:
        return _turn_chunks(doc.turns, size, overlap)
    chunks = []
    for block in blocks(doc.text):
        section = block.heading if block.heading != doc.title else None
        room = max(size - len(section or "") - 1, size // 2)
        for piece in _splitter(room, overlap).split_text(block.text):
            chunks.append(Chunk(text=piece, section=section, table=block.table))
    return chunks


def embedding_text(title: str, chunk: Chunk) -> str:
    """What is embedded (and indexed for lexical search) for a chunk: title, heading, text."""
    return "\n".join(part for part in (title, chunk.section, chunk.text) if part)


def _splitter(size: int, overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(chunk_size=size, chunk_overlap=min(overlap, size // 4))


def _turn_chunks(turns: list[Turn], size: int, overlap: int) -> list[Chunk]:
    """Whole turns packed up to `size`; a turn is split only when it alone is larger."""
    chunks: list[Chunk] = []
    group: list[Turn] = []
    length = 0
    for turn in _split_long_turns(turns, size, overlap):
        line = _line(turn)
        if group and length + len(line) + 1 > size:
            chunks.append(_chunk_of(group))
            group, length = [], 0
        group.append(turn)
        length += len(line) + 1
    if group:
        chunks.append(_chunk_of(group))
    return chunks


def _split_long_turns(turns: list[Turn], size: int, overlap: int) -> list[Turn]:
    result: list[Turn] = []
    for turn in turns:
        if len(_line(turn)) <= size:
            result.append(turn)
            continue
        room = max(size - len(f"{turn.speaker}: "), 50)
        pieces = _splitter(room, overlap).split_text(turn.text)
        result.extend(Turn(turn.speaker, piece, turn.start) for piece in pieces)
    return result


def _line(turn: Turn) -> str:
    return f"{turn.speaker}: {turn.text}" if turn.speaker else turn.text


def _chunk_of(group: list[Turn]) -> Chunk:
    speakers = list(dict.fromkeys(t.speaker for t in group if t.speaker))
    return Chunk(
        text="\n".join(_line(t) for t in group),
        speaker=", ".join(speakers) or None,
        start=group[0].start,
        end=group[-1].start,
    )


def chunk_metadata(
    doc_id: int, version: int, audience: str, index: int, chunk: Chunk, kind: str
) -> dict[str, Any]:
    """What the chunk store keeps beside a chunk's text (chunk_from_metadata reads it back),
    with the fingerprint of the injection screening it passed, if it did."""
    meta: dict[str, Any] = {
        "doc_id": doc_id,
        "version": version,
        "audience": audience,
        "index": index,
        "speaker": chunk.speaker,
        "start": chunk.start,
        "end": chunk.end,
        "section": chunk.section,
        "table": chunk.table or None,
        "screened": SCREENING if injection_free(chunk.text, kind) else None,
    }
    return {key: value for key, value in meta.items() if value is not None}


def chunk_from_metadata(text: str, meta: Mapping[str, Any]) -> Chunk:
    """A stored chunk as it was chunked (its text and chunk_metadata)."""
    return Chunk(
        text=text,
        speaker=meta.get("speaker"),
        start=meta.get("start"),
        end=meta.get("end"),
        section=meta.get("section"),
        table=bool(meta.get("table")),
    )
