"""Ingest throughput (chunks/s) against the raw encode throughput of the same texts.

Ingest embeds each chunk and each of its sentences (for quoting and the grounding guard), so
the fair baseline is the raw encode of the chunks plus their distinct sentences; the raw
encode of the chunks alone shows what the sentence embeddings cost.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable

from bench.common import letter_chunks, letter_files, table
from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from twin.settings import load_settings
from twin.text import chunk_sentences

FILES = 10


def run() -> str:
    files = letter_files(FILES)
    texts = letter_chunks(FILES)
    sentences = list(dict.fromkeys(s for t in texts for s in chunk_sentences(t, "memo")))
    with tempfile.TemporaryDirectory() as home:
        corpus = Corpus(load_settings(environ={"TWIN_HOME": home}))
        embedder = corpus.embedder
        embedder.encode(texts[:32])  # warm-up
        chunks_only = len(texts) / _timed(lambda: embedder.encode(texts))
        raw = len(texts) / _timed(lambda: embedder.encode(texts + sentences))

        start = time.perf_counter()
        report = Ingestor(corpus, "bench").run(files)
        elapsed = time.perf_counter() - start
    chunks = sum(r.chunks for r in report.results)
    pipeline = chunks / elapsed
    rows = [
        ("raw encode, chunks only", len(texts), f"{chunks_only:.1f}", f"{chunks_only / raw:.2f}"),
        (f"raw encode, chunks + their {len(sentences):,} sentences", len(texts), f"{raw:.1f}",
         "1.00"),
        ("twin ingest (load, chunk, embed both, Chroma, SQL)", chunks, f"{pipeline:.1f}",
         f"{pipeline / raw:.2f}"),
    ]  # fmt: skip
    return f"Ingest throughput on {len(files)} Berkshire letters\n\n" + table(
        ("stage", "chunks", "chunks/s", "ratio to raw encode of the same texts"), rows
    )


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    print(run())
