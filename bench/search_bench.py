"""Search latency at 100k chunks: access control by partition vs chromadb's metadata filter.

Real embeddings of real text (Berkshire letters from ../shared/corpora) are the seeds; the
100k vectors are those seeds plus small noise, so the index has a realistic shape without
encoding 100k texts (about an hour on 2 cores). The registry holds 10k documents of 10 chunks.
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np

from bench.common import CORPORA, letter_chunks, table
from persona.answer import Answerer
from retrieval.corpus import Corpus
from retrieval.search import query_partitions, search
from retrieval.store import ChunkStore
from twin.models import Document
from twin.settings import load_settings

TOTAL = 100_000
PER_DOC = 10
AUDIENCES = {"all": 0.85, "exec": 0.10, "finance": 0.05}
QUERIES = 60


def build(corpus: Corpus, flat: ChunkStore, seeds: np.ndarray, texts: list[str]) -> None:
    rng = np.random.default_rng(7)
    docs = TOTAL // PER_DOC
    names = list(AUDIENCES)
    weights = list(AUDIENCES.values())
    audiences = random.Random(7).choices(names, weights, k=docs)
    with corpus.sessions() as session:
        session.add_all(
            Document(
                id=i + 1,
                source=f"bench://{i}",
                title=f"Doc {i}",
                kind="memo",
                date=date(2024, 1, 1) + timedelta(days=i % 700),
                audience=audiences[i],
                sha256="0" * 64,
                version=1,
                chunk_count=PER_DOC,
                ingested_by="bench",
                text_preview="",
            )
            for i in range(docs)
        )
        session.commit()
    for start in range(0, TOTAL, 5000):
        ids = range(start, start + 5000)
        vectors = seeds[rng.integers(0, len(seeds), 5000)] + rng.normal(0, 0.02, (5000, 384))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        metas = [
            {"doc_id": i // PER_DOC + 1, "version": 1, "audience": audiences[i // PER_DOC]}
            for i in ids
        ]
        docs_text = [texts[i % len(texts)] for i in ids]
        flat.add("all", [str(i) for i in ids], vectors.tolist(), docs_text, metas)
        for name in names:
            mine = [j for j, m in enumerate(metas) if m["audience"] == name]
            corpus.store.add(
                name,
                [str(start + j) for j in mine],
                vectors[mine].tolist(),
                [docs_text[j] for j in mine],
                [metas[j] for j in mine],
            )


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
    texts = letter_chunks(limit_files=8)
    with tempfile.TemporaryDirectory() as home:
        corpus = Corpus(load_settings(environ={"TWIN_HOME": home}))
        seeds = np.array(corpus.embedder.embed(texts))
        started = time.perf_counter()
        flat = ChunkStore(corpus.store.client, "flat")
        build(corpus, flat, seeds, texts)
        build_s = time.perf_counter() - started
        queries = [corpus.embedder.embed_one(q) for q in _queries()]
        it = iter(range(10**9))

        def query() -> list[float]:
            return queries[next(it) % len(queries)]

        n = corpus.settings.retrieval.candidates
        answerer = Answerer(corpus.settings, corpus, None)
        include = ["documents", "metadatas", "distances", "embeddings"]

        def where(audiences: list[str]) -> object:
            return flat.collection("all").query(
                query_embeddings=[query()],
                n_results=n,
                include=include,  # type: ignore[arg-type]
                where={"audience": {"$in": audiences}},
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
            (
                "whole answer pipeline, quote mode (search, quotes, policy, audit write)",
                *timed(lambda: answerer.answer(random.choice(_queries()), "bench", []), QUERIES),
            ),
        ]
    base = rows[0][1]
    body = [(name, f"{p50:.1f}", f"{p95:.1f}", f"{p50 / base:.1f}x") for name, p50, p95 in rows]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (
        f"Search latency at {TOTAL:,} chunks ({QUERIES} queries each, top {n} candidates; "
        f"index built in {build_s:.0f} s; peak RSS {peak:.0f} MB)\n\n"
        + table(("query", "p50 ms", "p95 ms", "p50 vs unfiltered"), body)
    )


def _queries() -> list[str]:
    lines = (CORPORA / "qmsum" / "queries.jsonl").read_text().splitlines()[:30]
    return [json.loads(line)["query"] for line in lines] + [
        "What do we look for in a business we buy?",
        "How should we think about insurance float?",
    ]


if __name__ == "__main__":
    print(run())
