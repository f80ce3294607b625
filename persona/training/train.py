"""LoRA fine-tuning of the persona adapter (peft, r=8 on q_proj and v_proj).

The same code trains on a laptop CPU (SmolLM2-135M, a few dozen steps) and on a GPU machine
(any HF chat model). One example per step, loss on the assistant turn only. A checkpoint is
written every `checkpoint_every` steps; a run started again with the same data and base resumes
from the last one. The adapter folder records what it was trained on (persona_training.json):
the base, the corpus generation and the data's hash, so a stale adapter is recognisable.
"""

from __future__ import annotations

import hashlib
import json
import random
import resource
import shutil
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["TrainConfig", "TrainResult", "data_hash", "read_record", "train_adapter"]

RECORD = "persona_training.json"
CHECKPOINT = "checkpoint"


@dataclass
class TrainConfig:
    base: Path  # an HF model folder
    data: Path  # train.jsonl
    out: Path  # the adapter folder
    steps: int = 60
    learning_rate: float = 2e-4
    rank: int = 8
    alpha: int = 16
    max_length: int = 1536
    checkpoint_every: int = 10
    seed: int = 0
    corpus_generation: int = 0


@dataclass
class TrainResult:
    base: str
    corpus_generation: int
    data_sha256: str
    examples: int
    steps: int
    resumed_from: int
    first_loss: float
    last_loss: float
    seconds: float
    peak_rss_mb: int
    trained_at: str


def data_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_record(adapter: Path) -> dict[str, Any] | None:
    """What an adapter folder says it was trained on, or None for no finished adapter."""
    path = adapter / RECORD
    return json.loads(path.read_text()) if path.is_file() else None


def train_adapter(
    config: TrainConfig, on_step: Callable[[int, float], None] | None = None
) -> TrainResult:
    """Train (or resume) the adapter; write it and its record into config.out."""
    import torch

    torch.manual_seed(config.seed)
    started = time.perf_counter()
    sha = data_hash(config.data)
    tokenizer, model = _load(config)
    examples = _tokenized(config, tokenizer)
    if not examples:
        raise ValueError(f"{config.data}: no training examples")
    order = list(range(len(examples)))
    random.Random(config.seed).shuffle(order)
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=config.learning_rate
    )
    first = _resume(config, sha, model, optimizer)
    losses: list[float] = []
    model.train()
    for step in range(first, config.steps):
        ids, labels = examples[order[step % len(order)]]
        loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
        if on_step:
            on_step(step + 1, losses[-1])
        if (step + 1) % config.checkpoint_every == 0 and step + 1 < config.steps:
            _checkpoint(config, sha, model, optimizer, step + 1)
    result = TrainResult(
        base=str(config.base),
        corpus_generation=config.corpus_generation,
        data_sha256=sha,
        examples=len(examples),
        steps=config.steps,
        resumed_from=first,
        first_loss=round(losses[0], 4) if losses else float("nan"),
        last_loss=round(losses[-1], 4) if losses else float("nan"),
        seconds=round(time.perf_counter() - started, 1),
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    _save(config, model, result)
    return result


def _load(config: TrainConfig) -> tuple[Any, Any]:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(config.base)
    base = AutoModelForCausalLM.from_pretrained(config.base, dtype=torch.float32)
    lora = LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=0.05,
        target_modules=["q_proj", "v_proj"],
        task_type="CAUSAL_LM",
    )
    with warnings.catch_warnings():  # peft reads transformers' deprecated alias; not ours
        warnings.filterwarnings("ignore", "`is_gradient_checkpointing`", FutureWarning)
        return tokenizer, get_peft_model(base, lora)


def _tokenized(config: TrainConfig, tokenizer: Any) -> list[tuple[Any, Any]]:
    """(input ids, labels) per record; the prompt's labels are -100, so only the answer counts.
    A prompt too long for max_length loses its start (the system prompt), never the answer."""
    import torch

    examples = []
    for line in config.data.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        messages = json.loads(line)["messages"]
        prompt = tokenizer.apply_chat_template(
            messages[:-1], add_generation_prompt=True, tokenize=False
        )
        answer = messages[-1]["content"] + (tokenizer.eos_token or "")
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
        room = max(config.max_length - len(answer_ids), 0)
        prompt_ids = prompt_ids[-room:] if room else []
        ids = prompt_ids + answer_ids
        labels = [-100] * len(prompt_ids) + answer_ids
        examples.append((torch.tensor([ids]), torch.tensor([labels])))
    return examples


def _resume(config: TrainConfig, sha: str, model: Any, optimizer: Any) -> int:
    """The step to start from: the checkpoint's, when it is of this data and base, else 0."""
    import torch
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    folder = config.out / CHECKPOINT
    state_path = folder / "state.json"
    if not state_path.is_file():
        return 0
    state = json.loads(state_path.read_text())
    if state.get("data_sha256") != sha or state.get("base") != str(config.base):
        shutil.rmtree(folder)  # new documents or another base: start again
        return 0
    set_peft_model_state_dict(model, load_file(folder / "adapter_model.safetensors"))
    optimizer.load_state_dict(torch.load(folder / "optimizer.pt", weights_only=True))
    return min(int(state["step"]), config.steps)


def _checkpoint(config: TrainConfig, sha: str, model: Any, optimizer: Any, step: int) -> None:
    import torch

    folder = config.out / CHECKPOINT
    partial = config.out / (CHECKPOINT + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    torch.save(optimizer.state_dict(), partial / "optimizer.pt")
    state = {"step": step, "data_sha256": sha, "base": str(config.base)}
    (partial / "state.json").write_text(json.dumps(state) + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)


def _save(config: TrainConfig, model: Any, result: TrainResult) -> None:
    config.out.mkdir(parents=True, exist_ok=True)
    (config.out / RECORD).unlink(missing_ok=True)  # not finished until the record is back
    model.save_pretrained(config.out)
    (config.out / RECORD).write_text(json.dumps(asdict(result), indent=2) + "\n")
    shutil.rmtree(config.out / CHECKPOINT, ignore_errors=True)
