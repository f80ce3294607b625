"""The coqui-tts XTTS-v2 backend (optional extra: pip install 'ceo-twin[coqui]').

The model is loaded from a local directory (`render.voice`: the folder with config.json,
model.pth, vocab.json...), never downloaded. The voice is cloned from `render.speaker_wav`, a
consented recording of the CEO, or one of the model's built-in speakers (`render.speaker`).

Licensing: coqui-tts code is MPL-2.0, but the XTTS-v2 weights are under the Coqui Public Model
License, which allows non-commercial use only (and Coqui, now closed, sells no other licence).

XTTS returns no phoneme timings, so they are estimated: rough phonemes from the spelling, spread
over the voiced part of each sentence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from render.errors import BackendUnavailable, VoiceNotFound
from render.rough_phonemes import rough_phonemes, spread_phonemes, voiced_bounds
from render.tts import PhonemeSpan, TTSBackend, Utterance
from twin.sections.render import RenderSettings

MISSING = "TTS backend 'coqui' needs the optional extra: pip install 'ceo-twin[coqui]'"
SAMPLE_RATE = 24000


class CoquiBackend(TTSBackend):
    name = "coqui"

    def __init__(self, settings: RenderSettings) -> None:
        xtts_config, xtts = _import_xtts()
        model_dir = _model_dir(settings.voice)
        config = xtts_config()
        config.load_json(str(model_dir / "config.json"))
        self.model = xtts.init_from_config(config)
        self.model.load_checkpoint(config, checkpoint_dir=str(model_dir), eval=True)
        self.language = settings.language
        self.latents = _speaker_latents(self.model, settings)
        self.sentence_silence_s = settings.sentence_silence_s
        self.speed = 1.0 / (settings.length_scale or 1.0)

    def synthesize_sentence(self, sentence: str) -> Utterance:
        gpt_latent, speaker_embedding = self.latents
        out = self.model.inference(
            sentence, self.language, gpt_latent, speaker_embedding, speed=self.speed
        )
        audio = np.asarray(out["wav"], dtype=np.float32).reshape(-1)
        start, end = voiced_bounds(audio, SAMPLE_RATE)
        spans = [
            PhonemeSpan("^", 0.0, start),
            *spread_phonemes(rough_phonemes(sentence), start, end),
            PhonemeSpan("$", end, len(audio) / SAMPLE_RATE),
        ]
        return Utterance(audio, SAMPLE_RATE, spans)


def _import_xtts() -> tuple[Any, Any]:
    try:
        from TTS.tts.configs.xtts_config import XttsConfig
        from TTS.tts.models.xtts import Xtts
    except ImportError:
        raise BackendUnavailable(MISSING) from None
    return XttsConfig, Xtts


def _model_dir(voice: str) -> Path:
    path = Path(voice).expanduser()
    if not (path / "config.json").is_file():
        raise VoiceNotFound(f"render.voice: no XTTS model directory with config.json at {path}")
    return path


def _speaker_latents(model: Any, settings: RenderSettings) -> tuple[Any, Any]:
    if settings.speaker_wav:
        wav = Path(settings.speaker_wav).expanduser()
        if not wav.is_file():
            raise VoiceNotFound(f"render.speaker_wav: recording not found: {wav}")
        return model.get_conditioning_latents(audio_path=[str(wav)])
    speakers = getattr(getattr(model, "speaker_manager", None), "speakers", None) or {}
    if settings.speaker not in speakers:
        raise VoiceNotFound(
            "render.speaker_wav: XTTS needs a reference recording, or "
            f"render.speaker naming a built-in speaker (got {settings.speaker!r})"
        )
    found = speakers[settings.speaker]
    return found["gpt_cond_latent"], found["speaker_embedding"]
