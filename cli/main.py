from __future__ import annotations

import click

from cli import (
    ask,
    avatar,
    consent,
    corpus,
    db,
    jobs,
    llm,
    persona,
    render,
    serve,
    slack,
    voice,
    worker,
)
from cli.context import App
from twin.home import keep_private
from twin.settings import ConfigError, load_settings


class _Twin(click.Group):
    """A database that cannot be used ends any command with one line naming `database_url`
    and the problem (exit 1), not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except Exception as error:
            from twin.db import database_problem

            app = ctx.obj if isinstance(ctx.obj, App) else None
            problem = app and database_problem(app.settings.db_url, error)
            if not problem:
                raise
            raise click.ClickException(problem) from None


@click.group(cls=_Twin, context_settings={"help_option_names": ["-h", "--help"]})
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
    try:
        keep_private(settings.home)
    except OSError as exc:
        raise click.ClickException(f"TWIN_HOME {settings.home}: {exc.strerror or exc}") from None
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
main.add_command(avatar.avatar)
main.add_command(voice.voice)
main.add_command(jobs.jobs)
main.add_command(worker.worker)
main.add_command(serve.serve)
main.add_command(slack.slack)
