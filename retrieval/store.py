"""Chroma vector store, partitioned by audience.

Each distinct audience ("all", "exec", "exec,finance", ...) has its own collection. A search
queries only the collections a user may read, so access control costs no metadata filter:
chromadb's filtered query is ~90x slower than an unfiltered one at 100k chunks (see README).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import ChromaError, NotFoundError

from retrieval.embeddings import Vector


@dataclass
class StoredChunk:
    id: str
    doc_id: int
    version: int
    text: str
    distance: float
    metadata: dict[str, Any]
    embedding: np.ndarray


def make_client(chroma_url: str, home: Path) -> ClientAPI:
    """An HttpClient for `chroma_url`, else a PersistentClient under the twin's home."""
    settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        url = urlparse(chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "localhost",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=settings,
        )
    path = home / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    # chromadb creates its tables on first open without a lock of its own: two commands opening a
    # new home at once would both try, and one fails with "table collections already exists".
    with open(path / "open.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return chromadb.PersistentClient(path=str(path), settings=settings)


# chromadb keeps each write, text included, in its log until the vector index is synced to disk;
# syncing after every write lets its log purge run after every write, so a removed chunk's text
# does not outlive its delete (retrieval.erasure). It costs about 1 ms per chunk written.
PURGE_AFTER_EVERY_WRITE = {"sync_threshold": 1}

STAGING_SUFFIX = "-reindex"  # a partition being rebuilt by retrieval.reindex
PAGE = 5000


class ChunkStore:
    def __init__(self, client: ClientAPI, prefix: str, hnsw: dict[str, int] | None = None) -> None:
        self.client = client
        self.prefix = prefix
        self.hnsw = hnsw or {}  # chromadb's HNSW settings for new partitions
        self._collections: dict[str, Collection] = {}

    def name(self, audience: str, staging: bool = False) -> str:
        """The partition's collection name; `staging`: the one a reindex builds beside it."""
        digest = hashlib.sha1(audience.encode()).hexdigest()[:16]
        return f"{self.prefix}-{digest}{STAGING_SUFFIX if staging else ''}"

    def collection(self, audience: str, staging: bool = False) -> Collection:
        if staging:
            return self._open(self.name(audience, staging=True), audience)
        if audience not in self._collections:
            self._collections[audience] = self._open(self.name(audience), audience)
        return self._collections[audience]

    def forget(self) -> None:
        """Open each partition again on next use (another process may have replaced it)."""
        self._collections.clear()

    def _open(self, name: str, audience: str) -> Collection:
        hnsw = {"space": "cosine", **self.hnsw, **PURGE_AFTER_EVERY_WRITE}
        try:
            collection = self.client.get_or_create_collection(
                name,
                embedding_function=None,
                configuration=cast(Any, {"hnsw": hnsw}),
                metadata={"audience": audience},
            )
        except ChromaError as error:  # another process created it a moment ago
            if "already exists" not in str(error):
                raise
            collection = self.client.get_collection(name, embedding_function=None)
        _purge_after_every_write(collection)
        return collection

    def add(
        self,
        audience: str,
        ids: list[str],
        embeddings: list[np.ndarray],
        texts: list[str],
        metadatas: list[dict[str, Any]],
        staging: bool = False,
    ) -> None:
        """Upsert in batches within the client's (or server's) max batch size."""
        collection = self.collection(audience, staging)
        size = self.max_batch
        for start in range(0, len(ids), size):
            end = start + size
            collection.upsert(
                ids=ids[start:end],
                embeddings=embeddings[start:end],
                documents=texts[start:end],
                metadatas=metadatas[start:end],  # type: ignore[arg-type]
            )

    def drop(self, audience: str, staging: bool = False) -> None:
        """Delete a partition's collection (or its staging collection), if it exists."""
        if not staging:
            self._collections.pop(audience, None)
        with contextlib.suppress(NotFoundError, ValueError):
            self.client.delete_collection(self.name(audience, staging))

    def swap_in(self, audience: str) -> None:
        """The staging collection becomes the partition: the live one is deleted, the staging
        one renamed. Interrupted in between, the partition is missing until this runs again."""
        staging = self.client.get_collection(self.name(audience, True), embedding_function=None)
        self.drop(audience)
        staging.modify(name=self.name(audience))

    def staged(self) -> list[str]:
        """Audiences with a staging collection (a reindex under way)."""
        found = []
        for collection in self.client.list_collections():
            if collection.name.startswith(f"{self.prefix}-") and collection.name.endswith(
                STAGING_SUFFIX
            ):
                found.append(str((collection.metadata or {}).get("audience")))
        return sorted(found)

    def ids(self, audience: str, staging: bool = False) -> set[str]:
        """Every chunk id in a partition (or its staging collection)."""
        collection = self.collection(audience, staging)
        found: set[str] = set()
        while batch := collection.get(include=[], limit=PAGE, offset=len(found))["ids"]:
            found.update(batch)
        return found

    def chunks_of(
        self, audience: str, doc_id: int, version: int
    ) -> list[tuple[str, dict[str, Any]]]:
        """The text and metadata of a document version's chunks in its partition, in order."""
        where = {"$and": [{"doc_id": doc_id}, {"version": version}]}
        result = self.collection(audience).get(
            where=cast(Any, where), include=["documents", "metadatas"]
        )
        rows = zip(result["documents"] or [], result["metadatas"] or [], strict=True)
        return sorted(
            ((text, dict(meta)) for text, meta in rows), key=lambda row: int(row[1]["index"])
        )

    @cached_property
    def max_batch(self) -> int:
        return int(self.client.get_max_batch_size())

    def delete_versions(self, audience: str, doc_id: int, keep: int | None = None) -> None:
        """Delete a document's chunks in one partition, except those of version `keep`."""
        where: dict[str, Any] = {"doc_id": doc_id}
        if keep is not None:
            where = {"$and": [where, {"version": {"$ne": keep}}]}
        self.collection(audience).delete(where=where)

    def query(self, audience: str, embedding: Vector, n: int) -> list[StoredChunk]:
        result = self.collection(audience).query(
            query_embeddings=np.asarray([embedding], dtype=np.float32),
            n_results=n,
            include=["documents", "metadatas", "distances", "embeddings"],
        )
        rows = zip(
            result["ids"][0],
            result["documents"][0],  # type: ignore[index]
            result["metadatas"][0],  # type: ignore[index]
            result["distances"][0],  # type: ignore[index]
            result["embeddings"][0],  # type: ignore[index]
            strict=True,
        )
        return [_stored(*row) for row in rows]

    def get(self, audience: str, ids: list[str]) -> list[StoredChunk]:
        """These chunks of one partition, with their embeddings (distance left at 1.0)."""
        result = self.collection(audience).get(
            ids=ids,
            include=["documents", "metadatas", "embeddings"],
        )
        rows = zip(
            result["ids"],
            result["documents"],  # type: ignore[arg-type]
            result["metadatas"],  # type: ignore[arg-type]
            result["embeddings"],  # type: ignore[arg-type]
            strict=True,
        )
        return [_stored(chunk_id, text, meta, 1.0, vector) for chunk_id, text, meta, vector in rows]

    def count(self, audience: str) -> int:
        return self.collection(audience).count()


def _purge_after_every_write(collection: Collection) -> None:
    """A partition made before PURGE_AFTER_EVERY_WRITE gets it (chromadb applies it from the
    next process that opens the partition)."""
    hnsw = (collection.configuration_json or {}).get("hnsw") or {}
    if hnsw and hnsw.get("sync_threshold") != PURGE_AFTER_EVERY_WRITE["sync_threshold"]:
        collection.modify(configuration=cast(Any, {"hnsw": PURGE_AFTER_EVERY_WRITE}))


def _stored(
    chunk_id: str, text: str | None, meta: Any, distance: float, vector: Any
) -> StoredChunk:
    return StoredChunk(
        id=chunk_id,
        doc_id=int(meta["doc_id"]),
        version=int(meta["version"]),
        text=text or "",
        distance=float(distance),
        metadata=dict(meta),
        embedding=np.asarray(vector, dtype=np.float32),
    )
