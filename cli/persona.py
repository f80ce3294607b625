"""`twin persona data|convert|train`: the persona adapter, tuned on the CEO's own words."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.context import App, pass_app

if TYPE_CHECKING:
    from persona.training.dataset import DatasetReport
    from persona.training.train import TrainConfig, TrainResult

    Trainer = Callable[[TrainConfig, Callable[[int, float], None]], TrainResult]


def persona_dir(app: App) -> Path:
    """Everything the persona model writes lives under $TWIN_HOME/persona (never the repo)."""
    return app.settings.home / "persona"


@click.group()
def persona() -> None:
    """Train the persona adapter on the corpus (serve it with `twin llm serve --backend vllm`)."""


@persona.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--heldout", type=click.FloatRange(0, 0.9), default=0.2, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_app
def data(app: App, out: Path | None, heldout: float, as_json: bool) -> None:
    """Build the training pairs (train.jsonl, heldout.jsonl) from audience-"all" documents."""
    report = _build_data(app, out or persona_dir(app) / "data", heldout)
    if as_json:
        click.echo(json.dumps(report.to_json()))
        return
    click.echo(
        f"corpus generation {report.generation}: "
        f"train {report.examples.get('train', 0)} pairs from "
        f"{report.documents.get('train', 0)} documents, held out "
        f"{report.examples.get('heldout', 0)} from {report.documents.get('heldout', 0)}"
    )
    for reason, count in sorted(report.skipped.items()):
        click.echo(f"  skipped {count}: {reason}")
    click.echo(f"  {report.files['train']}")


@persona.command()
@click.option("--gguf", default="", help="A .gguf file or package:NAME (default: SmolLM2).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@pass_app
def convert(app: App, gguf: str, out: Path | None) -> None:
    """Convert a GGUF model into an HF folder that peft and vLLM load."""
    from persona.training.base import BaseModelError, ensure_base

    target = out or persona_dir(app) / "base"
    try:
        click.echo(str(ensure_base(gguf, target)))
    except BaseModelError as exc:
        raise click.ClickException(str(exc)) from None


@persona.command()
@click.option(
    "--base", default="", help="HF model folder, .gguf or package:NAME (default: SmolLM2)."
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Adapter folder.")
@click.option("--steps", type=click.IntRange(min=1), default=60, show_default=True)
@click.option("--learning-rate", type=click.FloatRange(min=0, min_open=True), default=2e-4)
@click.option(
    "--max-length",
    type=click.IntRange(min=64),
    default=1536,
    show_default=True,
    help="Tokens per example; a longer one loses the start of its prompt, never the answer.",
)
@click.option("--threads", type=click.IntRange(min=0), default=0, help="CPU threads (0: all).")
@click.option("--force", is_flag=True, help="Train even when the adapter is up to date.")
@pass_app
def train(
    app: App,
    base: str,
    out: Path | None,
    steps: int,
    learning_rate: float,
    max_length: int,
    threads: int,
    force: bool,
) -> None:
    """Fine-tune the persona LoRA adapter (resumes when interrupted; retrains on new documents)."""
    from persona.training.base import BaseModelError, ensure_base
    from persona.training.train import TrainConfig, prompt_settings, train_adapter

    home = persona_dir(app)
    adapter = out or home / "adapter"
    report = _build_data(app, home / "data", 0.2)
    try:
        base_dir = ensure_base(base, home / "base")
    except BaseModelError as exc:
        raise click.ClickException(str(exc)) from None
    config = TrainConfig(
        base=base_dir,
        data=Path(report.files["train"]),
        out=adapter,
        steps=steps,
        learning_rate=learning_rate,
        max_length=max_length,
        corpus_generation=report.generation,
        heldout=Path(report.files["heldout"]),
        prompt=prompt_settings(app.settings.answer),
        threads=threads,
    )
    if _up_to_date(config) and not force:
        click.echo(f"{adapter} is up to date (corpus generation {report.generation})")
        return
    result = _train_with_progress(config, train_adapter)
    click.echo(
        f"adapter {adapter}: {result.examples} examples, {result.steps} steps "
        f"(resumed at {result.resumed_from}), loss {result.first_loss} -> {result.last_loss}, "
        f"{result.seconds:g} s, peak {result.peak_rss_mb} MB"
    )
    if result.heldout_loss:
        loss = result.heldout_loss
        click.echo(f"held-out loss: base {loss['base']}, adapter {loss['adapter']}")
    click.echo(f"serve it: twin llm serve --backend vllm --adapter {adapter}")


def _up_to_date(config: TrainConfig) -> bool:
    """Whether the adapter in config.out was trained on this data, base and settings."""
    from persona.training.train import data_hash, read_record

    record = read_record(config.out)
    wanted = {
        "corpus_generation": config.corpus_generation,
        "data_sha256": data_hash(config.data),
        "base": str(config.base),
        "steps": config.steps,
        "learning_rate": config.learning_rate,
        "max_length": config.max_length,
    }
    return record is not None and all(record.get(key) == value for key, value in wanted.items())


def _build_data(app: App, out: Path, heldout: float) -> DatasetReport:
    from persona.answer import Answerer
    from persona.training.dataset import build_dataset

    if not app.corpus.documents():
        raise click.ClickException("the corpus is empty: run `twin ingest PATH` first")
    return build_dataset(Answerer(app.settings, app.corpus), out, heldout)


def _train_with_progress(config: TrainConfig, train_adapter: Trainer) -> TrainResult:
    from tqdm import tqdm

    with tqdm(total=config.steps, desc="training", unit="step") as bar:

        def on_step(step: int, loss: float) -> None:
            bar.n = step
            bar.set_postfix(loss=f"{loss:.3f}")
            bar.refresh()

        return train_adapter(config, on_step)
