"""The answer pipeline: overhead, guard, refusals and accuracy, on the sample corpus and at 100k.

    python -m bench.answer_bench            # quote mode and LLM mode (starts `twin llm serve`)
    python -m bench.answer_bench --no-llm   # quote mode only

Overhead is everything but LLM generation: the wall time of `Answerer.answer` (retrieval,
evidence, guard, composition, policy, the audit write) minus the time the LLM took. In LLM mode
the real server's replies are recorded with the time each piece arrived, then replayed at that
pace, so the local server does not take both cores from the pipeline while it is timed: the
overhead is the answer's wall time minus the reply's recorded duration. Work done between
pieces (the guard's per-sentence checks) costs nothing unless it falls behind the stream; it is
also reported on its own. Every question is asked once, of a fresh
answerer, so nothing is cached from an earlier asking. At 100k the sample corpus sits among
bench.filler's 100k chunks. Accuracy: the answer cites the question's expected document (exec
questions are asked as an exec). Refusals: the share of `unanswerable` questions answered "I
haven't spoken about that".
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

import yaml

from bench.common import ROOT, machine, table
from bench.filler import fill, make_seeds
from bench.guard_eval import evaluate
from persona.answer import Answerer, make_llm
from persona.llm import ChatModel, Message
from persona.results import Answer
from persona.serve import running_server
from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from retrieval.search import search
from twin.settings import Settings, load_settings

SAMPLES = ROOT / "samples" / "corpus"
DATA = ROOT / "tests" / "data"
LLM_QUESTIONS = 12
SCALE = 100_000
# Precision: flagged sentences that are unsupported; recall: unsupported sentences flagged.
GUARD_SETS = {
    "the set its thresholds were tuned on (grounding.yaml)": "grounding.yaml",
    "a held-out set, never used for tuning (grounding_holdout.yaml)": "grounding_holdout.yaml",
}


@dataclass
class Asked:
    question: dict[str, object]
    answer: Answer
    overhead_ms: float
    streaming_ms: float = 0.0  # pipeline work between the LLM's pieces (the guard)


@dataclass
class Reply:
    """One streamed reply: its pieces with the seconds after the request each arrived, and the
    seconds until the stream ended (or, if the pipeline stopped reading, its last piece)."""

    pieces: list[tuple[float, str]]
    duration: float = 0.0


class Recorded(ChatModel):
    """The real LLM, keeping each reply's pieces and their timing so that it can be replayed."""

    def __init__(self, llm: ChatModel) -> None:
        self.llm = llm
        self.name = llm.name
        self.replies: list[Reply] = []

    def stream(self, messages: list[Message], max_tokens: int | None = None) -> Iterator[str]:
        reply = Reply([])
        self.replies.append(reply)
        start = time.perf_counter()
        for piece in self.llm.stream(messages, max_tokens):
            reply.pieces.append((time.perf_counter() - start, piece))
            reply.duration = reply.pieces[-1][0]
            yield piece
        reply.duration = time.perf_counter() - start


class Replayed(ChatModel):
    """Recorded replies at their recorded pace: a piece is handed over no sooner than the server
    sent it, later if the pipeline is still busy with the one before. Keeps the duration of
    the last reply and how much of it the pipeline spent working rather than waiting."""

    name = "replayed"

    def __init__(self, replies: list[Reply]) -> None:
        self.replies = list(replies)
        self.duration = self.working = 0.0

    def stream(self, messages: list[Message], max_tokens: int | None = None) -> Iterator[str]:
        reply = self.replies.pop(0)
        self.duration, self.working = reply.duration, 0.0
        start = resumed = time.perf_counter()
        for at, piece in reply.pieces:
            resumed = self._wait(start + at, resumed)
            yield piece
        self._wait(start + reply.duration, resumed)

    def _wait(self, until: float, resumed: float) -> float:
        """Sleep until `until`; count the time since the pipeline last resumed as its work."""
        now = time.perf_counter()
        self.working += now - resumed
        if until > now:
            time.sleep(until - now)
        return time.perf_counter()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def ask_all(answerer: Answerer, questions: list[dict[str, object]]) -> list[Asked]:
    """Ask each question once; the overhead is the wall time minus the LLM's (a replayed
    reply's recorded duration, else the time spent waiting on the stream)."""
    asked = []
    for item in questions:
        groups = list(item.get("groups", []))  # type: ignore[call-overload]
        user = "U_CEO" if groups else "U_EMPLOYEE"
        replay = answerer.llm if isinstance(answerer.llm, Replayed) else None
        if replay:
            replay.duration = replay.working = 0.0
        start = time.perf_counter()
        answer = answerer.answer(str(item["q"]), user, groups)
        wall = (time.perf_counter() - start) * 1000
        if replay:
            asked.append(Asked(item, answer, wall - replay.duration * 1000, replay.working * 1000))
        else:
            asked.append(Asked(item, answer, wall - answer.latency_ms.get("llm", 0)))
    return asked


def accuracy(asked: list[Asked]) -> float:
    cited = sum(
        any(c.source.endswith(str(a.question["expected"])) for c in a.answer.citations)
        for a in asked
    )
    return cited / len(asked)


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


def _fresh(settings: Settings, corpus: Corpus, llm: ChatModel | None = None) -> Answerer:
    """A new answerer (empty caches), warmed up as `twin serve` does at startup."""
    answerer = Answerer(settings, corpus, llm)
    answerer.warm_up()
    return answerer


def _served(settings: Settings, llm_url: str) -> ChatModel:
    llm = make_llm(settings.llm.model_copy(update={"base_url": llm_url}))
    assert llm is not None
    return llm


def _row(where: str, mode: str, asked: list[Asked], timed: list[Asked]) -> tuple[object, ...]:
    """`asked` gives totals and modes, `timed` the overhead (the same questions replayed)."""
    overheads = [a.overhead_ms for a in timed]
    streaming = [a.streaming_ms for a in timed]
    totals = [float(a.answer.latency_ms["total"]) for a in asked]
    modes = {m: sum(a.answer.mode == m for a in asked) for m in ("llm", "quotes", "none")}
    return (
        where,
        mode,
        len(asked),
        f"{percentile(overheads, 0.5):.0f}",
        f"{percentile(overheads, 0.95):.0f}",
        f"{percentile(streaming, 0.5):.0f}" if any(streaming) else "",
        f"{statistics.median(totals):.0f}",
        " / ".join(f"{m} {n}" for m, n in modes.items()),
    )


@dataclass
class Round:
    """One corpus size: quote mode on every question, LLM mode on a subset."""

    where: str
    hit_at_5: float  # search alone: the expected document among the top 5
    answered: list[Asked]
    refused: list[Asked]
    llm: list[Asked]
    replayed: list[Asked]

    def rows(self) -> list[tuple[object, ...]]:
        quotes = self.answered + self.refused
        rows = [_row(self.where, "quotes", quotes, quotes)]
        if self.llm:
            rows.append(_row(self.where, "llm (SmolLM2-135M)", self.llm, self.replayed))
        return rows


def _round(
    where: str,
    settings: Settings,
    corpus: Corpus,
    data: dict[str, list[dict[str, object]]],
    llm_url: str | None,
    llm_questions: int,
) -> Round:
    questions = data["questions"]
    answerer = _fresh(settings, corpus)
    answered = ask_all(answerer, questions)
    refused = ask_all(answerer, [{"q": q} for q in data["unanswerable"]])
    llm: list[Asked] = []
    replayed: list[Asked] = []
    if llm_url:
        subset = questions[:: max(1, len(questions) // llm_questions)][:llm_questions]
        recorded = Recorded(_served(settings, llm_url))
        llm = ask_all(_fresh(settings, corpus, recorded), subset)
        replayed = ask_all(_fresh(settings, corpus, Replayed(recorded.replies)), subset)
    return Round(where, _hit_at_5(corpus, questions), answered, refused, llm, replayed)


def _hit_at_5(corpus: Corpus, questions: list[dict[str, object]]) -> float:
    found = 0
    for item in questions:
        hits = search(corpus, str(item["q"]), list(item.get("groups", [])), k=5)  # type: ignore[call-overload]
        found += any(h.source.endswith(str(item["expected"])) for h in hits)
    return found / len(questions)


def run(with_llm: bool = True, llm_questions: int = LLM_QUESTIONS, scale: int = SCALE) -> str:
    data = yaml.safe_load((DATA / "questions.yaml").read_text())
    with tempfile.TemporaryDirectory() as home:
        settings = load_settings(ROOT / "config.yaml", environ={"TWIN_HOME": home})
        corpus = Corpus(settings)
        Ingestor(corpus, "bench").run([SAMPLES])
        server = llama_server(settings) if with_llm else nullcontext(None)
        with server as url:
            sample = _round("sample corpus", settings, corpus, data, url, llm_questions)
            fill(corpus, make_seeds(corpus, with_sentences=True), scale)
            large = _round(f"sample + {scale:,} chunks", settings, corpus, data, url, llm_questions)
        guard = _fresh(settings, corpus).guard
        scores = {name: evaluate(_cases(file), guard) for name, file in GUARD_SETS.items()}
    return "\n\n".join([
        "## Answer pipeline",
        table(["corpus", "mode", "questions", "overhead p50 ms", "overhead p95 ms",
               "work while streaming p50 ms", "total p50 ms", "answers by mode"],
              sample.rows() + large.rows()),
        table(["measure", "sample corpus", f"sample + {scale:,} chunks", "on"],
              _quality(sample, large)),
        table(["grounding guard on", "sentences", "precision", "recall", "accuracy"],
              [(name, s.total, f"{s.precision:.2f}", f"{s.recall:.2f}", f"{s.accuracy:.2f}")
               for name, s in scores.items()]),
    ])  # fmt: skip


def _cases(file: str) -> list[dict[str, object]]:
    return yaml.safe_load((DATA / file).read_text())["cases"]


def _quality(sample: Round, large: Round) -> list[tuple[object, ...]]:
    def both(measure: Callable[[Round], float]) -> tuple[str, str]:
        return f"{measure(sample):.2f}", f"{measure(large):.2f}"

    rows: list[tuple[object, ...]] = [
        ("search hit@5 (the expected document among the top 5)",
         *both(lambda r: r.hit_at_5), f"{len(sample.answered)} questions"),
        ("refusal rate on unanswerable questions",
         *both(lambda r: _share(r.refused, "none")), f"{len(sample.refused)} questions"),
        ("answered rate on answerable questions",
         *both(lambda r: 1 - _share(r.answered, "none")), f"{len(sample.answered)} questions"),
        ("accuracy: cites the expected document (quote mode)",
         *both(lambda r: accuracy(r.answered)), f"{len(sample.answered)} questions"),
    ]  # fmt: skip
    if sample.llm:
        rows.append(("accuracy: cites the expected document (LLM mode)",
                     *both(lambda r: accuracy(r.llm)), f"{len(sample.llm)} questions"))  # fmt: skip
    return rows


def _share(asked: list[Asked], mode: str) -> float:
    return sum(a.answer.mode == mode for a in asked) / len(asked)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-llm", action="store_true", help="quote mode only")
    parser.add_argument("--llm-questions", type=int, default=LLM_QUESTIONS)
    parser.add_argument("--scale", type=int, default=SCALE, help="filler chunks for the 2nd round")
    args = parser.parse_args(argv)
    print(f"# answer benchmark — {machine()}, {time.strftime('%Y-%m-%d')}\n")
    print(run(with_llm=not args.no_llm, llm_questions=args.llm_questions, scale=args.scale))


if __name__ == "__main__":
    main()
