"""The persona base model and a tiny trained adapter, made once per test session.

Both live under the session's base temp folder, so every module that asks gets the same ones:
converting SmolLM2's GGUF takes about half a minute, training the tiny adapter a few seconds.
"""

from __future__ import annotations

from pathlib import Path

from persona.answer import Answerer
from persona.training.base import ensure_base
from persona.training.dataset import build_dataset
from persona.training.train import TrainConfig, prompt_settings, read_record, train_adapter
from retrieval.corpus import Corpus

TINY_DOCUMENTS = 6
TINY_STEPS = 3
TINY_LENGTH = 512  # tokens per example: the prompt loses its start, the answer is kept


def converted_base(root: Path) -> Path:
    return ensure_base("", root / "persona-base")


def tiny_adapter(root: Path, base: Path, corpus: Corpus) -> Path:
    out = root / "persona-adapter"
    if read_record(out) is None:
        answerer = Answerer(corpus.settings, corpus)
        report = build_dataset(answerer, root / "persona-data", limit=TINY_DOCUMENTS)
        config = TrainConfig(
            base=base,
            data=Path(report.files["train"]),
            out=out,
            steps=TINY_STEPS,
            max_length=TINY_LENGTH,
            corpus_generation=report.generation,
            prompt=prompt_settings(corpus.settings.answer),
        )
        train_adapter(config)
    return out
