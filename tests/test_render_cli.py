"""`twin render`: the thin command over render_clip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from render.consent import ConsentRegistry


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    config = tmp_path / "config.yaml"
    config.write_text("render:\n  backend: fake\n  size: 256\n")
    # The consent gate (tests/test_render_consent.py) needs a record before any render.
    ConsentRegistry(f"sqlite:///{tmp_path / 'home' / 'twin.db'}").add(
        "Elena Marsh", "voice,likeness", "Elena Marsh"
    )

    def invoke(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
        env = {"TWIN_HOME": str(tmp_path / "home"), "TWIN_CONFIG": None}
        return CliRunner().invoke(
            main, ["--config", str(config), "render", *args], input=stdin, env=env
        )

    return invoke


def test_render_writes_the_clip_and_reports_json(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "answer.mp4"
    result = run("Thanks for asking. We ship in March.", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["path"] == str(out)
    assert report["size_bytes"] == out.stat().st_size > 0
    assert report["backend"] == "fake" and report["avatar"] == "elena-marsh"
    assert report["duration_s"] > 1
    assert out.stat().st_mode & 0o777 == 0o600  # every command runs with umask 077
    assert (tmp_path / "home" / "cache" / "avatars").is_dir()


def test_render_reads_text_from_stdin(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "stdin.mp4"
    result = run("-", "--out", str(out), "--captions", stdin="Hello from standard input.")
    assert result.exit_code == 0, result.output
    assert "real-time factor" in result.output
    assert out.stat().st_size > 0


def test_render_errors_are_clean_messages(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("Hello.", "--out", str(tmp_path / "x.mp4"), "--avatar", "nobody")
    assert result.exit_code == 1
    assert "Error: avatar 'nobody'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.mp4").exists()
