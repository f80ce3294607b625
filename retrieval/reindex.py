"""Rebuilding every Chroma partition from the registry: `twin reindex` and the console's button.

The SQL registry is the source of truth. After a change of embedding model, or a lost or damaged
Chroma index, each audience partition is rebuilt in a staging collection beside the live one and
swapped in when it is complete, so search keeps using the old partition until then. A document's
text comes from its chunks in the live partition when they are all there (a model change), else
from its source file, which must still hold what was ingested (its sha256); its sentences and
title are embedded again with it (chunk_sentences, documents.title_vector).

Resumable: the partitions still to rebuild are listed in TWIN_HOME/reindex.json until the run
ends, and a document whose chunks are all in the staging collection is not embedded again, so a
second run continues where a killed one stopped. Access control is untouched: a document's
chunks go only to its own audience's partition.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import delete, select

from retrieval.chunking import (
    Chunk,
    chunk_document,
    chunk_from_metadata,
    chunk_metadata,
    embedding_text,
)
from retrieval.corpus import Corpus
from retrieval.embeddings import pack
from retrieval.ingest import sentence_row
from retrieval.loaders import LoadError, load_document
from twin.models import ChunkSentences, Document
from twin.text import chunk_sentences

__all__ = ["Progress", "ReindexBusy", "ReindexSummary", "reindex"]

STATE = "reindex.json"
LOCK = "reindex.lock"


class ReindexBusy(Exception):
    """Another reindex of this twin is running."""


class _NoText(Exception):
    """Neither the index nor the source file holds the document's registered text."""


@dataclass
class ReindexSummary:
    partitions: list[str] = field(default_factory=list)  # audiences rebuilt by this run
    documents: int = 0  # embedded by this run
    resumed: int = 0  # already rebuilt by an interrupted run, not embedded again
    chunks: int = 0  # written by this run
    failed: dict[int, str] = field(default_factory=dict)  # document id -> why
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_json(self) -> dict[str, object]:
        return {**asdict(self), "ok": self.ok}


@dataclass
class Progress:
    """One document done (doc_id set), or a partition swapped in (doc_id None)."""

    audience: str
    done: int  # documents done, over all partitions of the run
    total: int
    doc_id: int | None = None
    title: str = ""


def reindex(
    corpus: Corpus, on_progress: Callable[[Progress], None] = lambda progress: None
) -> ReindexSummary:
    """Rebuild every partition (or finish an interrupted run); see the module's docstring."""
    started = time.perf_counter()
    summary = ReindexSummary()
    home = Path(corpus.settings.home)
    with _exclusive(home):
        plan = _plan(corpus, home)
        total = sum(len(docs) for docs in plan.values())
        done = 0
        for audience, docs in plan.items():
            for doc in _rebuild_partition(corpus, audience, docs, summary):
                done += 1
                on_progress(Progress(audience, done, total, doc.id, doc.title))
            _finish_partition(corpus, home, audience, summary)
            on_progress(Progress(audience, done, total))
        (home / STATE).unlink(missing_ok=True)
        corpus.erase()  # the old partitions' text
    summary.seconds = round(time.perf_counter() - started, 1)
    return summary


@contextmanager
def _exclusive(home: Path) -> Iterator[None]:
    home.mkdir(parents=True, exist_ok=True)
    with open(home / LOCK, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ReindexBusy(f"another reindex of {home} is running") from None
        yield


def _plan(corpus: Corpus, home: Path) -> dict[str, list[Document]]:
    """The partitions to rebuild, with their live documents: those an interrupted run left (with
    the same embedding model), else every audience with a live document."""
    model = corpus.settings.retrieval.embedding_model
    state = _read_state(home)
    if state.get("model") == model:
        pending = _pending(state)
    else:
        for audience in corpus.store.staged():  # a run for another model: start over
            corpus.store.drop(audience, staging=True)
        pending = corpus.audiences()
        _write_state(home, {"model": model, "audiences": pending})
    live = _live_documents(corpus)
    return {audience: live.get(audience, []) for audience in pending}


def _read_state(home: Path) -> dict[str, object]:
    try:
        state = json.loads((home / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _pending(state: dict[str, object]) -> list[str]:
    audiences = state.get("audiences")
    return [str(a) for a in audiences] if isinstance(audiences, list) else []


def _write_state(home: Path, state: dict[str, object]) -> None:
    """Atomically: a kill leaves the old state or the new, never half of one."""
    temporary = home / f"{STATE}.tmp"
    temporary.write_text(json.dumps(state), encoding="utf-8")
    os.replace(temporary, home / STATE)


def _live_documents(corpus: Corpus, audience: str | None = None) -> dict[str, list[Document]]:
    query = select(Document).where(Document.version > 0).order_by(Document.id)
    if audience is not None:
        query = query.where(Document.audience == audience)
    found: dict[str, list[Document]] = {}
    with corpus.sessions() as session:
        for doc in session.scalars(query):
            found.setdefault(doc.audience, []).append(doc)
    return found


def _chunk_ids(doc: Document) -> set[str]:
    return {f"{doc.id}-v{doc.version}-{i}" for i in range(doc.chunk_count)}


def _rebuild_partition(
    corpus: Corpus, audience: str, docs: list[Document], summary: ReindexSummary
) -> Iterator[Document]:
    """Each document into the staging collection, unless it is there already; yields each.
    Documents are embedded in batches, as ingest does (one encode call is cheaper than many)."""
    staged = corpus.store.ids(audience, staging=True)
    batch: list[Document] = []
    limit = 16 * corpus.settings.retrieval.embedding_batch_size
    for doc in docs:
        ids = _chunk_ids(doc)
        if ids and ids <= staged:
            summary.resumed += 1
            yield doc
            continue
        batch.append(doc)
        if sum(d.chunk_count for d in batch) >= limit:
            yield from _rebuild_documents(corpus, batch, summary, staging=True)
            batch = []
    yield from _rebuild_documents(corpus, batch, summary, staging=True)


def _finish_partition(corpus: Corpus, home: Path, audience: str, summary: ReindexSummary) -> None:
    """Swap the staging collection in, then catch up with the registry: documents ingested or
    removed while the partition was being rebuilt."""
    corpus.store.collection(audience, staging=True)  # an empty partition has one too
    corpus.store.swap_in(audience)
    _changed(corpus)
    docs = _live_documents(corpus, audience).get(audience, [])
    expected = set().union(*(_chunk_ids(doc) for doc in docs))
    present = corpus.store.ids(audience)
    stray = sorted(present - expected)  # chunks of removed documents or old versions
    for start in range(0, len(stray), corpus.store.max_batch):
        corpus.store.collection(audience).delete(ids=stray[start : start + corpus.store.max_batch])
    missing = [d for d in docs if d.id not in summary.failed and not _chunk_ids(d) <= present]
    for _ in _rebuild_documents(corpus, missing, summary, staging=False):
        pass
    summary.partitions.append(audience)
    state = _read_state(home)
    _write_state(home, {**state, "audiences": [a for a in _pending(state) if a != audience]})


def _changed(corpus: Corpus) -> None:
    """Processes serving the corpus open the partition again at their next question."""
    with corpus.sessions() as session:
        corpus.changed(session)
        session.commit()


def _rebuild_documents(
    corpus: Corpus, docs: list[Document], summary: ReindexSummary, staging: bool
) -> Iterator[Document]:
    """Embed these documents' chunks, sentences and titles in one call, then store each."""
    found: list[tuple[Document, list[Chunk]]] = []
    for doc in docs:
        try:
            found.append((doc, _chunks(corpus, doc)))
        except _NoText as exc:
            summary.failed[doc.id] = str(exc)
    split = [[[] if c.table else chunk_sentences(c.text, d.kind) for c in cs] for d, cs in found]
    texts = [embedding_text(doc.title, c) for doc, chunks in found for c in chunks]
    sentences = (s for doc in split for chunk in doc for s in chunk)
    others = list(dict.fromkeys([*(doc.title for doc, _ in found), *sentences]))
    vectors = corpus.embedder.encode(texts + others) if found else np.zeros((0, 0))
    known = dict(zip(others, vectors[len(texts) :], strict=True))
    start = 0
    for (doc, chunks), doc_split in zip(found, split, strict=True):
        embeddings = list(vectors[start : start + len(chunks)])
        start += len(chunks)
        _store_document(corpus, doc, chunks, doc_split, embeddings, known, summary, staging)
    yield from docs


def _store_document(
    corpus: Corpus,
    doc: Document,
    chunks: list[Chunk],
    split: list[list[str]],
    embeddings: list[np.ndarray],
    known: dict[str, np.ndarray],
    summary: ReindexSummary,
    staging: bool,
) -> None:
    ids = [f"{doc.id}-v{doc.version}-{i}" for i in range(len(chunks))]
    if not _store_sentences(corpus, doc, ids, split, known):
        return  # removed or replaced meanwhile: the partition's catch-up sees to it
    metadatas = [
        chunk_metadata(doc.id, doc.version, doc.audience, i, c, doc.kind)
        for i, c in enumerate(chunks)
    ]
    corpus.store.add(doc.audience, ids, embeddings, [c.text for c in chunks], metadatas, staging)
    doc.chunk_count = len(chunks)
    summary.documents += 1
    summary.chunks += len(chunks)


def _chunks(corpus: Corpus, doc: Document) -> list[Chunk]:
    """The document's registered version as chunks: from the live partition when it holds them
    all, else chunked again from its source file (if that file is unchanged)."""
    stored = corpus.store.chunks_of(doc.audience, doc.id, doc.version)
    if doc.chunk_count and len(stored) == doc.chunk_count:
        return [chunk_from_metadata(text, meta) for text, meta in stored]
    path = Path(doc.source)
    redo = f"ingest it again or remove it (twin docs remove {doc.id})"
    if not path.is_file():
        raise _NoText(f"its chunks are not in the index and its file {path} is gone: {redo}")
    retrieval = corpus.settings.retrieval
    try:
        loaded = load_document(path, int(retrieval.max_file_mb * 1e6))
    except (LoadError, OSError) as exc:
        raise _NoText(
            f"its chunks are not in the index and {path} cannot be read ({exc})"
        ) from None
    if loaded.sha256 != doc.sha256:
        raise _NoText(
            f"its chunks are not in the index and {path} changed since it was ingested: {redo}"
        )
    return chunk_document(loaded, retrieval.chunk_size, retrieval.chunk_overlap)


def _store_sentences(
    corpus: Corpus,
    doc: Document,
    ids: list[str],
    split: list[list[str]],
    known: dict[str, np.ndarray],
) -> bool:
    """One transaction: the document's sentence and title embeddings replaced, unless it was
    removed or changed version meanwhile (False)."""
    with corpus.sessions() as session:
        row = session.get(Document, doc.id)
        if row is None or row.version != doc.version:
            return False
        session.execute(delete(ChunkSentences).where(ChunkSentences.doc_id == doc.id))
        rows = [
            sentence_row(chunk_id, doc.id, doc.version, sentences, known)
            for chunk_id, sentences in zip(ids, split, strict=True)
            if sentences
        ]
        session.add_all(rows)
        row.title_vector = pack(known[doc.title])
        row.chunk_count = len(ids)
        session.commit()
    return True
