"""A fast, deterministic stand-in for a real voice: for tests and for trying the pipeline.

It speaks a soft tone while "phonemes" (rough ones, from spelling) sound and is silent in pauses,
so its timings are exact by construction. Select it with `render.backend: fake`.
"""

from __future__ import annotations

import numpy as np

from render.rough_phonemes import rough_phonemes, spread_phonemes
from render.tts import PhonemeSpan, TTSBackend, Utterance
from twin.sections.render import RenderSettings

SAMPLE_RATE = 16000
SECONDS_PER_SYMBOL = 0.075
EDGE_S = 0.1


class FakeBackend(TTSBackend):
    name = "fake"

    def __init__(self, settings: RenderSettings | None = None) -> None:
        settings = settings or RenderSettings(backend="fake")
        self.sentence_silence_s = settings.sentence_silence_s
        self.speed = settings.length_scale or 1.0

    def synthesize_sentence(self, sentence: str) -> Utterance:
        symbols = rough_phonemes(sentence)
        speech_s = len(symbols) * SECONDS_PER_SYMBOL * self.speed
        spans = [
            PhonemeSpan("^", 0.0, EDGE_S),
            *spread_phonemes(symbols, EDGE_S, EDGE_S + speech_s),
            PhonemeSpan("$", EDGE_S + speech_s, 2 * EDGE_S + speech_s),
        ]
        return Utterance(_tone(spans), SAMPLE_RATE, spans)


def _tone(spans: list[PhonemeSpan]) -> np.ndarray:
    total = round(spans[-1].end * SAMPLE_RATE)
    t = np.arange(total) / SAMPLE_RATE
    envelope = np.zeros(total, dtype=np.float32)
    for span in spans:
        if span.phoneme.isalpha():
            envelope[round(span.start * SAMPLE_RATE) : round(span.end * SAMPLE_RATE)] = 0.3
    return (envelope * np.sin(2 * np.pi * 180 * t)).astype(np.float32)
