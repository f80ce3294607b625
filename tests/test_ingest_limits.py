"""Limits hold: writes stay within Chroma's max batch size, a file over the chunk limit is refused
before anything is embedded, and a failed write never leaves a pending document behind."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from helpers import memo, write

from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from retrieval.store import ChunkStore, make_client
from twin.settings import Settings


@pytest.mark.parametrize("where", ["embedded", "server"])
def test_a_write_larger_than_the_max_batch_is_split(
    where: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = request.getfixturevalue("chroma_server") if where == "server" else ""
    store = ChunkStore(make_client(url, tmp_path), f"batch-{where}")
    n = store.client.get_max_batch_size() + 7
    vectors = np.random.default_rng(0).normal(size=(n, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"1-v1-{i}" for i in range(n)]
    metadatas = [{"doc_id": 1, "version": 1, "index": i} for i in range(n)]
    store.add("all", ids, list(vectors), [f"chunk {i}" for i in range(n)], metadatas)
    assert store.count("all") == n


def test_a_file_over_the_chunk_limit_is_refused_before_any_work(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    corpus = Corpus(make_settings(RETRIEVAL__MAX_CHUNKS_PER_FILE="1000"))
    words = ("dispatch routes change weekly " * 170_000)[:5_000_000]
    path = write(tmp_path / "huge.txt", words)  # 5 MB on a single line
    report = Ingestor(corpus, "test").run([path])
    [result] = report.results
    assert result.status == "failed" and result.error is not None
    assert "max_chunks_per_file (1,000)" in result.error and "too large" in result.error
    assert "embedder" not in corpus.__dict__  # the model was never loaded
    assert corpus.documents() == []


def test_a_failed_write_leaves_no_pending_document(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    corpus = Corpus(make_settings())
    # An index built by another embedding model: 3 dimensions, not 384.
    corpus.store.add("all", ["0-v1-0"], [np.ones(3, dtype=np.float32)], ["old"], [{"doc_id": 0}])
    path = write(tmp_path / "2026-01-05-pricing.md", memo("Pricing", "2026-01-05", "It is 49."))
    [result] = Ingestor(corpus, "test").run([path]).results
    assert result.status == "failed" and "the index is unchanged" in (result.error or "")
    assert corpus.documents() == []
    assert corpus.store.count("all") == 1
