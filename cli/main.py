from __future__ import annotations

import click

from cli import ask, consent, corpus, db, jobs, llm, persona, render, serve, worker
from cli.context import App
from twin.settings import ConfigError, load_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Config file (default: $TWIN_CONFIG, else ./config.yaml).",
)
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """ceo-twin: a CEO's digital twin, grounded in their own memos and meetings."""
    try:
        settings = load_settings(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    ctx.obj = App(settings)


main.add_command(db.db)
main.add_command(corpus.ingest)
main.add_command(corpus.search)
main.add_command(corpus.docs)
main.add_command(render.render)
main.add_command(ask.ask)
main.add_command(ask.audit)
main.add_command(llm.llm)
main.add_command(persona.persona)
main.add_command(consent.consent)
main.add_command(jobs.jobs)
main.add_command(worker.worker)
main.add_command(serve.serve)
