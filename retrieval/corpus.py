"""The corpus: SQL document registry + chunk store + embedder, shared by ingest and search."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
from chromadb.api import ClientAPI
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from retrieval.embeddings import Embedder, make_embedder, unpack
from retrieval.erasure import forget_quotes, vacuum_chroma
from retrieval.lexical import LexicalIndex
from retrieval.store import ChunkStore, make_client
from retrieval.versions import forget
from twin.db import checkpoint, session_factory
from twin.models import ChunkSentences, CorpusState, Document
from twin.settings import Settings


@dataclass
class CorpusStats:
    by_kind: dict[str, int]
    first: date | None
    last: date | None


class Corpus:
    def __init__(self, settings: Settings, client: ClientAPI | None = None) -> None:
        self.settings = settings
        self.sessions = session_factory(settings.db_url)
        client = client or make_client(settings.retrieval.chroma_url, settings.home)
        retrieval = settings.retrieval
        self.store = ChunkStore(client, retrieval.collection_prefix, retrieval.hnsw)
        self._audiences: tuple[int, list[str]] = (-1, [])
        self._pinned = threading.local()  # this thread's generation, inside `pinned`

    @cached_property
    def embedder(self) -> Embedder:
        retrieval = self.settings.retrieval
        return make_embedder(retrieval.embedding_model, retrieval.embedding_batch_size)

    @cached_property
    def lexical(self) -> LexicalIndex:
        return LexicalIndex(self)

    def generation(self) -> int:
        """Goes up whenever the live documents change, in this process or another."""
        pinned = getattr(self._pinned, "generation", None)
        if pinned is not None:
            return int(pinned)
        with self.sessions() as session:
            return session.scalar(select(CorpusState.generation)) or 0

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Read the generation once for everything inside (one answer's checks): one query
        instead of one per check, and every check sees the same corpus."""
        if getattr(self._pinned, "generation", None) is not None:
            yield
            return
        self._pinned.generation = self.generation()
        try:
            yield
        finally:
            self._pinned.generation = None

    @staticmethod
    def changed(session: Session) -> None:
        """Count a change of the live documents, in the transaction that makes it."""
        session.execute(update(CorpusState).values(generation=CorpusState.generation + 1))

    def audiences(self) -> list[str]:
        """Audiences that have at least one live document."""
        generation = self.generation()
        if self._audiences[0] != generation:
            self.store.forget()  # a reindex may have replaced partitions
            with self.sessions() as session:
                query = select(Document.audience).where(Document.version > 0).distinct()
                self._audiences = (generation, sorted(session.scalars(query)))
        return list(self._audiences[1])

    def documents(self) -> list[Document]:
        with self.sessions() as session:
            return list(session.scalars(select(Document).order_by(Document.date, Document.id)))

    def document(self, doc_id: int) -> Document | None:
        with self.sessions() as session:
            return session.get(Document, doc_id)

    def live(self, doc_ids: set[int]) -> dict[int, Document]:
        """The current registry rows of these documents (removed ones are absent)."""
        if not doc_ids:
            return {}
        with self.sessions() as session:
            rows = session.scalars(select(Document).where(Document.id.in_(doc_ids)))
            return {doc.id: doc for doc in rows}

    def stored_vectors(
        self, chunk_ids: Iterable[str], doc_ids: Iterable[int]
    ) -> dict[str, np.ndarray]:
        """Text -> embedding, as computed at ingest: the sentences of these chunks and the
        titles of these documents."""
        found: dict[str, np.ndarray] = {}
        chunks = select(ChunkSentences).where(ChunkSentences.chunk_id.in_(list(chunk_ids)))
        titles = select(Document.title, Document.title_vector).where(
            Document.id.in_(list(doc_ids)), Document.title_vector.is_not(None)
        )
        with self.sessions() as session:
            for row in session.scalars(chunks):
                vectors = unpack(row.vectors, len(row.sentences))
                found.update(zip(row.sentences, vectors, strict=True))
            for title, vector in session.execute(titles):
                found[title] = unpack(vector or b"", 1)[0]
        return found

    def best_sentences(self, chunk_ids: list[str], query: np.ndarray) -> dict[str, float]:
        """For each of these chunks, the cosine of its sentence closest to the query (as
        embedded at ingest)."""
        found: dict[str, float] = {}
        rows = select(ChunkSentences).where(ChunkSentences.chunk_id.in_(chunk_ids))
        with self.sessions() as session:
            for row in session.scalars(rows):
                vectors = unpack(row.vectors, len(row.sentences))
                found[row.chunk_id] = float((vectors @ query).max())
        return found

    def remove(self, doc_id: int) -> Document | None:
        """Unregister first (search stops returning it at once; its sentence embeddings and
        its versions' text go with the row), then drop its chunks, and erase its text from
        disk (retrieval.erasure)."""
        with self.sessions() as session:
            doc = session.get(Document, doc_id)
            if doc is None:
                return None
            forget(session, doc_id)  # every version's text, with the row
            session.delete(doc)
            self.changed(session)
            session.commit()
        forget_quotes(self.sessions, doc_id)
        self.store.delete_versions(doc.audience, doc_id)
        self.erase()
        return doc

    def erase(self) -> None:
        """Leave no deleted text on disk: SQLite's -wal file and the embedded Chroma's free
        pages (after a removal, or after a document's old version was replaced)."""
        checkpoint(self.settings.db_url)
        if not self.settings.retrieval.chroma_url:
            vacuum_chroma(self.settings.home)

    def stats(self) -> CorpusStats:
        with self.sessions() as session:
            live = Document.version > 0
            kinds = session.execute(
                select(Document.kind, func.count()).where(live).group_by(Document.kind)
            )
            first, last = session.execute(
                select(func.min(Document.date), func.max(Document.date)).where(live)
            ).one()
        return CorpusStats(by_kind=dict(kinds.tuples().all()), first=first, last=last)
