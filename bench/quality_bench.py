"""Quality on the sample corpus and on real text nobody here wrote (the Berkshire letters, QMSum).

Per corpus, for the tuning questions and the held-out third apart:
- retrieval: hit@5 (a gold document, or for QMSum a chunk holding 60% of the content words of a
  gold turn of at least 8 content words, among the top 5) and MRR over the top 5; the same for
  a naive RAG baseline (bench/naive_rag.py); and search time per question;
- answers, through persona.answer.Answerer in quote mode (no LLM): answered-of-answerable,
  refused-of-unanswerable, and answers that cite a gold document.
QMSum has no persona speaking in it, so only retrieval is scored there. Its hit@5 is also given
over all 160 queries ("strict"), counting queries without a gold turn of 8 content words as
misses.

    python -m bench.quality_bench [--home DIR] [--out FILE] [--only sample,berkshire,qmsum]

--home keeps the ingested corpora between runs (re-ingest after a chunking change: use a new
folder). Berkshire is ingested with examples/berkshire/config.yaml.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from unittest.mock import patch

import yaml

from bench.common import machine, table
from bench.naive_rag import NaiveRag
from bench.quality_sets import (
    SAMPLE_QUESTIONS,
    SAMPLES,
    LabelledSet,
    Question,
    all_sets,
    is_hit,
)
from persona.answer import Answerer
from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from retrieval.search import search
from twin.settings import Settings, load_settings
from twin.text import chunk_sentences

K = 5


@dataclass
class Scores:
    n: int = 0
    hit: float = 0.0
    mrr: float = 0.0
    strict: str = ""  # QMSum: hit@5 over every query of the split
    answered: str = "-"
    refused: str = "-"
    cites: str = "-"
    search_ms: str = ""


def reciprocal_rank(question: Question, hits: Sequence[object]) -> float:
    for rank, hit in enumerate(hits[:K], 1):
        if is_hit(question, hit.source, hit.text):  # type: ignore[attr-defined]
            return 1 / rank
    return 0.0


def retrieval_scores(
    questions: list[Question], find: Callable[[Question], Sequence[object]]
) -> tuple[Scores, list[float]]:
    """hit@5 and MRR over the questions that can be scored, and the time of each search."""
    scored = [q for q in questions if q.turns is None or q.turns]
    ranks, times = [], []
    for question in scored:
        start = time.perf_counter()
        hits = find(question)
        times.append((time.perf_counter() - start) * 1000)
        ranks.append(reciprocal_rank(question, hits))
    hit = sum(r > 0 for r in ranks) / max(len(ranks), 1)
    scores = Scores(len(scored), hit, sum(ranks) / max(len(ranks), 1))
    if len(scored) != len(questions):
        scores.strict = f"{sum(r > 0 for r in ranks) / len(questions):.3f} of {len(questions)}"
    return scores, times


def answer_scores(answerer: Answerer, labelled: LabelledSet, holdout: bool, scores: Scores) -> None:
    answerable = [q for q in labelled.questions if q.holdout == holdout]
    answered = cites = 0
    for question in answerable:
        user = "U_CEO" if question.groups else "U_EMPLOYEE"
        answer = answerer.answer(question.q, user, question.groups)
        answered += answer.mode != "none"
        cites += any(c.source in question.gold for c in answer.citations)
    unanswerable = [u for u in labelled.unanswerable if u.holdout == holdout]
    refused = sum(answerer.answer(u.q, "U_EMPLOYEE", []).mode == "none" for u in unanswerable)
    scores.answered = f"{answered}/{len(answerable)}"
    scores.refused = f"{refused}/{len(unanswerable)}"
    scores.cites = f"{cites}/{len(answerable)}"


def recency_wins(corpus: Corpus) -> str:
    """Sample corpus: topics where the CEO changed position; the newer document should rank
    above the older among the top 20."""
    data = yaml.safe_load(SAMPLE_QUESTIONS.read_text())
    wins = 0
    for item in data["changed_positions"]:
        order = [h.source for h in search(corpus, item["topic"], ["exec"], k=20)]
        newer, older = (str((SAMPLES / item[k]).resolve()) for k in ("newer", "older"))
        wins += newer in order and (older not in order or order.index(newer) < order.index(older))
    return f"{wins}/{len(data['changed_positions'])}"


def settings_for(labelled: LabelledSet, home: Path) -> Settings:
    environ = {"TWIN_HOME": str(home / labelled.name)}
    return load_settings(labelled.config, environ=environ)


def ingest(labelled: LabelledSet, home: Path, sentences: bool = False) -> Corpus:
    """The corpus, ingested once under `home`. Without `sentences`, the chunks' sentences are
    not embedded at ingest: answering embeds those of the passages it reads instead, with the
    same results, and ingest takes half the time."""
    corpus = Corpus(settings_for(labelled, home))
    ingestor = Ingestor(corpus, "bench", kind=labelled.kind)
    with patch("retrieval.ingest.chunk_sentences", chunk_sentences if sentences else _none):
        report = ingestor.run([labelled.folder])
    failed = [r for r in report.results if r.status == "failed"]
    if failed:
        raise SystemExit(f"{labelled.name}: {failed[0].path}: {failed[0].error}")
    return corpus


def _none(text: str, kind: str) -> list[str]:
    return []


def evaluate(labelled: LabelledSet, home: Path, baseline: bool = True) -> list[tuple[object, ...]]:
    corpus = ingest(labelled, home)
    naive = NaiveRag(home, labelled.name, corpus.embedder) if baseline else None
    if naive:
        naive.index(labelled.folder)
    answerer = Answerer(corpus.settings, corpus) if labelled.answers else None
    rows: list[tuple[object, ...]] = []
    for holdout in (False, True):
        questions = [q for q in labelled.questions if q.holdout == holdout]
        split = "holdout" if holdout else "tuning"
        ours, times = retrieval_scores(questions, lambda q: search(corpus, q.q, q.groups, k=K))
        ours.search_ms = f"{statistics.median(times):.1f} / {_p95(times):.1f}"
        if answerer is not None:
            answer_scores(answerer, labelled, holdout, ours)
        rows.append(_row(labelled.name, split, "ceo-twin", ours))
        if naive:
            base, _ = retrieval_scores(questions, lambda q: naive.search(q.q, K))
            rows.append(_row(labelled.name, split, "naive RAG", base))
    if labelled.name == "sample":
        rows.append(("sample", "all", "newer position ranks first", recency_wins(corpus)))
    return rows


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _row(corpus: str, split: str, system: str, s: Scores) -> tuple[object, ...]:
    hit = f"{s.hit:.3f}" + (f" (strict {s.strict})" if s.strict else "")
    return (
        corpus, split, system, s.n, hit, f"{s.mrr:.3f}", s.answered, s.refused, s.cites,
        s.search_ms,
    )  # fmt: skip


HEADER = (
    "corpus", "split", "system", "questions", "hit@5", "MRR@5", "answered of answerable",
    "refused of unanswerable", "answer cites gold", "search ms p50 / p95",
)  # fmt: skip


def run(
    home: Path | None = None,
    only: list[str] | None = None,
    progress: Callable[[str], None] = lambda rows: None,
    baseline: bool = True,
) -> str:
    """The report; `progress` gets the table so far after each corpus."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = home or Path(scratch)
        rows = []
        for labelled in all_sets():
            if not only or labelled.name in only:
                rows += evaluate(labelled, folder, baseline)
                progress(table(HEADER, rows))
    return f"Answer quality on real corpora ({machine()})\n\n" + table(HEADER, rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.quality_bench")
    parser.add_argument("--home", type=Path, help="keep the ingested corpora in this folder")
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    parser.add_argument("--only", default="", help="comma-separated: sample,berkshire,qmsum")
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive RAG rows")
    args = parser.parse_args(argv)

    def save(text: str) -> None:
        if args.out:
            args.out.write_text(text + "\n")

    only = [n for n in args.only.split(",") if n]
    report = run(args.home, only, save, baseline=not args.no_baseline)
    print(report)
    save(report)


if __name__ == "__main__":
    main()
