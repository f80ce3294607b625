"""LoRA fine-tuning of the persona adapter (peft, r=8 on q_proj and v_proj).

The same code trains on a laptop CPU (SmolLM2-135M, a few hundred steps) and on a GPU machine
(any HF chat model). One example per step, loss on the assistant turn only: the vocabulary
projection runs on the answer's positions alone (`logits_to_keep`), which on a 135M model with a
49k vocabulary is a fifth of a step's work when computed for the whole prompt. The learning rate
decays linearly to a tenth. A checkpoint is written every `checkpoint_every` steps; a run
started again with the same data and base resumes from the last one. The adapter folder records
what it was trained on (persona_training.json): the base, the corpus generation, the data's
hash and the prompt settings (answer.context_chars, answer.passages) the pairs were built with,
so a stale adapter, or one served with other prompts, is recognisable. With held-out pairs, the
record also has the held-out loss of the base and of the adapter.
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
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from twin.sections.persona import AnswerSettings

__all__ = [
    "TrainConfig",
    "TrainResult",
    "data_hash",
    "prompt_mismatch",
    "prompt_settings",
    "read_record",
    "train_adapter",
]

RECORD = "persona_training.json"
CHECKPOINT = "checkpoint"
LOSS_WINDOW = 10  # first_loss and last_loss: means over this many steps (one is too noisy)


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
    heldout: Path | None = None  # heldout.jsonl: its loss, base vs adapter, goes in the record
    heldout_examples: int = 20
    prompt: dict[str, int] = field(default_factory=dict)  # the answer settings of the prompts
    threads: int = 0  # torch's CPU threads; 0: its default (one per core)


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
    learning_rate: float = 0.0
    max_length: int = 0  # 0: an adapter recorded before max_length was
    prompt: dict[str, int] = field(default_factory=dict)
    heldout_loss: dict[str, float] = field(default_factory=dict)  # "base" and "adapter"


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
    if config.threads:  # on a shared machine one thread beats two that wait for each other
        torch.set_num_threads(config.threads)
    started = time.perf_counter()
    sha = data_hash(config.data)
    tokenizer, model = _load(config)
    examples = _tokenized(config.data, tokenizer, config.max_length)
    if not examples:
        raise ValueError(f"{config.data}: no training examples")
    order = _order(len(examples), config.steps, config.seed)
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=config.learning_rate
    )
    first = _resume(config, sha, model, optimizer)
    losses: list[float] = []
    model.train()
    for step in range(first, config.steps):
        for group in optimizer.param_groups:  # linear decay to a tenth
            group["lr"] = config.learning_rate * (1 - 0.9 * step / config.steps)
        loss = _loss(model, *examples[order[step]])
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
        first_loss=_mean(losses[:LOSS_WINDOW]),
        last_loss=_mean(losses[-LOSS_WINDOW:]),
        seconds=round(time.perf_counter() - started, 1),
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        learning_rate=config.learning_rate,
        max_length=config.max_length,
        prompt=config.prompt,
        heldout_loss=_heldout_loss(config, tokenizer, model),
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
        model = get_peft_model(base, lora)
    return tokenizer, model.to("cuda" if torch.cuda.is_available() else "cpu")


def prompt_settings(answer: AnswerSettings) -> dict[str, int]:
    """The answer settings that shape the prompts an adapter is trained on and served with."""
    return {"context_chars": answer.context_chars, "passages": answer.passages}


def prompt_mismatch(adapter: Path, answer: AnswerSettings) -> str:
    """Why `adapter` was trained on other prompts than these settings build, or ""."""
    record = read_record(adapter) or {}
    trained = record.get("prompt") or {}
    now = prompt_settings(answer)
    differ = [
        f"answer.{k}={trained[k]} (now {v})" for k, v in now.items() if trained.get(k, v) != v
    ]
    if not differ:
        return ""
    return (
        f"{adapter} was trained on prompts built with {', '.join(differ)}: set them back, "
        "or retrain with `twin persona train`"
    )


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else float("nan")


def _order(examples: int, steps: int, seed: int) -> list[int]:
    """Which example each step trains on: every example once per epoch, shuffled per epoch."""
    rng, order = random.Random(seed), list[int]()
    while len(order) < steps:
        epoch = list(range(examples))
        rng.shuffle(epoch)
        order += epoch
    return order[:steps]


def _loss(model: Any, ids: Any, answer: Any) -> Any:
    """Mean cross-entropy of the answer's tokens; logits only where they are predicted."""
    import torch.nn.functional as F

    ids, answer = ids.to(model.device), answer.to(model.device)
    logits = model(input_ids=ids, logits_to_keep=answer.shape[1] + 1).logits[:, :-1]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), answer.reshape(-1))


def _heldout_loss(config: TrainConfig, tokenizer: Any, model: Any) -> dict[str, float]:
    """Mean loss on (a spread of) the held-out pairs, without and with the adapter."""
    import torch

    if config.heldout is None or not config.heldout.is_file():
        return {}
    examples = _tokenized(config.heldout, tokenizer, config.max_length)
    examples = examples[:: max(len(examples) // config.heldout_examples, 1)][
        : config.heldout_examples
    ]
    if not examples:
        return {}
    model.eval()
    with torch.no_grad():
        with model.disable_adapter():
            base = sum(_loss(model, *e).item() for e in examples) / len(examples)
        adapter = sum(_loss(model, *e).item() for e in examples) / len(examples)
    return {"base": round(base, 4), "adapter": round(adapter, 4), "examples": len(examples)}


def _tokenized(path: Path, tokenizer: Any, max_length: int) -> list[tuple[Any, Any]]:
    """(input ids, the answer's ids) per record; only the answer's tokens are learned. A prompt
    too long for max_length loses its start (the system prompt), never the answer."""
    import torch

    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        messages = json.loads(line)["messages"]
        prompt = tokenizer.apply_chat_template(
            messages[:-1], add_generation_prompt=True, tokenize=False
        )
        answer = messages[-1]["content"] + (tokenizer.eos_token or "")
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
        answer_ids = answer_ids[: max_length - 1]
        room = max_length - len(answer_ids)
        ids = prompt_ids[-room:] + answer_ids
        examples.append((torch.tensor([ids]), torch.tensor([answer_ids])))
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
