"""`twin llm serve`: a local OpenAI-compatible server for the twin (llama.cpp or vLLM)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import click

from cli.context import App, pass_app
from twin.sections.persona import ServeSettings


@click.group()
def llm() -> None:
    """The local LLM server (production uses vLLM on GPUs: see deploy/vllm/)."""


@llm.command()
@click.option(
    "--backend", type=click.Choice(["llama.cpp", "vllm"]), help="Default: llm.serve.backend."
)
@click.option("--model", help="llama.cpp: a GGUF file, or package:NAME.")
@click.option("--base", help="vLLM: the HF base model folder (default: $TWIN_HOME/persona/base).")
@click.option("--adapter", help="vLLM: the LoRA adapter folder, or 'none' for the base alone.")
@click.option("--host", help="Listen address (default: llm.serve.host).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: llm.serve.port).")
@click.option("--n-ctx", type=click.IntRange(min=256), help="Context size in tokens.")
@click.option("--threads", type=click.IntRange(min=1), help="CPU threads (llama.cpp).")
@pass_app
def serve(app: App, **options: str | int | None) -> None:
    """Serve SmolLM2-135M-Instruct on llama.cpp, or the base + persona adapter on vLLM."""
    names = {"base": "base_model", "threads": "n_threads"}
    given = {names.get(k, k): v for k, v in options.items() if v is not None}
    settings = app.settings.llm.serve.model_copy(update=given)
    if settings.backend == "vllm":
        command, env = _vllm(app, settings)
    else:
        command, env = _llama_cpp(app, settings), dict(os.environ)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(command[0], command, env)  # the server replaces this process: signals reach it


def _llama_cpp(app: App, settings: ServeSettings) -> list[str]:
    from persona.serve import ModelNotFound, base_url, resolve_gguf, server_command

    if importlib.util.find_spec("llama_cpp") is None:
        raise click.ClickException(
            "llama-cpp-python is not installed: pip install 'llama-cpp-python[server]'"
        )
    try:
        path = resolve_gguf(settings.model)
    except ModelNotFound as exc:
        raise click.ClickException(str(exc)) from None
    url, alias = base_url(settings), app.settings.llm.model
    click.echo(f"serving {path.name} as model '{alias}' at {url}", err=True)
    click.echo(f"point the twin at it: TWIN__LLM__BASE_URL={url}", err=True)
    return server_command(settings, alias, path)


def _vllm(app: App, settings: ServeSettings) -> tuple[list[str], dict[str, str]]:
    from persona.serve import VLLMServer, base_url, vllm_command, vllm_environment
    from persona.training.train import prompt_mismatch

    home = app.settings.home / "persona"
    python = VLLMServer.default_python(settings.vllm_python)
    if not python.is_file():
        raise click.ClickException(f"vLLM is not installed at {python}: run `make vllm`")
    base = Path(settings.base_model).expanduser() if settings.base_model else home / "base"
    if not (base / "config.json").is_file():
        raise click.ClickException(
            f"no HF base model at {base}: run `twin persona train` (or `twin persona convert`)"
        )
    adapter: Path | None = None
    if settings.adapter != "none":
        adapter = Path(settings.adapter).expanduser() if settings.adapter else home / "adapter"
        if not (adapter / "adapter_config.json").is_file():
            raise click.ClickException(
                f"no LoRA adapter at {adapter}: run `twin persona train`, or --adapter none"
            )
        mismatch = prompt_mismatch(adapter, app.settings.answer)
        if mismatch:
            raise click.ClickException(mismatch)
    server = VLLMServer(python, base, adapter, app.settings.home / "vllm")
    url = base_url(settings)
    served = settings.adapter_name if adapter else settings.base_name
    click.echo(f"serving {base} with vLLM at {url} (start-up takes a minute or more)", err=True)
    click.echo(
        f"point the twin at it: TWIN__LLM__BASE_URL={url} TWIN__LLM__MODEL={served}", err=True
    )
    return vllm_command(settings, server), vllm_environment(server)
