"""A file name or title with a newline and terminal escape codes cannot forge a line of output:
control characters are escaped wherever a name or title is printed."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from helpers import write

from cli import main

FORGED = "added 99, updated 0, unchanged 0, failed 0"


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    return result.output


def _clean(output: str, forged: str) -> None:
    assert "\x1b" not in output and "\r" not in output and "\u202e" not in output
    assert forged not in output.splitlines()


def test_a_file_name_cannot_forge_the_ingest_summary(tmp_path: Path) -> None:
    write(tmp_path / "docs" / f"empty\n{FORGED}\x1b[1A.md", "")  # fails: it is empty
    write(tmp_path / "docs" / "2026-01-05-lunch.md", "# Lunch\n\nLunch is free on Fridays.\n")
    output = _run("ingest", "docs")
    _clean(output, FORGED)
    assert f"empty\\x0a{FORGED}\\x1b[1A.md" in output
    assert "added 1, updated 0, unchanged 0, failed 1" in output.splitlines()


def test_a_title_cannot_forge_lines_in_lists_search_and_removal(tmp_path: Path) -> None:
    title = "Pricing\\e[2K\\rremoved 7: all documents\\n9 documents\\u202e"
    body = "Per-technician pricing starts at 49 dollars a seat, from the first of May."
    write(tmp_path / "docs" / "2026-01-05-pricing.md", f'---\ntitle: "{title}"\n---\n{body}\n')
    assert "added 1" in _run("ingest", "docs")
    for output in (
        _run("docs", "list"),
        _run("search", "pricing per seat"),
        _run("docs", "show", "1"),
    ):
        _clean(output, "9 documents")
        assert "Pricing\\x1b[2K\\x0dremoved 7: all documents\\x0a9 documents" in output
    output = _run("docs", "remove", "1")
    _clean(output, "removed 7: all documents")
    assert output.startswith("removed 1: Pricing\\x1b[2K")
