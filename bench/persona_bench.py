"""The persona model: fidelity, grounding and cost of the base model vs the persona adapter.

One run, small on purpose (2 shared cores): ingest a corpus (the sample, or with `--corpus
berkshire` the Berkshire letters with examples/berkshire/config.yaml) into a temporary home,
`twin persona train` (timed, peak memory from the adapter's record), start vLLM's CPU build with
the base and the adapter (start-up timed), then:
- **cost**: time to first token and decode tokens/s for the base and the adapter, on a real
  pipeline prompt;
- **grounding**: labelled questions answered through each model (the sample's public questions
  of tests/data/questions.yaml; Berkshire's non-holdout ones of bench/data/berkshire.yaml, whose
  expected documents are their `gold` letters): the share of LLM answers the guard lets stand
  (no fallback to quotes), answers citing an expected document, refusals on unanswerable
  questions;
- **fidelity**: Burrows' Delta (bench/stylometry.py) between the raw replies to held-out
  questions (documents the adapter never saw) and the CEO's held-out text, against the other
  authors (for the sample: the Berkshire letters and the QMSum meetings' speakers; for
  Berkshire: the sample CEO's memos and the QMSum speakers); quote-mode answers too.

    python -m bench.persona_bench [--corpus sample|berkshire] [--steps 40] [--questions 10]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.common import CORPORA, ROOT, letter_files, machine, table
from bench.quality_sets import BERKSHIRE_CONFIG, LabelledSet, berkshire_set, sample_set
from bench.stylometry import Delta
from persona.answer import Answer, Answerer
from persona.llm import ChatModel, LLMError, Message, OpenAIChat
from persona.prompt import answer_messages
from persona.serve import VLLMServer, base_url, running_command, vllm_command, vllm_environment
from persona.text import declines
from persona.training.dataset import ceo_text, is_heldout, read_examples
from persona.training.train import prompt_mismatch, read_record
from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from retrieval.loaders import load_document
from twin.settings import Settings, load_settings
from twin.text import strip_citations

SAMPLES = ROOT / "samples" / "corpus"
MAX_TOKENS = 96
MODELS = ("base", "persona")
OTHER_WORDS = 6000  # words of each other author's text, enough for Delta's segments
CORPORA_NAMES = ("sample", "berkshire")


@dataclass(frozen=True)
class Labelled:
    q: str
    expected: frozenset[str]  # the documents that answer it, as paths under the corpus folder


@dataclass(frozen=True)
class Target:
    """The corpus a run measures on: where it is, the config the twin runs with, and the
    labelled questions the models are asked."""

    name: str
    folder: Path
    config: Path
    questions: list[Labelled]
    unanswerable: list[str]


def target(name: str) -> Target:
    """The sample: its public questions (exec-only ones need a group) and every unanswerable
    one; Berkshire: the questions not held out (quality_sets' tuning split)."""
    if name == "sample":
        labelled, config = sample_set(), ROOT / "config.yaml"
        questions = [q for q in labelled.questions if not q.groups]
        unanswerable = [u.q for u in labelled.unanswerable]
    elif name == "berkshire":
        labelled, config = berkshire_set(), BERKSHIRE_CONFIG
        questions = [q for q in labelled.questions if not q.holdout]
        unanswerable = [u.q for u in labelled.unanswerable if not u.holdout]
    else:
        raise ValueError(f"unknown corpus {name!r}: one of {', '.join(CORPORA_NAMES)}")
    chosen = [Labelled(q.q, _under(labelled, q.gold)) for q in questions]
    return Target(name, labelled.folder, config, chosen, unanswerable)


def cites_expected(sources: list[str], expected: frozenset[str]) -> bool:
    """Whether a cited source is an expected document, wherever the corpus was ingested from."""
    return any(Path(s).as_posix().endswith(f"/{e}") for s in sources for e in expected)


def _under(labelled: LabelledSet, gold: set[str]) -> frozenset[str]:
    folder = labelled.folder.resolve()
    return frozenset(Path(g).relative_to(folder).as_posix() for g in gold)


@dataclass
class Replies(ChatModel):
    """The real client, keeping every raw reply (the model's own voice, before the guard)."""

    inner: ChatModel
    kept: list[str]

    def __post_init__(self) -> None:
        self.name = self.inner.name

    def stream(self, messages: list[Message], max_tokens: int | None = None) -> Iterator[str]:
        reply = ""
        try:
            for piece in self.inner.stream(messages, max_tokens):
                reply += piece
                yield piece
        finally:
            self.kept.append(reply)


def train(home: Path, config: Path, steps: int) -> dict[str, object]:
    started = time.perf_counter()
    twin = Path(sys.executable).parent / "twin"
    command = [str(twin), "persona", "train", "--steps", str(steps)]
    env = {**os.environ, "TWIN_HOME": str(home), "TWIN_CONFIG": str(config)}
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    record = read_record(home / "persona" / "adapter") or {}
    return {**record, "wall_s": round(time.perf_counter() - started, 1)}


@contextmanager
def vllm(settings: Settings, home: Path) -> Iterator[tuple[str, float]]:
    serve = settings.llm.serve.model_copy(update={"port": _free_port()})
    mismatch = prompt_mismatch(home / "persona" / "adapter", settings.answer)
    if mismatch:
        raise SystemExit(mismatch)
    server = VLLMServer(
        VLLMServer.default_python(""), home / "persona" / "base", home / "persona" / "adapter",
        home / "vllm",
    )  # fmt: skip
    started = time.perf_counter()
    with (
        (home / "vllm.log").open("w") as log,
        running_command(
            vllm_command(serve, server), base_url(serve), log, 900, vllm_environment(server)
        ),
    ):
        yield base_url(serve), time.perf_counter() - started


def speed(url: str, model: str, messages: list[Message], runs: int = 3) -> tuple[float, float]:
    """Median time to first token (s) and decode tokens/s (after the first token)."""
    results = []
    body = {
        "model": model,
        "messages": [{"role": m.role, "content": m.content} for m in messages],
        "max_tokens": 64,
        "temperature": 0,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    for _ in range(runs):
        started, first, tokens = time.perf_counter(), 0.0, 0
        with httpx.stream("POST", f"{url}/chat/completions", json=body, timeout=300) as response:
            for line in response.iter_lines():
                if not line.startswith("data: {"):
                    continue
                event = json.loads(line[6:])
                if not first and event["choices"] and event["choices"][0]["delta"].get("content"):
                    first = time.perf_counter() - started
                tokens = (event.get("usage") or {}).get("completion_tokens", tokens)
        total = time.perf_counter() - started
        results.append((first, (tokens - 1) / max(total - first, 1e-6)))
    results.sort()
    return results[len(results) // 2]


def ask(answerer: Answerer, questions: list[str]) -> list[Answer]:
    return [answerer.answer(q, "U_EMPLOYEE", []) for q in questions]


def ask_keeping(
    answerer: Answerer, kept: list[str], questions: list[str]
) -> list[tuple[Answer, str | None]]:
    """Each answer with the model's raw reply to it (None: the pipeline never asked the model)."""
    answered = []
    for question in questions:
        before = len(kept)
        answer = answerer.answer(question, "U_EMPLOYEE", [])
        answered.append((answer, kept[-1] if len(kept) > before else None))
    return answered


def grounding(
    settings: Settings, corpus: Corpus, url: str, model: str, n: int, labelled: Target
) -> Grounding:
    chosen = labelled.questions[:: max(1, len(labelled.questions) // n)][:n]
    unanswerable = labelled.unanswerable
    kept: list[str] = []
    answerer = Answerer(settings, corpus, _client(settings, url, model, kept))
    answered = ask_keeping(answerer, kept, [q.q for q in chosen])
    llm = [a for a, _ in answered if a.mode == "llm"]
    cites = [
        cites_expected([c.source for c in a.citations], q.expected)
        for q, (a, _) in zip(chosen, answered, strict=True)
    ]
    cited = sum(cites)
    refusals = ask_keeping(answerer, kept, unanswerable)
    refused = sum(a.mode == "none" for a, _ in refusals)
    row: list[object] = [
        model,
        f"{len(llm)} / {len(answered)}",
        f"{cited} / {len(answered)}",
        f"{refused} / {len(unanswerable)}",
    ]
    return Grounding(row, answered, cites, list(zip(unanswerable, refusals, strict=True)))


@dataclass
class Grounding:
    row: list[object]
    answered: list[tuple[Answer, str | None]]  # the labelled questions: answer, raw reply
    cites: list[bool]  # each labelled answer cites its expected document
    unanswerable: list[tuple[str, tuple[Answer, str | None]]]


def refusal_rows(ground: list[Grounding]) -> list[list[object]]:
    """Per model: unanswerable questions that reached the model, its own declines among them and
    what the pipeline answered to those; its declines on the answerable questions, how many of
    those ended in quotes and how many of those quote answers cite the expected document."""
    rows: list[list[object]] = []
    for model, g in zip(MODELS, ground, strict=True):
        reached = [(a, r) for _, (a, r) in g.unanswerable if r is not None]
        declined = Counter(a.mode for a, r in reached if declines(r))
        false = [
            (a, cites)
            for (a, r), cites in zip(g.answered, g.cites, strict=True)
            if r is not None and declines(r)
        ]
        quoted = [cites for a, cites in false if a.mode == "quotes"]
        asked = sum(r is not None for _, r in g.answered)
        rows.append([
            model,
            f"{len(reached)} / {len(g.unanswerable)}",
            f"{declined.total()} / {len(reached)}",
            ", ".join(f"{mode} {count}" for mode, count in declined.items()) or "-",
            f"{len(false)} / {asked}",
            f"{len(quoted)} ({sum(quoted)})",
        ])  # fmt: skip
    return rows


def direct_declines(
    settings: Settings, corpus: Corpus, url: str, questions: list[str]
) -> list[list[object]]:
    """Every unanswerable question put to each model with the passages retrieved for it, as
    if it had passed the evidence floor: how often does the model itself decline?"""
    prompts = [_pipeline_prompt(settings, corpus, q, floor=False) for q in questions]
    prompts = [p for p in prompts if p]  # no passage at all: nothing to put to a model

    def declined(model: str) -> list[object]:
        replies: list[str] = []
        client = _client(settings, url, model, replies)
        for prompt in prompts:
            with suppress(LLMError):  # cut off at MAX_TOKENS: Replies keeps what came
                for _ in client.stream(prompt, MAX_TOKENS):
                    pass
        return [model, f"{sum(map(declines, replies))} / {len(replies)} with passages"]

    with ThreadPoolExecutor(2) as pool:  # vLLM batches the two models' requests
        return list(pool.map(declined, MODELS))


def _client(settings: Settings, url: str, model: str, kept: list[str]) -> ChatModel:
    llm = settings.llm.model_copy(
        update={"base_url": url, "model": model, "max_tokens": MAX_TOKENS, "read_timeout_s": 120,
                "deadline_s": 300}
    )  # fmt: skip
    return Replies(OpenAIChat(llm), kept)


def other_authors(corpus: str) -> dict[str, str]:
    """Text by authors other than the twin's CEO: the QMSum speakers, and the other corpus's
    CEO (Buffett's last three letters for the sample; the sample CEO's memos for Berkshire)."""
    if corpus == "berkshire":
        name, paths = "Elena Marsh (sample memos)", sorted((SAMPLES / "memos").glob("*.md"))
        ceo = " ".join(load_document(p, 50_000_000).text for p in paths)
    else:
        name = "Buffett (Berkshire letters)"
        ceo = " ".join(p.read_text() for p in letter_files()[-3:])
    meetings = sorted((CORPORA / "qmsum" / "meetings").glob("*.txt"))[:4]
    if not ceo or not meetings:  # an empty author would skew every Delta silently
        raise SystemExit(f"{CORPORA}: no {name} or QMSum meetings (TWIN_BENCH_CORPORA)")
    speech = " ".join(
        line.partition(": ")[2] for p in meetings for line in p.read_text().splitlines()[2:]
    ).replace("{disfmarker}", "")
    return {
        name: " ".join(ceo.split()[:OTHER_WORDS]),
        "QMSum meeting speakers": " ".join(speech.split()[:OTHER_WORDS]),
    }


def fidelity(
    settings: Settings, corpus: Corpus, url: str, heldout: list[str], others: dict[str, str]
) -> tuple[list[list[object]], list[tuple[str, str, str, str]]]:
    """Rows: answers from, words, Delta to each author (the CEO's held-out text, then `others`),
    the closest author."""
    speakers = settings.persona.speakers
    docs = [d for d in corpus.documents() if d.audience == "all"]
    authors = {
        "CEO, held-out documents": " ".join(
            ceo_text(d, speakers) for d in docs if is_heldout(d, 0.2)
        ),
        **others,
    }
    delta = Delta(authors)
    texts: dict[str, list[str]] = {m: [] for m in MODELS}

    def answer_all(model: str) -> None:
        ask(Answerer(settings, corpus, _client(settings, url, model, texts[model])), heldout)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(answer_all, MODELS))
    quotes = [a.body for a in ask(Answerer(settings, corpus), heldout)]
    texts["quote mode"] = quotes
    train_text = " ".join(ceo_text(d, speakers) for d in docs if not is_heldout(d, 0.2))
    texts["(control) CEO training documents"] = [train_text]
    rows = []
    for name, replies in texts.items():
        text = strip_citations(" ".join(replies))
        distances = [round(delta.distance(text, a), 3) for a in authors]
        rows.append([name, len(text.split()), *distances, delta.closest(text)])
    samples = list(zip(heldout, texts["base"], texts["persona"], quotes, strict=False))[:5]
    return rows, samples


def run(
    steps: int = 40, questions: int = 10, home: Path | None = None, corpus: str = "sample"
) -> str:
    """Everything from scratch in a temporary home; or, with `home`, on the corpus and the
    adapter already there (training cost then comes from the adapter's record)."""
    with tempfile.TemporaryDirectory() as tmp:
        return _measure(home or Path(tmp), steps, questions, home is None, target(corpus))


def _measure(home: Path, steps: int, questions: int, fresh: bool, labelled: Target) -> str:
    settings = load_settings(labelled.config, environ={"TWIN_HOME": str(home)})
    corpus = Corpus(settings)
    others = other_authors(labelled.name)  # before the slow part: fail early without them
    if fresh:
        Ingestor(corpus, "bench").run([labelled.folder])
        trained = train(home, labelled.config, steps)
    else:
        trained = read_record(home / "persona" / "adapter") or {}
        trained["wall_s"] = trained.get("seconds")
    heldout = [e.question for e in read_examples(home / "persona" / "data" / "heldout.jsonl")]
    heldout = heldout[:: max(1, len(heldout) // questions)][:questions]
    with vllm(settings, home) as (url, startup):
        prompt = _pipeline_prompt(settings, corpus, heldout[0])
        speeds = [(m, *speed(url, m, prompt)) for m in MODELS]
        with ThreadPoolExecutor(2) as pool:  # vLLM batches the two models' requests
            ground = list(
                pool.map(lambda m: grounding(settings, corpus, url, m, questions, labelled), MODELS)
            )
        _progress(speeds, [g.row for g in ground], refusal_rows(ground))
        style, samples = fidelity(settings, corpus, url, heldout, others)
        _progress(style)
        direct = direct_declines(settings, corpus, url, labelled.unanswerable)
    report = _report(trained, startup, speeds, ground, style, samples, list(others))
    return report + _refusals(ground, direct)


def _progress(*results: object) -> None:
    """Each step's numbers as soon as they are known (a long run may be stopped)."""
    print(time.strftime("%H:%M:%S"), *results, file=sys.stderr, flush=True)


def _pipeline_prompt(
    settings: Settings, corpus: Corpus, question: str, floor: bool = True
) -> list[Message]:
    """The messages the pipeline sends for `question`; `floor=False`: with the passages retrieved
    for it even when the pipeline would decline before asking a model."""
    kept: list[Message] = []

    class Capture(ChatModel):
        def stream(self, messages: list[Message], max_tokens: int | None = None) -> Iterator[str]:
            kept.extend(messages)
            yield "."

    answerer = Answerer(settings, corpus, Capture())
    if not floor:
        passages = answerer._retrieve(question, [])
        if not passages:
            return []
        system = answerer.system
        return answer_messages(system, passages, question, [], settings.answer.context_chars)
    answerer.answer(question, "U_EMPLOYEE", [])
    return kept or [Message("user", question)]


def _report(
    trained: dict[str, object],
    startup: float,
    speeds: list[tuple[str, float, float]],
    ground: list[Grounding],
    style: list[list[object]],
    samples: list[tuple[str, str, str, str]],
    others: list[str],
) -> str:
    cost = table(
        ["measure", "value"],
        [
            ("training examples / steps", f"{trained.get('examples')} / {trained.get('steps')}"),
            ("training time (twin persona train, data + base + LoRA)", f"{trained['wall_s']} s"),
            ("training peak RSS", f"{trained.get('peak_rss_mb')} MB"),
            ("learning rate (linear decay to a tenth)", f"{trained.get('learning_rate')}"),
            ("prompt settings trained and served with", f"{trained.get('prompt')}"),
            ("training loss, mean of the first -> last 10 steps",
             f"{trained.get('first_loss')} -> {trained.get('last_loss')}"),
            ("held-out loss, base -> adapter", _heldout(trained)),
            ("vLLM start-up (eager, base + LoRA)", f"{startup:.0f} s"),
            *[(f"{m}: time to first token / decode", f"{t:.2f} s / {s:.1f} tokens/s")
              for m, t, s in speeds],
        ],
    )  # fmt: skip
    grounding_table = table(
        ["model", "LLM answers kept by the guard", "cites the expected document",
         "refused unanswerable"],
        [g.row for g in ground],
    )  # fmt: skip
    style_table = table(
        ["answers from", "words", "Delta to CEO held-out", *(f"Delta to {o}" for o in others),
         "closest"],
        style,
    )  # fmt: skip
    side = "\n\n".join(
        f"**Q:** {q}\n- base: {_one_line(b)}\n- adapter: {_one_line(p)}\n- quotes: {_one_line(o)}"
        for q, b, p, o in samples
    )
    return (
        f"## Persona model ({machine()})\n\n{cost}\n\n{grounding_table}\n\n{style_table}\n\n"
        f"Five held-out questions, raw replies (before the guard):\n\n{side}\n"
    )


def _refusals(ground: list[Grounding], direct: list[list[object]]) -> str:
    reached = table(
        ["model", "unanswerable reaching the model", "its reply declines",
         "the pipeline's answer to those declines", "declines on answerable questions",
         "of those, answered in quotes (citing the expected document)"],
        refusal_rows(ground),
    )  # fmt: skip
    asked = table(["model", "declines, every unanswerable asked past the floor"], direct)
    replies = "\n".join(
        f"- {model}, {q!r} -> {a.mode}: {_one_line(r)}"
        for model, g in zip(MODELS, ground, strict=True)
        for q, (a, r) in g.unanswerable
        if r is not None
    )
    false = "\n".join(
        f"- {model} -> {a.mode}: {_one_line(r)}"
        for model, g in zip(MODELS, ground, strict=True)
        for a, r in g.answered
        if r is not None and declines(r)
    )
    return (
        f"\n### Refusals\n\n{reached}\n\n{asked}\n\nUnanswerable questions that reached a "
        f"model (raw reply):\n\n{replies or '(none)'}\n\nDeclines on answerable questions:\n\n"
        f"{false or '(none)'}\n"
    )


def _heldout(trained: dict[str, object]) -> str:
    loss = trained.get("heldout_loss")
    if not isinstance(loss, dict) or not loss:
        return "not measured"
    return f"{loss['base']} -> {loss['adapter']} ({loss['examples']} pairs)"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:400]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--home", type=Path, help="A TWIN_HOME with the corpus and an adapter.")
    parser.add_argument("--corpus", choices=CORPORA_NAMES, default="sample")
    args = parser.parse_args()
    print(run(args.steps, args.questions, args.home, args.corpus))
