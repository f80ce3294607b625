"""The piper-tts backend (the default).

piper-tts is GPL-3.0-or-later, so it stays an optional extra behind the TTS seam: it is imported
only when this backend is built. Phoneme timings come from the voice model's own per-phoneme
durations (piper's alignment output, exposed by patching the ONNX graph in memory with the
`onnx` package); without `onnx` they fall back to an even split of each sentence.
"""

from __future__ import annotations

import importlib
import itertools
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from render.errors import BackendUnavailable, VoiceNotFound
from render.tts import PhonemeSpan, TTSBackend, Utterance
from twin.sections.render import RenderSettings

if TYPE_CHECKING:
    from piper import PiperVoice
    from piper.config import PiperConfig, SynthesisConfig

log = logging.getLogger(__name__)

PACKAGE_PREFIX = "package:"


class PiperBackend(TTSBackend):
    name = "piper"

    def __init__(self, settings: RenderSettings) -> None:
        model, config = resolve_voice(settings.voice)
        piper_config = _load_config(config)
        self.syn_config = _synthesis_config(piper_config, settings)  # checks before the slow load
        self.voice = _load_voice(model, piper_config)
        self.threads = settings.tts_threads
        self.sentence_silence_s = settings.sentence_silence_s
        self.model_path = model

    def synthesize_sentence(self, sentence: str) -> Utterance:
        rate = self.voice.config.sample_rate
        audio: list[np.ndarray] = []
        phonemes: list[PhonemeSpan] = []
        offset = 0
        for chunk in self.voice.synthesize(sentence, self.syn_config, include_alignments=True):
            samples = chunk.audio_float_array
            phonemes.extend(_chunk_spans(chunk, offset, rate))
            audio.append(samples)
            offset += len(samples)
        if not audio:
            return Utterance(np.zeros(0, dtype=np.float32), rate, [])
        return Utterance(np.concatenate(audio), rate, phonemes)


def resolve_voice(voice: str) -> tuple[Path, Path]:
    """The .onnx model and its .onnx.json config for `render.voice`."""
    if voice.startswith(PACKAGE_PREFIX):
        model = _package_model(voice[len(PACKAGE_PREFIX) :])
    else:
        model = Path(voice).expanduser()
    config = model.with_name(model.name + ".json")
    if not model.is_file():
        raise VoiceNotFound(f"render.voice: piper voice model not found: {model}")
    if not config.is_file():
        raise VoiceNotFound(
            f"render.voice: piper voice config not found: {config} (expected beside the model)"
        )
    return model, config


def _package_model(package: str) -> Path:
    try:
        module = importlib.import_module(package)
    except ImportError:
        raise VoiceNotFound(
            f"render.voice: voice package {package!r} is not installed "
            f"(pip install {package.replace('_', '-')})"
        ) from None
    if hasattr(module, "model_path"):
        return Path(module.model_path())
    found = sorted(Path(module.__file__ or "").parent.rglob("*.onnx"))
    if not found:
        raise VoiceNotFound(f"render.voice: package {package!r} holds no .onnx voice")
    return found[0]


def _load_config(config: Path) -> PiperConfig:
    try:
        from piper.config import PiperConfig
    except ImportError:
        raise BackendUnavailable(
            "TTS backend 'piper' needs the optional extra: pip install 'ceo-twin[piper]'"
        ) from None
    try:
        return PiperConfig.from_dict(json.loads(config.read_text(encoding="utf-8")))
    except (ValueError, KeyError) as exc:
        raise VoiceNotFound(f"render.voice: {config} is not a piper voice config ({exc})") from None


def _load_voice(model: Path, piper_config: PiperConfig) -> PiperVoice:
    import onnxruntime
    from piper import PiperVoice

    options = onnxruntime.SessionOptions()
    # One thread per synthesis: sentences run in parallel instead, which uses 2 cores better.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        _model_with_alignments(model), sess_options=options, providers=["CPUExecutionProvider"]
    )
    return PiperVoice(session=session, config=piper_config)


def _model_with_alignments(model: Path) -> str | bytes:
    try:
        import onnx
        from piper.patch_voice_with_alignment import add_alignment_output
    except ImportError:
        log.warning("the onnx package is missing: phoneme timings will be estimated")
        return str(model)
    proto = onnx.load(str(model))
    try:
        add_alignment_output(proto)
    except ValueError:  # already patched on disk, or no duration tensor: use as is
        return str(model)
    return proto.SerializeToString()


def _synthesis_config(config: PiperConfig, settings: RenderSettings) -> SynthesisConfig:
    from piper.config import SynthesisConfig

    return SynthesisConfig(
        speaker_id=_speaker_id(config, settings.speaker),
        length_scale=settings.length_scale,
        noise_scale=settings.noise_scale,
        noise_w_scale=settings.noise_w_scale,
    )


def _speaker_id(config: PiperConfig, speaker: str) -> int | None:
    if not speaker:
        return None
    speakers: dict[str, Any] = dict(config.speaker_id_map)
    if config.num_speakers <= 1:
        raise VoiceNotFound(
            f"render.speaker: the voice has one speaker; {speaker!r} "
            f"cannot be chosen (leave render.speaker empty)"
        )
    if speaker in speakers:
        return int(speakers[speaker])
    if speaker.isdigit() and int(speaker) < config.num_speakers:
        return int(speaker)
    raise VoiceNotFound(
        f"render.speaker: no speaker {speaker!r} in this voice "
        f"(known: {', '.join(sorted(speakers)) or 'ids only'})"
    )


def _chunk_spans(chunk: Any, offset: int, rate: int) -> list[PhonemeSpan]:
    total = len(chunk.audio_float_array)
    if chunk.phoneme_alignments:
        counts = [int(a.num_samples) for a in chunk.phoneme_alignments]
        symbols = [a.phoneme for a in chunk.phoneme_alignments]
    else:
        symbols = ["^", *chunk.phonemes, "$"]
        counts = _even_split(total, len(symbols))
    counts = _fit(counts, total)
    spans = []
    position = offset
    for symbol, count in zip(symbols, counts, strict=True):
        spans.append(PhonemeSpan(symbol, position / rate, (position + count) / rate))
        position += count
    return spans


def _fit(counts: list[int], total: int) -> list[int]:
    """Make the durations add up to the audio length (they are whole hops of the model)."""
    if sum(counts) != total and sum(counts) > 0:
        edges = np.round(np.cumsum([0, *counts]) * (total / sum(counts))).astype(int)
        counts = [int(b - a) for a, b in itertools.pairwise(edges)]
    return counts


def _even_split(total: int, parts: int) -> list[int]:
    edges = np.linspace(0, total, parts + 1).round().astype(int)
    return [int(b - a) for a, b in itertools.pairwise(edges)]
