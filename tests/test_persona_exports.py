"""The answer pipeline's public surface: each module's __all__ names what it defines."""

from __future__ import annotations

import importlib

import pytest

MODULES = [
    "persona.answer", "persona.audit", "persona.changes", "persona.conversation",
    "persona.evidence", "persona.examples", "persona.guard", "persona.llm", "persona.policy",
    "persona.prompt", "persona.quotes", "persona.safety", "persona.serve", "persona.streaming",
    "persona.text",
    "persona.vocabulary", "twin.injection",
]  # fmt: skip


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__all__ and all(hasattr(module, item) for item in module.__all__)


def test_the_bot_facing_api() -> None:
    from persona.answer import Answer, Answerer, Citation, make_llm

    assert {
        "answer",
        "mode",
        "citations",
        "needs_approval",
        "approval_reasons",
        "refused",
        "latency_ms",
    } <= set(Answer("b", "none", "d").to_json())
    assert Citation.__dataclass_fields__.keys() == {
        "n",
        "doc_id",
        "title",
        "date",
        "source",
        "quote",
    }
    assert callable(Answerer.answer) and callable(make_llm)
