"""The answer pipeline on the sample corpus: overhead, guard, refusals and accuracy.

    python -m bench.answer_bench            # quote mode and LLM mode (starts `twin llm serve`)
    python -m bench.answer_bench --no-llm   # quote mode only

Overhead is everything but LLM generation (total latency minus the time spent waiting on the
LLM): retrieval, evidence, guard, composition, policy and the audit write. Accuracy: the answer
cites the question's expected document (exec questions are asked as an exec). Refusals: the
share of `unanswerable` questions answered "I haven't spoken about that".
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import yaml

from bench.common import ROOT, machine, table
from persona.answer import Answerer, make_llm
from persona.guard import evaluate
from persona.results import Answer
from persona.serve import running_server
from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from twin.settings import Settings, load_settings

SAMPLES = ROOT / "samples" / "corpus"
DATA = ROOT / "tests" / "data"
LLM_QUESTIONS = 12


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def overhead_ms(answer: Answer) -> float:
    return answer.latency_ms["total"] - answer.latency_ms.get("llm", 0)


def ask_all(answerer: Answerer, questions: list[dict[str, object]]) -> list[Answer]:
    answers = []
    for item in questions:
        groups = list(item.get("groups", []))  # type: ignore[call-overload]
        user = "U_CEO" if groups else "U_EMPLOYEE"
        answers.append(answerer.answer(str(item["q"]), user, groups))
    return answers


def accuracy(questions: list[dict[str, object]], answers: list[Answer]) -> float:
    cited = sum(
        any(c.source.endswith(str(q["expected"])) for c in a.citations)
        for q, a in zip(questions, answers, strict=True)
    )
    return cited / len(questions)


@contextmanager
def llama_server(settings: Settings) -> Iterator[str]:
    serve = settings.llm.serve.model_copy(update={"port": _free_port()})
    with running_server(serve, settings.llm.model) as url:
        yield url


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _row(mode: str, answers: list[Answer]) -> tuple[object, ...]:
    overheads = [overhead_ms(a) for a in answers]
    totals = [float(a.latency_ms["total"]) for a in answers]
    modes = {m: sum(a.mode == m for a in answers) for m in ("llm", "quotes", "none")}
    return (
        mode,
        len(answers),
        f"{percentile(overheads, 0.5):.0f}",
        f"{percentile(overheads, 0.95):.0f}",
        f"{statistics.median(totals):.0f}",
        " / ".join(f"{m} {n}" for m, n in modes.items()),
    )


def run(with_llm: bool = True, llm_questions: int = LLM_QUESTIONS) -> str:
    data = yaml.safe_load((DATA / "questions.yaml").read_text())
    questions, unanswerable = data["questions"], data["unanswerable"]
    with tempfile.TemporaryDirectory() as home:
        settings = load_settings(ROOT / "config.yaml", environ={"TWIN_HOME": home})
        corpus = Corpus(settings)
        Ingestor(corpus, "bench").run([SAMPLES])
        answerer = Answerer(settings, corpus)
        answerer.answer("warm up", "U_EMPLOYEE", [])
        answered = ask_all(answerer, questions)
        refused = [answerer.answer(q, "U_EMPLOYEE", []) for q in unanswerable]
        rows = [_row("quotes", answered + refused)]
        llm_accuracy = None
        if with_llm:
            subset = questions[:: max(1, len(questions) // llm_questions)][:llm_questions]
            with llama_server(settings) as url:
                llm_settings = settings.model_copy(
                    update={"llm": settings.llm.model_copy(update={"base_url": url})}
                )
                with_model = Answerer(llm_settings, corpus, make_llm(llm_settings.llm))
                llm_answers = ask_all(with_model, subset)
            rows.append(_row("llm (SmolLM2-135M, llama.cpp)", llm_answers))
            llm_accuracy = (accuracy(subset, llm_answers), len(subset))
        guard = evaluate(
            yaml.safe_load((DATA / "grounding.yaml").read_text())["cases"], answerer.guard
        )
    refusal_rate = sum(a.mode == "none" for a in refused) / len(refused)
    answered_rate = sum(a.mode != "none" for a in answered) / len(answered)
    quality = [
        (
            "guard precision (flagged sentences that are unsupported)",
            f"{guard.precision:.2f}",
            f"{guard.total} labelled sentences",
        ),
        ("guard recall (unsupported sentences flagged)", f"{guard.recall:.2f}", ""),
        (
            "refusal rate on unanswerable questions",
            f"{refusal_rate:.2f}",
            f"{len(refused)} questions",
        ),
        (
            "answered rate on answerable questions",
            f"{answered_rate:.2f}",
            f"{len(answered)} questions",
        ),
        (
            "accuracy: cites the expected document (quote mode)",
            f"{accuracy(questions, answered):.2f}",
            f"{len(questions)} questions",
        ),
    ]
    if llm_accuracy:
        quality.append(
            (
                "accuracy: cites the expected document (LLM mode)",
                f"{llm_accuracy[0]:.2f}",
                f"{llm_accuracy[1]} questions",
            )
        )
    return "\n\n".join([
        "## Answer pipeline (sample corpus)",
        table(["mode", "questions", "overhead p50 ms", "overhead p95 ms", "total p50 ms",
               "answers by mode"], rows),
        table(["measure", "value", "on"], quality),
    ])  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-llm", action="store_true", help="quote mode only")
    parser.add_argument("--llm-questions", type=int, default=LLM_QUESTIONS)
    args = parser.parse_args(argv)
    print(f"# answer benchmark — {machine()}, {time.strftime('%Y-%m-%d')}\n")
    print(run(with_llm=not args.no_llm, llm_questions=args.llm_questions))


if __name__ == "__main__":
    main()
