"""A database that cannot be used: one line naming `database_url` and the problem, exit 1, for
every command; no traceback (through the CLI runner and a real `twin` process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import free_port, write

from cli import main

BAD_URLS = {
    "nothing listening": (f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/twin", "refused"),
    "malformed": ("postgresql+psycopg://postgres:hunter2@127.0.0.1:port/twin", "not a database"),
    "not a URL": ("twin database please", "not a database URL"),
    "unsupported dialect": ("oracle+nosuchdriver://db.example/twin", "unsupported database"),
}

COMMANDS = [
    ["docs", "list"],
    ["docs", "remove", "1"],
    ["search", "are we hiring?"],
    ["ingest", "memo.md"],
    ["ask", "are we hiring?", "--no-stream"],
    ["db", "upgrade"],
    ["audit", "purge"],
    ["consent", "list"],
    ["jobs", "list"],
]


@pytest.fixture(autouse=True)
def a_memo(tmp_path: Path) -> None:
    write(tmp_path / "memo.md", "# Hiring\n\nWe are hiring engineers this spring.\n")


def _one_line_naming_the_setting(output: str, problem: str) -> None:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith("Error: database_url: ") and problem in lines[0]
    assert "Traceback" not in output and "hunter2" not in output


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
@pytest.mark.parametrize("url, problem", BAD_URLS.values(), ids=BAD_URLS.keys())
def test_every_command_says_what_is_wrong_with_the_database(
    command: list[str], url: str, problem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWIN__DATABASE_URL", url)
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1, result.output
    _one_line_naming_the_setting(result.output, problem)


@pytest.mark.parametrize("url, problem", BAD_URLS.values(), ids=BAD_URLS.keys())
def test_a_real_twin_process_prints_one_line(url: str, problem: str, tmp_path: Path) -> None:
    twin = Path(sys.executable).parent / "twin"
    done = subprocess.run(
        [str(twin), "docs", "list"],
        env={
            "PATH": "/usr/bin:/bin",
            "TWIN_HOME": str(tmp_path / "home"),
            "TWIN__DATABASE_URL": url,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and done.stdout == ""
    _one_line_naming_the_setting(done.stderr, problem)
