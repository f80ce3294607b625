"""Integration: a real vLLM CPU server with the base model and a trained persona adapter.

The module trains a tiny adapter (a few steps) on the sample corpus, starts vLLM from
.venv-vllm (`make vllm`) with `--enable-lora`, and runs the answer pipeline against model
`persona`: streaming, citations, the guard, and a server killed mid-stream. Start-up takes
about a minute in eager mode, so one server serves the whole module; the test that kills it
comes last.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import free_port
from persona_fixtures import converted_base, tiny_adapter

from cli import main
from persona.answer import Answerer
from persona.llm import Message, OpenAIChat
from persona.serve import VLLMServer, base_url, running_command, vllm_command, vllm_environment
from retrieval.corpus import Corpus
from twin.sections.persona import LLMSettings, ServeSettings
from twin.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
PYTHON = VLLMServer.default_python("")
QUESTION = "How long is parental leave?"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not PYTHON.is_file(), reason=f"vLLM's CPU build is not installed ({PYTHON}): make vllm"
    ),
]


@pytest.fixture(scope="module")
def vllm(
    sample_corpus: Corpus, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    root = tmp_path_factory.getbasetemp()
    base = converted_base(root)
    adapter = tiny_adapter(root, base, sample_corpus)
    settings = ServeSettings(backend="vllm", port=free_port(), n_ctx=2048)
    server = VLLMServer(PYTHON, base, adapter, root / "vllm-cache")
    log_path = tmp_path_factory.mktemp("vllm") / "server.log"
    command, env = vllm_command(settings, server), vllm_environment(server)
    with (
        log_path.open("w") as log,
        running_command(command, base_url(settings), log, timeout_s=600, env=env) as process,
    ):
        yield base_url(settings), process


@pytest.fixture(scope="module")
def settings(sample_corpus: Corpus, vllm: tuple[str, subprocess.Popen[bytes]]) -> Settings:
    return load_settings(
        ROOT / "config.yaml",
        environ={
            "TWIN_HOME": str(sample_corpus.settings.home),
            "TWIN__LLM__BASE_URL": vllm[0],
            "TWIN__LLM__MODEL": "persona",
            "TWIN__LLM__MAX_TOKENS": "96",
            "TWIN__LLM__READ_TIMEOUT_S": "60",
            "TWIN__LLM__DEADLINE_S": "120",
            "TWIN__ANSWER__CONTEXT_CHARS": "1200",
            "TWIN__PERSONA__EXAMPLE_COUNT": "2",
        },
    )


def test_serve_refuses_an_adapter_trained_on_other_prompts(
    sample_corpus: Corpus, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path_factory.getbasetemp()
    base = converted_base(root)
    adapter = tiny_adapter(root, base, sample_corpus)
    monkeypatch.setenv("TWIN__ANSWER__CONTEXT_CHARS", "1500")
    serve = ["llm", "serve", "--backend", "vllm", "--base", str(base), "--adapter", str(adapter)]
    result = CliRunner().invoke(main, serve)
    assert result.exit_code == 1
    assert "trained on prompts built with answer.context_chars=3000 (now 1500)" in result.output


def test_the_base_and_the_adapter_are_served(vllm: tuple[str, subprocess.Popen[bytes]]) -> None:
    with urllib.request.urlopen(f"{vllm[0]}/models", timeout=10) as response:
        models = {m["id"] for m in json.load(response)["data"]}
    assert {"base", "persona"} <= models


def test_the_adapter_streams_tokens(settings: Settings) -> None:
    chat = OpenAIChat(settings.llm)
    started = time.perf_counter()
    arrivals = []
    for _ in chat.stream([Message("user", "Say hello to the team.")], max_tokens=24):
        arrivals.append(time.perf_counter() - started)
    assert len(arrivals) >= 3 and arrivals[0] < arrivals[-1]


def test_the_pipeline_answers_through_the_adapter(
    settings: Settings, sample_corpus: Corpus
) -> None:
    tokens: list[str] = []
    resets: list[int] = []
    answerer = Answerer(settings, sample_corpus, OpenAIChat(settings.llm))
    answer = answerer.answer(
        QUESTION, "U_TEST", [], on_token=tokens.append, on_reset=lambda: resets.append(len(tokens))
    )
    assert answer.mode in ("llm", "quotes", "none") and answer.latency_ms["llm"] > 0
    assert answer.answer.endswith(answer.disclosure)
    assert "".join(tokens[resets[-1] :] if resets else tokens) == answer.answer
    if answer.mode == "llm":  # every kept sentence passed the guard and cites its passage
        assert answer.citations and all(f"[{c.n}]" in answer.body for c in answer.citations)
    elif answer.mode == "quotes":
        assert any(n.startswith("guard:") for n in answer.notes)
    else:  # the model said it has nothing on the question (it never has, measured)
        assert any("the model declined" in n for n in answer.notes)
    record = answerer.audit.get(answer.answer_id or 0)
    assert record is not None and record.llm_model == "persona"


class _KillsTheServer:
    """Stands in for ChatOpenAI: streams from the real server and SIGKILLs it on the third chunk.

    The kill happens where the chunks are read (the stream's worker thread), and `min_tokens`
    keeps the server generating: killed after a short reply had ended, nothing would be cut."""

    def __init__(self, client: Any, process: subprocess.Popen[bytes]) -> None:
        self.client, self.process = client, process
        self.chunks = 0

    def stream(self, payload: object, **kwargs: Any) -> Iterator[Any]:
        kwargs["extra_body"] = {**kwargs.get("extra_body", {}), "min_tokens": 64}
        for chunk in self.client.stream(payload, **kwargs):
            self.chunks += 1
            if self.chunks == 3:
                os.killpg(self.process.pid, signal.SIGKILL)
            yield chunk


def test_a_server_killed_mid_stream_falls_back_to_quotes(
    settings: Settings, sample_corpus: Corpus, vllm: tuple[str, subprocess.Popen[bytes]]
) -> None:
    """Must stay the module's last test: the server is gone afterwards."""
    llm_settings = LLMSettings(**{**settings.llm.model_dump(), "max_retries": 1})
    llm = OpenAIChat(llm_settings)
    killer = _KillsTheServer(llm.client, vllm[1])
    llm.client = killer  # type: ignore[assignment]
    started = time.perf_counter()
    answer = Answerer(settings, sample_corpus, llm).answer(QUESTION, "U_TEST", [])
    assert killer.chunks >= 3 and vllm[1].wait(timeout=30) is not None
    assert any(n.startswith("llm: ") for n in answer.notes), answer.notes
    # What the guard kept of the complete sentences stands, or the answer is the quotes.
    assert answer.mode == "llm" or "20 weeks" in answer.body
    assert answer.answer.endswith(answer.disclosure)
    assert time.perf_counter() - started < 60
