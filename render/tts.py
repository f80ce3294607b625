"""The TTS seam: one small base class, the speech it returns, and a registry of backends.

A backend turns one sentence into audio plus phoneme timings (`synthesize_sentence`); the base
class splits text into sentences, runs them (in parallel when the backend allows it) and joins
them with a short silence. Backends register by name; `create_backend` builds the configured one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from render.errors import TextError, UnknownBackend
from twin.sections.render import RenderSettings
from twin.text import sentences

__all__ = [
    "PhonemeSpan",
    "SentenceSpan",
    "Speech",
    "TTSBackend",
    "Utterance",
    "backend_names",
    "create_backend",
    "register_backend",
]


@dataclass(frozen=True)
class PhonemeSpan:
    """One phoneme (espeak IPA, or "^"/"$" for the start/end of an utterance) and its time."""

    phoneme: str
    start: float
    end: float


@dataclass(frozen=True)
class SentenceSpan:
    text: str
    start: float
    end: float


@dataclass
class Utterance:
    """One sentence as a backend returns it: mono float audio in [-1, 1], timings from 0."""

    audio: np.ndarray
    sample_rate: int
    phonemes: list[PhonemeSpan]


@dataclass
class Speech:
    """A whole text spoken: int16 mono audio, phoneme timings and sentence timings."""

    audio: np.ndarray
    sample_rate: int
    phonemes: list[PhonemeSpan]
    sentences: list[SentenceSpan] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return len(self.audio) / self.sample_rate


class TTSBackend:
    """Base class of the TTS backends. Subclasses implement `synthesize_sentence`."""

    name: ClassVar[str] = ""
    #: How many sentences may be synthesized at once (threads sharing the loaded model).
    threads: int = 1
    sentence_silence_s: float = 0.2

    def synthesize_sentence(self, sentence: str) -> Utterance:
        raise NotImplementedError

    def synthesize(self, text: str) -> Speech:
        said = sentences(text)
        if not said:
            raise TextError("nothing to say: the text is empty")
        if self.threads > 1 and len(said) > 1:
            parts = self._synthesize_parallel(said)
        else:
            parts = [self.synthesize_sentence(s) for s in said]
        return join_utterances(said, parts, self.sentence_silence_s)

    def _synthesize_parallel(self, sentences: list[str]) -> list[Utterance]:
        # Longest first, so one long sentence does not run alone at the end.
        order = sorted(range(len(sentences)), key=lambda i: -len(sentences[i]))
        with ThreadPoolExecutor(self.threads, thread_name_prefix="tts") as pool:
            done = dict(
                zip(
                    order,
                    pool.map(self.synthesize_sentence, [sentences[i] for i in order]),
                    strict=True,
                )
            )
        return [done[i] for i in range(len(sentences))]

    def close(self) -> None:
        """Release the model (optional)."""


def join_utterances(sentences: list[str], parts: list[Utterance], silence_s: float) -> Speech:
    rate = parts[0].sample_rate
    gap = np.zeros(round(silence_s * rate), dtype=np.float32)
    chunks: list[np.ndarray] = []
    phonemes: list[PhonemeSpan] = []
    spans: list[SentenceSpan] = []
    offset = 0
    for n, (sentence, part) in enumerate(zip(sentences, parts, strict=True)):
        if part.sample_rate != rate:
            raise ValueError("a backend returned sentences at different sample rates")
        if n and len(gap):
            chunks.append(gap)
            phonemes.append(PhonemeSpan("_", offset / rate, (offset + len(gap)) / rate))
            offset += len(gap)
        start = offset / rate
        phonemes.extend(
            PhonemeSpan(p.phoneme, p.start + start, p.end + start) for p in part.phonemes
        )
        chunks.append(part.audio.astype(np.float32, copy=False))
        offset += len(part.audio)
        spans.append(SentenceSpan(sentence, start, offset / rate))
    audio = np.concatenate(chunks)
    pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)
    return Speech(pcm, rate, phonemes, spans)


BackendFactory = Callable[[RenderSettings], TTSBackend]

_REGISTRY: dict[str, BackendFactory | str] = {
    "piper": "render.piper_tts:PiperBackend",
    "coqui": "render.coqui_tts:CoquiBackend",
    "fake": "render.fake_tts:FakeBackend",
}


def register_backend(name: str, factory: BackendFactory) -> None:
    """Make `factory(settings)` available as `render.backend: NAME`."""
    _REGISTRY[name] = factory


def backend_names() -> list[str]:
    return sorted(_REGISTRY)


def create_backend(settings: RenderSettings) -> TTSBackend:
    """Build the backend that `settings.backend` names; errors name the setting."""
    entry = _REGISTRY.get(settings.backend)
    if entry is None:
        known = ", ".join(backend_names())
        raise UnknownBackend(
            f"render.backend: unknown TTS backend {settings.backend!r} (known: {known})"
        )
    factory = _import(entry) if isinstance(entry, str) else entry
    return factory(settings)


def _import(target: str) -> BackendFactory:
    module, _, attr = target.partition(":")
    factory: BackendFactory = getattr(importlib.import_module(module), attr)
    return factory
