"""The LLM deadline bounds the whole answer: a server that accepts and never answers cannot hold
a question past `llm.deadline_s`, whatever the read timeout and the retries would allow."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import memo, write

from persona.answer import Answerer
from persona.llm import LLMError, Message, OpenAIChat
from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from twin.sections.persona import LLMSettings
from twin.settings import Settings

# Each try may wait 5 s for a byte, and three tries are allowed: 15 s and more without a deadline.
SLOW = {"read_timeout_s": 5.0, "max_retries": 2, "backoff_s": 0.1, "deadline_s": 1.0}


def test_a_hanging_server_is_given_up_at_the_deadline(hanging_server: str) -> None:
    chat = OpenAIChat(LLMSettings(base_url=hanging_server, **SLOW))  # type: ignore[arg-type]
    started = time.monotonic()
    with pytest.raises(LLMError, match=r"within 1s") as error:
        list(chat.stream([Message("user", "Say hello.")]))
    assert time.monotonic() - started < 1.5
    assert not error.value.partial


def test_the_answer_falls_back_to_quotes_at_the_deadline(
    make_settings: Callable[..., Settings], hanging_server: str, tmp_path: Path
) -> None:
    settings = make_settings(
        **{"LLM__BASE_URL": hanging_server},
        **{f"LLM__{key.upper()}": str(value) for key, value in SLOW.items()},
    )
    corpus = Corpus(settings)
    body = "Parental leave is twenty weeks for every parent, from the first day."
    write(tmp_path / "docs" / "2026-01-02-leave.md", memo("Parental leave", "2026-01-02", body))
    assert Ingestor(corpus, "test").run([tmp_path / "docs"]).ok
    answerer = Answerer(settings, corpus, OpenAIChat(settings.llm))
    answer = answerer.answer("How long is parental leave?", "U_TEST", [])
    assert answer.mode == "quotes" and "twenty weeks" in answer.body
    assert "llm: no complete answer within 1s" in answer.notes
    assert answer.latency_ms["llm"] < 1500
