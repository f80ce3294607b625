"""Ingest throughput (chunks/s) against the raw encode throughput of the same texts."""

from __future__ import annotations

import tempfile
import time

from bench.common import letter_chunks, letter_files, table
from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from twin.settings import load_settings

FILES = 10


def run() -> str:
    files = letter_files(FILES)
    texts = letter_chunks(FILES)
    with tempfile.TemporaryDirectory() as home:
        corpus = Corpus(load_settings(environ={"TWIN_HOME": home}))
        embedder = corpus.embedder
        embedder.embed(texts[:32])  # warm-up

        start = time.perf_counter()
        embedder.embed(texts)
        raw = len(texts) / (time.perf_counter() - start)

        start = time.perf_counter()
        report = Ingestor(corpus, "bench").run(files)
        elapsed = time.perf_counter() - start
    chunks = sum(r.chunks for r in report.results)
    pipeline = chunks / elapsed
    rows = [
        ("raw sentence-transformers encode", len(texts), f"{raw:.1f}", "1.00"),
        ("twin ingest (load, chunk, embed, Chroma, SQL)", chunks, f"{pipeline:.1f}",
         f"{pipeline / raw:.2f}"),
    ]
    return (
        f"Ingest throughput on {len(files)} Berkshire letters\n\n"
        + table(("stage", "chunks", "chunks/s", "ratio to raw encode"), rows)
    )


if __name__ == "__main__":
    print(run())
