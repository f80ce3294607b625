"""Shared benchmark helpers: the public corpora beside the project, chunking, tables."""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable, Sequence
from pathlib import Path

from retrieval.chunking import chunk_document
from retrieval.loaders import load_document

ROOT = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("TWIN_BENCH_CORPORA", ROOT.parent / "shared" / "corpora"))
LETTERS = CORPORA / "buffett" / "letters"


def letter_files(limit_files: int | None = None) -> list[Path]:
    return sorted(LETTERS.glob("*.md"))[:limit_files]


def letter_chunks(limit_files: int | None = None, size: int = 900, overlap: int = 120) -> list[str]:
    chunks = []
    for path in letter_files(limit_files):
        doc = load_document(path, 50_000_000)
        chunks += [f"{doc.title}\n{c.text}" for c in chunk_document(doc, size, overlap)]
    return chunks


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
