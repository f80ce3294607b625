"""Ingestion: files -> chunks -> embeddings -> chunk store, recorded in the document registry.

Each chunk's sentences are embedded too and kept in SQL beside the registry, so that quoting
and the grounding guard embed nothing of the corpus at question time.

A changed file's new chunks are written beside the old ones under a new version; the registry
then switches to the new version in one transaction, and only then are the old chunks deleted.
Search trusts only the registry's version, so a document is never missing or found twice.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from retrieval.access import normalize_audience, unknown_groups
from retrieval.chunking import Chunk, chunk_document, chunk_metadata, embedding_text
from retrieval.corpus import Corpus
from retrieval.dates import Dated
from retrieval.embeddings import pack
from retrieval.loaders import SUPPORTED_SUFFIXES, LoadedDocument, LoadError, load_document
from retrieval.versions import record
from twin.models import ChunkSentences, Document, utcnow
from twin.text import chunk_sentences, revises_a_position

log = logging.getLogger(__name__)

STATUSES = ("added", "updated", "unchanged", "failed")
CONCURRENT = (
    "another ingest stored this file at the same moment and this one gave way "
    "(run the ingest again to check it)"
)


@dataclass
class FileResult:
    path: str
    status: str
    doc_id: int | None = None
    chunks: int = 0
    error: str | None = None
    warning: str | None = None


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(1 for r in self.results if r.status == s) for s in STATUSES}

    @property
    def ok(self) -> bool:
        return self.counts["failed"] == 0


@dataclass
class _Pending:
    path: Path
    source: str
    sha256: str
    audience: str
    doc: LoadedDocument
    chunks: list[Chunk]
    existing: Document | None
    warning: str | None = None


def find_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named directly, and supported files found by walking folders; each once."""
    seen: set[Path] = set()
    for path in paths:
        found = _walk(path) if path.is_dir() else [path]
        for file in found:
            if file.resolve() not in seen:
                seen.add(file.resolve())
                yield file


def _walk(folder: Path) -> list[Path]:
    """Supported files under a folder, sorted, skipping hidden files and folders; a symlinked
    folder that leads back to one of its own parents is listed too, to be reported as a loop."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder, followlinks=True):
        here = Path(root)
        above = {here.resolve(), *here.resolve().parents}
        dirs[:] = [d for d in sorted(dirs) if not d.startswith(".")]
        found += [here / d for d in dirs if (here / d).resolve() in above]
        dirs[:] = [d for d in dirs if (here / d).resolve() not in above]
        found += [
            here / name
            for name in files
            if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES
        ]
    return sorted(found)


class Ingestor:
    def __init__(
        self,
        corpus: Corpus,
        ingested_by: str,
        audience: list[str] | None = None,
        kind: str = "auto",
        date: Dated | None = None,
        on_result: Callable[[FileResult], None] = lambda result: None,
        force: bool = False,
    ) -> None:
        self.corpus = corpus
        self.ingested_by = ingested_by
        self.audience = audience
        self.kind = kind
        self.date = date  # `twin ingest --date`: overrides every file's own date
        self.on_result = on_result
        self.force = force  # store an unchanged file again, as a new version
        self.report = IngestReport()
        self._batch: list[_Pending] = []

    def run(self, paths: Iterable[Path]) -> IngestReport:
        for path in find_files(paths):
            self._prepare(path)
            if (
                sum(len(p.chunks) for p in self._batch)
                >= 16 * self.corpus.settings.retrieval.embedding_batch_size
            ):
                self._flush()
        self._flush()
        if self.report.counts["updated"]:
            self.corpus.erase()  # the old versions' text
        return self.report

    def _record(self, result: FileResult) -> None:
        self.report.results.append(result)
        self.on_result(result)

    def _prepare(self, path: Path) -> None:
        retrieval = self.corpus.settings.retrieval
        try:
            if not path.exists():
                raise LoadError("no such file")
            if path.is_dir():
                target = path.resolve()
                raise LoadError(f"a symlink loop: this folder leads back to {target}")
            doc = load_document(path, int(retrieval.max_file_mb * 1e6))
            if self.kind != "auto":
                doc.kind = self.kind
            if self.date:
                doc.date, doc.date_precision = self.date.date, self.date.precision
                doc.date_source = "cli"
            audience = normalize_audience(doc.audience or self.audience)
            chunks = chunk_document(doc, retrieval.chunk_size, retrieval.chunk_overlap)
            if len(chunks) > retrieval.max_chunks_per_file:
                raise LoadError(
                    f"too large: {len(chunks):,} chunks, over retrieval.max_chunks_per_file "
                    f"({retrieval.max_chunks_per_file:,}); split the file or raise the limit"
                )
        except (LoadError, OSError, ValueError) as exc:
            self._record(FileResult(str(path), "failed", error=_reason(exc)))
            return
        source = str(path.resolve())
        sha = doc.sha256
        existing = _find(self.corpus, source)
        if existing and not self.force and _same(existing, sha, audience, doc):
            self._record(FileResult(str(path), "unchanged", existing.id, existing.chunk_count))
            return
        warning = self._unknown_groups(audience)
        self._batch.append(_Pending(path, source, sha, audience, doc, chunks, existing, warning))

    def _unknown_groups(self, audience: str) -> str | None:
        """A warning when the audience names a group no configured user is in (a typo would
        make the document readable by nobody). Without access.users (Slack's groups), none."""
        access = self.corpus.settings.access
        known = {*access.default_groups, *(g for gs in access.users.values() for g in gs)}
        unknown = unknown_groups(audience, known) if access.users else []
        if not unknown:
            return None
        return f"audience {audience!r}: no configured user is in {', '.join(unknown)}"

    def _flush(self) -> None:
        """Embed the batch's chunks, their sentences and titles in one call; store each file."""
        batch, self._batch = self._batch, []
        if not batch:
            return
        chunks = [embedding_text(p.doc.title, c) for p in batch for c in p.chunks]
        split = [  # a table has no sentences to quote
            [[] if c.table else chunk_sentences(c.text, p.doc.kind) for c in p.chunks]
            for p in batch
        ]
        titles = [p.doc.title[:512] for p in batch]
        others = list(dict.fromkeys([*titles, *(s for doc in split for c in doc for s in c)]))
        vectors = self.corpus.embedder.encode(chunks + others)
        chunk_vectors = iter(vectors[: len(chunks)].tolist())
        known = dict(zip(others, vectors[len(chunks) :], strict=True))
        for pending, sentences in zip(batch, split, strict=True):
            embeddings = [next(chunk_vectors) for _ in pending.chunks]
            try:
                self._record(self._write(pending, embeddings, sentences, known))
            except IntegrityError:  # another process registered or switched it first
                self._record(FileResult(str(pending.path), "failed", error=CONCURRENT))
            except Exception as exc:  # the store or database failed: report, keep going
                error = f"not stored, the index is unchanged ({exc.__class__.__name__}: {exc})"
                self._record(FileResult(str(pending.path), "failed", error=error))

    def _write(
        self,
        pending: _Pending,
        embeddings: list[np.ndarray],
        sentences: list[list[str]],
        known: dict[str, np.ndarray],
    ) -> FileResult:
        if pending.existing:
            return self._store(pending.existing.id, pending, embeddings, sentences, known)
        doc_id = _register(self.corpus, pending)
        try:
            return self._store(doc_id, pending, embeddings, sentences, known)
        except Exception:
            self._unregister(doc_id, pending.audience)
            raise

    def _unregister(self, doc_id: int, audience: str) -> None:
        """A new document that could not be stored leaves nothing behind: its chunks, then its
        pending row (kept if its chunks cannot be deleted, so its id is never reused)."""
        try:
            self.corpus.store.delete_versions(audience, doc_id)
        except Exception:
            log.warning("document %d: its partly written chunks could not be deleted", doc_id)
            return
        with self.corpus.sessions() as session:
            session.execute(delete(Document).where(Document.id == doc_id, Document.version == 0))
            session.commit()

    def _store(
        self,
        doc_id: int,
        pending: _Pending,
        embeddings: list[np.ndarray],
        sentences: list[list[str]],
        known: dict[str, np.ndarray],
    ) -> FileResult:
        old = pending.existing
        version = (old.version if old else 0) + 1
        ids = [f"{doc_id}-v{version}-{i}" for i in range(len(pending.chunks))]
        metadatas = [
            chunk_metadata(doc_id, version, pending.audience, i, c, pending.doc.kind)
            for i, c in enumerate(pending.chunks)
        ]
        texts = [c.text for c in pending.chunks]
        self.corpus.store.add(pending.audience, ids, embeddings, texts, metadatas)
        rows = [
            sentence_row(chunk_id, doc_id, version, chunk, known)
            for chunk_id, chunk in zip(ids, sentences, strict=True)
            if chunk
        ]
        self._switch(doc_id, version, pending, rows, pack(known[pending.doc.title[:512]]))
        for audience in {pending.audience, old.audience if old else pending.audience}:
            self.corpus.store.delete_versions(audience, doc_id, keep=version)
        status = "updated" if old and old.version > 0 else "added"
        chunks = len(pending.chunks)
        return FileResult(str(pending.path), status, doc_id, chunks, warning=pending.warning)

    def _switch(
        self,
        doc_id: int,
        version: int,
        pending: _Pending,
        sentences: list[ChunkSentences],
        title_vector: bytes,
    ) -> None:
        """One transaction: the new version's sentences in, the registry switched (and the
        version recorded in its history), the old version's sentences out."""
        with self.corpus.sessions() as session:
            row = session.get(Document, doc_id)
            if row is None:
                raise LoadError("the document was removed while it was being ingested")
            session.add_all(sentences)
            session.execute(
                delete(ChunkSentences).where(
                    ChunkSentences.doc_id == doc_id, ChunkSentences.version != version
                )
            )
            row.title = pending.doc.title[:512]
            row.title_vector = title_vector
            row.kind = pending.doc.kind
            row.date = pending.doc.date
            row.date_precision = pending.doc.date_precision
            row.date_source = pending.doc.date_source
            row.audience = pending.audience
            row.sha256 = pending.sha256
            row.version = version
            row.chunk_count = len(pending.chunks)
            row.ingested_by = self.ingested_by
            row.ingested_at = utcnow()
            row.text_preview = pending.doc.text[:500]
            row.revises = revises_a_position(pending.doc.text)
            record(session, row, pending.doc.text, self.corpus.settings.retrieval.keep_versions)
            self.corpus.changed(session)
            session.commit()


def sentence_row(
    chunk_id: str, doc_id: int, version: int, sentences: list[str], vectors: dict[str, np.ndarray]
) -> ChunkSentences:
    matrix = np.stack([vectors[s] for s in sentences])
    return ChunkSentences(
        chunk_id=chunk_id, doc_id=doc_id, version=version, sentences=sentences, vectors=pack(matrix)
    )


def _same(existing: Document, sha256: str, audience: str, doc: LoadedDocument) -> bool:
    """Nothing to do; a document stored before titles and sentences were embedded at ingest
    (migration 0005), or whose date (or where it came from) or revision flag (0015) changed, is
    stored again."""
    stored = (existing.sha256, existing.audience, existing.kind, existing.date)
    return (
        stored == (sha256, audience, doc.kind, doc.date)
        and existing.date_source == doc.date_source
        and existing.revises == revises_a_position(doc.text)
        and existing.title_vector is not None
    )


def _find(corpus: Corpus, source: str) -> Document | None:
    with corpus.sessions() as session:
        return session.scalars(select(Document).where(Document.source == source)).first()


def _register(corpus: Corpus, pending: _Pending) -> int:
    """A new document gets a row at version 0: it has an id but nothing searchable yet."""
    with corpus.sessions() as session:
        row = Document(
            source=pending.source,
            title=pending.doc.title[:512],
            kind=pending.doc.kind,
            date=pending.doc.date,
            date_precision=pending.doc.date_precision,
            date_source=pending.doc.date_source,
            audience=pending.audience,
            sha256="",
            version=0,
            chunk_count=0,
            ingested_by="",
            text_preview="",
        )
        session.add(row)
        session.commit()
        return row.id


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return f"cannot read the file ({exc.strerror or exc})"
    return str(exc)
