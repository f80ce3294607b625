"""TWIN_HOME is its owner's alone: created 0700, files 0600 (the database, Chroma's files), and a
home left readable by an older version is closed at the next command."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import memo, write

from cli import main


@pytest.fixture(autouse=True)
def restore_umask() -> Iterator[None]:
    before = os.umask(0o022)
    yield
    os.umask(before)


def _modes(home: Path) -> dict[str, int]:
    return {str(p.relative_to(home)): stat.S_IMODE(p.stat().st_mode) for p in home.rglob("*")}


def test_state_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    home = Path(os.environ["TWIN_HOME"])
    write(
        tmp_path / "docs" / "2026-05-11-offer.md",
        memo("Offer", "2026-05-11", "Board only.", "exec"),
    )
    result = CliRunner().invoke(main, ["ingest", "docs"])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    modes = _modes(home)
    assert "twin.db" in modes and "chroma/chroma.sqlite3" in modes
    for name, mode in modes.items():
        assert mode & 0o077 == 0, f"{name} is {mode:o}"
        assert mode == (0o700 if (home / name).is_dir() else 0o600), f"{name} is {mode:o}"


def test_a_readable_home_is_closed_at_the_next_command(tmp_path: Path) -> None:
    home = Path(os.environ["TWIN_HOME"])
    assert CliRunner().invoke(main, ["docs", "list"]).exit_code == 0
    home.chmod(0o755)
    (home / "twin.db").chmod(0o644)
    write(home / "clips" / "old.mp4", b"\x00").chmod(0o644)
    (home / "clips").chmod(0o755)
    assert CliRunner().invoke(main, ["docs", "list"]).exit_code == 0
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert all(mode & 0o077 == 0 for mode in _modes(home).values()), _modes(home)
