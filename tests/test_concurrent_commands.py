"""Commands started together on a fresh PostgreSQL database: the migration runs once, the
others wait for it; two ingests of the same file end with a clear message, not IntegrityError."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from helpers import memo, write

PG_URL = os.environ.get("TWIN_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not PG_URL, reason="needs TWIN_TEST_DATABASE_URL (PostgreSQL)")
TWIN = Path(sys.executable).parent / "twin"


@pytest.fixture
def fresh_schema() -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _together(commands: list[list[str]], url: str, home: Path) -> list[subprocess.CompletedProcess]:
    env = {**os.environ, "TWIN_HOME": str(home), "TWIN__DATABASE_URL": url}
    started = [
        subprocess.Popen(
            [str(TWIN), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for args in commands
    ]
    results = []
    for process, args in zip(started, commands, strict=True):
        out, err = process.communicate(timeout=600)
        results.append(subprocess.CompletedProcess(args, process.returncode, out, err))
    return results


def test_commands_on_a_fresh_database_migrate_it_once(fresh_schema: str, tmp_path: Path) -> None:
    results = _together([["db", "upgrade"]] * 3 + [["consent", "list"]] * 3, fresh_schema, tmp_path)
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr and "UniqueViolation" not in result.stderr


def test_two_ingests_of_one_file_end_clearly(fresh_schema: str, tmp_path: Path) -> None:
    path = write(tmp_path / "2026-03-02-q2.md", memo("Q2", "2026-03-02", "We hire in Q2. " * 40))
    for _ in range(2):
        results = _together([["ingest", str(path)]] * 2, fresh_schema, tmp_path / "home")
        for result in results:
            assert "Traceback" not in result.stderr and "IntegrityError" not in result.stderr
            assert "UniqueViolation" not in result.stderr
            if result.returncode:
                assert "another ingest stored this file at the same moment" in result.stderr
        assert any(r.returncode == 0 for r in results)
        path.write_text(path.read_text() + "We hire in Q3 too.\n")  # a new version next round
