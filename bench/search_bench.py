"""Search latency at 100k chunks: access control by partition vs chromadb's metadata filter.

The index is bench.filler's: 100k chunks of Berkshire letter text with real-shaped embeddings,
10k registered documents of 10 chunks (85% audience all, 10% exec, 5% finance).
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from bench.common import CORPORA, table
from bench.filler import fill, make_seeds
from retrieval.corpus import Corpus
from retrieval.search import query_partitions, search
from retrieval.store import ChunkStore
from twin.settings import load_settings

TOTAL = 100_000
QUERIES = 60


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    for _ in range(5):  # warm-up: caches and the HNSW index pages
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def run() -> str:
    with tempfile.TemporaryDirectory() as home:
        corpus = Corpus(load_settings(environ={"TWIN_HOME": home}))
        seeds = make_seeds(corpus)
        started = time.perf_counter()
        flat = ChunkStore(corpus.store.client, "flat")
        fill(corpus, seeds, TOTAL, flat)
        build_s = time.perf_counter() - started
        queries = [corpus.embedder.embed_one(q) for q in _queries()]
        it = iter(range(10**9))

        def query() -> np.ndarray:
            return queries[next(it) % len(queries)]

        n = corpus.settings.retrieval.candidates
        include = ["documents", "metadatas", "distances", "embeddings"]

        def where(audiences: list[str]) -> object:
            return flat.collection("all").query(
                query_embeddings=[query()],
                n_results=n,
                include=include,  # type: ignore[arg-type]
                where=cast(Any, {"audience": {"$in": audiences}}),
            )

        rows = [
            (
                "unfiltered (one collection, no access control)",
                *timed(lambda: flat.query("all", query(), n), QUERIES),
            ),
            (
                "chromadb `where` filter, employee (audience all)",
                *timed(lambda: where(["all"]), QUERIES),
            ),
            (
                "chromadb `where` filter, exec (audience all or exec)",
                *timed(lambda: where(["all", "exec"]), QUERIES),
            ),
            (
                "partitions, employee (1 collection)",
                *timed(lambda: query_partitions(corpus, ["all"], query(), n), QUERIES),
            ),
            (
                "partitions, exec (2 collections, in parallel)",
                *timed(lambda: query_partitions(corpus, ["all", "exec"], query(), n), QUERIES),
            ),
            (
                "full `search()` as employee (embed + SQL + rank)",
                *timed(lambda: search(corpus, random.choice(_queries()), []), QUERIES),
            ),
            (
                "full `search()` as exec",
                *timed(lambda: search(corpus, random.choice(_queries()), ["exec"]), QUERIES),
            ),
        ]
        found = recall(corpus, "all", queries, n)
    base = rows[0][1]
    body = [(name, f"{p50:.1f}", f"{p95:.1f}", f"{p50 / base:.1f}x") for name, p50, p95 in rows]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (
        f"Search latency at {TOTAL:,} chunks ({QUERIES} queries each, top {n} candidates; "
        f"index built in {build_s:.0f} s; peak RSS {peak:.0f} MB; HNSW {corpus.store.hnsw}: "
        f"of the texts in an exact top {n} of the employee "
        f"partition, the HNSW top {n} holds {found:.3f})\n\n"
        + table(("query", "p50 ms", "p95 ms", "p50 vs unfiltered"), body)
    )


def recall(corpus: Corpus, audience: str, queries: list[np.ndarray], n: int) -> float:
    """Share of the texts among the exact top-n chunks that the HNSW top-n holds too, averaged
    over queries (texts, not ids: filler chunks repeat their seeds' texts)."""
    stored = corpus.store.collection(audience).get(include=["embeddings", "documents"])
    texts, vectors = stored["documents"], np.array(stored["embeddings"])
    shares = []
    for query in queries:
        exact = {texts[i] for i in np.argsort(-(vectors @ np.array(query)))[:n]}  # type: ignore[index]
        found = {c.text for c in corpus.store.query(audience, query, n)}
        shares.append(len(exact & found) / len(exact))
    return float(np.mean(shares))


def _queries() -> list[str]:
    lines = (CORPORA / "qmsum" / "queries.jsonl").read_text().splitlines()[:30]
    return [json.loads(line)["query"] for line in lines] + [
        "What do we look for in a business we buy?",
        "How should we think about insurance float?",
    ]


if __name__ == "__main__":
    print(run())
