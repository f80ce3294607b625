"""`twin ask`, `twin audit purge` and `twin llm serve` through the CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from helpers import free_port, memo, write

from cli import main

CONFIG = """
access:
  users:
    U_CEO: [exec]
    U_ANN: []
persona:
  ask_elsewhere: "the People team"
policy:
  topics:
    - name: mergers and acquisitions
      keywords: [acquire, acquisition]
"""
LEAVE = (
    "Here's the short version: every parent at Tidewater now gets 20 weeks of fully paid "
    "parental leave, up from 12. You can take it all at once or in up to three blocks."
)
OFFER = "Harborline offered to acquire us for 410 million dollars. We said no. Board only."


@pytest.fixture
def twin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    write(tmp_path / "config.yaml", CONFIG)
    write(tmp_path / "docs" / "2025-07-14-leave.md", memo("Parental leave", "2025-07-14", LEAVE))
    write(tmp_path / "docs" / "2026-05-11-offer.md", memo("Offer", "2026-05-11", OFFER, "exec"))

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args))

    assert run("ingest", "docs").exit_code == 0
    return run


def test_ask_json_has_the_documented_fields(twin) -> None:  # type: ignore[no-untyped-def]
    result = twin("ask", "How long is parental leave?", "--user", "U_ANN", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {
        "answer",
        "mode",
        "citations",
        "needs_approval",
        "approval_reasons",
        "refused",
        "latency_ms",
    } <= set(data)
    assert data["mode"] == "quotes" and data["refused"] is False
    assert "20 weeks" in data["answer"] and "AI twin" in data["answer"]
    assert set(data["citations"][0]) >= {"n", "doc_id", "title", "date", "source", "quote"}
    assert data["citations"][0]["title"] == "Parental leave"
    assert set(data["latency_ms"]) >= {"retrieve", "generate", "total"}


def test_ask_streams_the_answer_then_sources_and_the_thread(twin) -> None:  # type: ignore[no-untyped-def]
    result = twin("ask", "How long is parental leave?", "--groups", "staff")
    assert result.exit_code == 0, result.output
    answer, _, footer = result.stdout.partition("\nSources\n")
    assert answer.startswith("In my 14 July 2025 memo") and "AI twin" in answer
    assert result.stderr == ""  # no library's log lines (bm25s's index build) in the terminal
    assert "[1] Parental leave, 2025-07-14" in footer
    thread = footer.rsplit("--thread ", 1)[1].strip()
    again = twin("ask", "and in blocks?", "--thread", thread, "--json", "--groups", "staff")
    assert json.loads(again.stdout)["thread_id"] == thread


def test_restricted_material_and_approvals(twin) -> None:  # type: ignore[no-untyped-def]
    outsider = json.loads(twin("ask", "Did anyone offer to acquire us?", "--json").stdout)
    assert "Harborline" not in outsider["answer"] and outsider["citations"] == []
    insider = json.loads(
        twin("ask", "Did anyone offer to acquire us?", "--user", "U_CEO", "--json").stdout
    )
    assert "Harborline" in insider["answer"] and insider["needs_approval"]
    assert insider["approval_reasons"][0].startswith("mergers and acquisitions:")


def test_bad_input_is_a_clear_error(twin) -> None:  # type: ignore[no-untyped-def]
    unknown = twin("ask", "Hello?", "--user", "U_NOBODY")
    assert unknown.exit_code == 1 and "unknown user 'U_NOBODY'" in unknown.output
    both = twin("ask", "Hello?", "--user", "U_ANN", "--groups", "x")
    assert both.exit_code == 2 and "not both" in both.output


def test_a_dead_llm_server_still_gets_a_polite_answer(
    twin, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TWIN__LLM__BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.setenv("TWIN__LLM__MAX_RETRIES", "1")
    monkeypatch.setenv("TWIN__LLM__BACKOFF_S", "0.05")
    result = twin("ask", "How long is parental leave?")
    assert result.exit_code == 0
    assert "20 weeks" in result.stdout and "Traceback" not in result.output
    assert "quotes mode" in result.stdout


def test_audit_purge(twin) -> None:  # type: ignore[no-untyped-def]
    twin("ask", "How long is parental leave?", "--json")
    result = twin("audit", "purge", "--days", "30")
    assert result.exit_code == 0 and result.stdout.strip() == "purged 0 answers older than 30 days"


def test_llm_serve_names_a_missing_model(twin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = twin("llm", "serve", "--model", str(tmp_path / "missing.gguf"))
    assert result.exit_code == 1
    assert f"no GGUF file at {tmp_path / 'missing.gguf'}" in result.output
