"""How the retrieval constants were chosen: hit@5 and MRR on the TUNING questions of every
corpus at once (never the held-out third), for each combination of the values given.

    python -m bench.quality_sweep --home DIR lexical_weight=0,0.3,0.5 lexical_candidates=0,40

A value is kept only if it helps on all corpora together; one that helps one corpus and hurts
another is not a win. Uses the corpora ingested by bench.quality_bench under the same --home;
`--sentences` ingests them with their sentences' embeddings (what `sentence_weight` needs) and
wants a home of its own.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from bench.common import table
from bench.quality_bench import K, ingest, recency_wins, retrieval_scores
from bench.quality_sets import Question, all_sets
from retrieval.corpus import Corpus
from retrieval.search import Hit, search


def sweep(
    home: Path, grid: dict[str, list[float]], only: list[str] | None = None, sentences: bool = False
) -> str:
    sets = [s for s in all_sets() if not only or s.name in only]
    corpora = [(s, ingest(s, home, sentences)) for s in sets]
    rows = []
    for values in itertools.product(*grid.values()):
        row: list[object] = [", ".join(f"{k}={v:g}" for k, v in zip(grid, values, strict=True))]
        hits = []
        for labelled, corpus in corpora:
            for key, value in zip(grid, values, strict=True):
                kind = type(getattr(corpus.settings.retrieval, key))
                setattr(corpus.settings.retrieval, key, kind(value))
            tuning = [q for q in labelled.questions if not q.holdout]

            def find(question: Question, corpus: Corpus = corpus) -> list[Hit]:
                return search(corpus, question.q, question.groups, k=K)

            scores, _ = retrieval_scores(tuning, find)
            row.append(f"{scores.hit:.3f} / {scores.mrr:.3f}")
            hits.append(scores.hit)
        row.append(f"{sum(hits) / len(hits):.3f}")
        sample = [c for s, c in corpora if s.name == "sample"]
        row.append(recency_wins(sample[0]) if sample else "-")
        rows.append(row)
    header = ["setting", *(f"{s.name} hit@5 / MRR" for s in sets), "mean hit@5", "newer first"]
    return table(header, rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.quality_sweep")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--only", default="", help="comma-separated: sample,berkshire,qmsum")
    parser.add_argument("--sentences", action="store_true", help="ingest sentence embeddings")
    parser.add_argument("values", nargs="+", help="key=v1,v2,... (retrieval settings)")
    args = parser.parse_args(argv)
    grid = {}
    for item in args.values:
        key, _, values = item.partition("=")
        grid[key] = [float(v) for v in values.split(",")]
    print(sweep(args.home, grid, [n for n in args.only.split(",") if n], args.sentences))


if __name__ == "__main__":
    main()
