"""Installed piper voices under $TWIN_HOME/voices, each under a voice consent record.

`add_voice` checks the pair a piper voice is (MODEL.onnx and MODEL.onnx.json beside it: the
config must be a piper config, the model must load in onnxruntime with piper's inputs), checks
that a consent record in force covers the persona's voice, and copies both into
home/voices/NAME/ with voice.json (the files' sha256 and the consent's id). Setting
`render.voice: voice:NAME` speaks with it; every clip checks that consent again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from render.consent import ConsentRegistry
from render.errors import VoiceNotFound

__all__ = [
    "VOICE_PREFIX",
    "InstalledVoice",
    "add_voice",
    "installed_voice",
    "installed_voices",
    "remove_voice",
]

VOICE_PREFIX = "voice:"
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_PIPER_INPUTS = {"input", "input_lengths", "scales"}


@dataclass(frozen=True)
class InstalledVoice:
    name: str
    persona: str
    consent_id: int
    model: str
    sample_rate: int
    sha256: str
    added_at: str

    def path(self, home: Path) -> Path:
        return home / "voices" / self.name / self.model


def add_voice(
    home: Path, name: str, model: Path, consents: ConsentRegistry, persona: str
) -> InstalledVoice:
    if not _NAME.fullmatch(name):
        raise VoiceNotFound(
            f"voice name {name!r}: use lower-case letters, digits, '.', '_' or '-' (max 64)"
        )
    dest = home / "voices" / name
    if dest.exists():
        raise VoiceNotFound(f"voice {name!r} already exists at {dest} (remove it first)")
    config = model.with_name(model.name + ".json")
    sample_rate = _check_pair(model, config)
    record = consents.covering_or_refuse(persona, "voice", "a voice trained on their recordings")
    voice = InstalledVoice(
        name,
        persona,
        record.id,
        f"{name}.onnx",
        sample_rate,
        _sha256(model),
        datetime.now(UTC).isoformat(timespec="seconds"),
    )
    dest.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=dest.parent))
    try:
        shutil.copyfile(model, scratch / voice.model)
        shutil.copyfile(config, scratch / f"{voice.model}.json")
        (scratch / "voice.json").write_text(json.dumps(asdict(voice), indent=2), encoding="utf-8")
        os.rename(scratch, dest)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return voice


def _check_pair(model: Path, config: Path) -> int:
    """The voice's sample rate, once the model and config are shown to be a piper voice."""
    if not model.is_file():
        raise VoiceNotFound(f"{model}: no such voice model")
    if model.suffix != ".onnx":
        raise VoiceNotFound(f"{model}: a piper voice model ends in .onnx")
    if not config.is_file():
        raise VoiceNotFound(f"{model}: its config {config.name} is not beside it")
    try:
        data: dict[str, Any] = json.loads(config.read_text(encoding="utf-8"))
        sample_rate = int(data["audio"]["sample_rate"])
        if not isinstance(data["phoneme_id_map"], dict) or not data["phoneme_id_map"]:
            raise ValueError("phoneme_id_map is empty")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise VoiceNotFound(f"{config}: not a piper voice config ({exc!r})") from None
    import onnxruntime

    try:
        session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types
        raise VoiceNotFound(f"{model}: not a loadable ONNX model ({str(exc)[:160]})") from None
    inputs = {i.name for i in session.get_inputs()}
    if not inputs >= _PIPER_INPUTS:
        raise VoiceNotFound(
            f"{model}: not a piper voice (inputs {sorted(inputs)}, "
            f"expected {sorted(_PIPER_INPUTS)})"
        )
    return sample_rate


def installed_voice(home: Path, name: str) -> InstalledVoice:
    if not _NAME.fullmatch(name):
        raise VoiceNotFound(f"voice {name!r}: not a voice name (see `twin voice list`)")
    path = home / "voices" / name / "voice.json"
    try:
        return InstalledVoice(**json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise VoiceNotFound(f"voice {name!r}: not installed (see `twin voice list`)") from None
    except (ValueError, TypeError) as exc:
        raise VoiceNotFound(f"{path}: not a voice record ({exc})") from None


def installed_voices(home: Path) -> list[InstalledVoice]:
    root = home / "voices"
    names = sorted(p.parent.name for p in root.glob("*/voice.json"))
    return [installed_voice(home, name) for name in names]


def remove_voice(home: Path, name: str) -> Path:
    voice = installed_voice(home, name)
    folder = home / "voices" / voice.name
    shutil.rmtree(folder)
    return folder


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
