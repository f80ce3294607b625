"""Lexical retrieval: BM25 (bm25s) over the chunks of each audience partition.

An index per partition mirrors the chunk store's partitions, so a user's lexical search reads
only the partitions their groups may read, exactly as the dense search does; every hit is then
checked against the SQL registry like a dense one (retrieval.search). A partition's index is
built from the chunk store on first use and rebuilt when the live documents of that audience
change (their ids and versions, read from the registry when the corpus generation moves).

What is indexed for a chunk is what is embedded for it: its document's title, its section's
heading and its text (retrieval.chunking.embedding_text).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import bm25s
import numpy as np
from sqlalchemy import select

from retrieval.terms import terms_list
from twin.models import Document

if TYPE_CHECKING:
    from retrieval.corpus import Corpus

PAGE = 5000
# bm25s sets its own logger to DEBUG on import, so its "Building index from tokens" reached
# `twin ask`'s terminal and the service's log past their handlers' levels.
logging.getLogger("bm25s").setLevel(logging.WARNING)


@dataclass
class _Partition:
    fingerprint: str
    ids: list[str]
    model: bm25s.BM25 | None  # None: the partition has no chunks
    position: dict[str, int]  # chunk id -> row


class LexicalScores:
    """One query's BM25 scores in each readable partition."""

    def __init__(self, scored: dict[str, tuple[_Partition, np.ndarray]]) -> None:
        self._scored = scored

    def top(self, n: int) -> dict[str, list[str]]:
        """Per partition, the ids of its n best chunks with a score above 0, best first."""
        best = {}
        for audience, (partition, scores) in self._scored.items():
            top = np.argpartition(-scores, min(n, len(scores) - 1))[:n]
            ranked = sorted((i for i in top if scores[i] > 0), key=lambda i: -scores[i])
            best[audience] = [partition.ids[i] for i in ranked]
        return best

    def score(self, audience: object, chunk_id: str) -> float:
        found = self._scored.get(str(audience))
        if found is None or chunk_id not in found[0].position:
            return 0.0
        return float(found[1][found[0].position[chunk_id]])


class LexicalIndex:
    """BM25 indexes of a corpus's partitions, kept current with the registry."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self._partitions: dict[str, _Partition] = {}
        # audience -> the generation and BM25 parameters its fingerprint was read at
        self._checked: dict[str, tuple[int, float, float]] = {}
        self._lock = threading.Lock()

    def scores(self, audiences: list[str], query: str) -> LexicalScores:
        """BM25 scores of the query in each of these partitions (the ones the asker may read)."""
        wanted = list(dict.fromkeys(terms_list(query)))
        scored = {}
        for audience in audiences if wanted else []:
            partition = self._partition(audience)
            if partition.model is None:
                continue
            known = [t for t in wanted if t in partition.model.vocab_dict]
            if known:
                scored[audience] = (partition, partition.model.get_scores(known))
        return LexicalScores(scored)

    def _partition(self, audience: str) -> _Partition:
        settings = self.corpus.settings.retrieval
        state = (self.corpus.generation(), settings.bm25_k1, settings.bm25_b)
        with self._lock:
            cached = self._partitions.get(audience)
            if cached and self._checked.get(audience) == state:
                return cached
            fingerprint = self._fingerprint(audience)
            self._checked[audience] = state
            if cached and cached.fingerprint == fingerprint:
                return cached
            self._partitions[audience] = self._build(audience, fingerprint)
            return self._partitions[audience]

    def _fingerprint(self, audience: str) -> str:
        """The live documents of an audience, with their versions, the partition's collection
        (a new one after `twin reindex`) and BM25's parameters."""
        query = (
            select(Document.id, Document.version)
            .where(Document.audience == audience, Document.version > 0)
            .order_by(Document.id)
        )
        with self.corpus.sessions() as session:
            rows = session.execute(query).all()
        collection = self.corpus.store.collection(audience).id
        settings = self.corpus.settings.retrieval
        parameters = (settings.bm25_k1, settings.bm25_b)
        return hashlib.sha1(repr((rows, str(collection), parameters)).encode()).hexdigest()

    def _build(self, audience: str, fingerprint: str) -> _Partition:
        collection = self.corpus.store.collection(audience)
        titles = self._titles(audience)
        ids: list[str] = []
        tokens: list[list[str]] = []
        for offset in range(0, collection.count(), PAGE):
            page = collection.get(include=["documents", "metadatas"], limit=PAGE, offset=offset)
            rows = zip(page["ids"], page["documents"] or [], page["metadatas"] or [], strict=True)
            for chunk_id, text, meta in rows:
                doc = titles.get(int(meta["doc_id"]))  # type: ignore[arg-type]
                if doc is None or doc[1] != meta.get("version"):
                    continue  # a removed document, or a version being replaced
                section = meta.get("section") or ""
                ids.append(chunk_id)
                tokens.append(terms_list(f"{doc[0]}\n{section}\n{text or ''}"))
        if not ids:
            return _Partition(fingerprint, [], None, {})
        settings = self.corpus.settings.retrieval
        model = bm25s.BM25(k1=settings.bm25_k1, b=settings.bm25_b)
        model.index(tokens, show_progress=False)
        return _Partition(fingerprint, ids, model, {chunk_id: i for i, chunk_id in enumerate(ids)})

    def _titles(self, audience: str) -> dict[int, tuple[str, int]]:
        query = select(Document.id, Document.title, Document.version).where(
            Document.audience == audience, Document.version > 0
        )
        with self.corpus.sessions() as session:
            return {doc_id: (title, version) for doc_id, title, version in session.execute(query)}
