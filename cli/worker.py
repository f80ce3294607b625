"""`twin worker`: run the task engine's worker (answers, video renders, admin ingests)."""

from __future__ import annotations

import logging
import os

import click

from cli.context import App, pass_app


@click.command()
@click.option(
    "--threads", type=click.IntRange(1, 256), help="Tasks run at once (default: tasks.threads)."
)
@click.option("--name", help="This worker's name (default: host, process id and a suffix).")
@pass_app
def worker(app: App, threads: int | None, name: str | None) -> None:
    """Run tasks from the broker (tasks.broker_url) until stopped (Ctrl-C or SIGTERM).

    Answers are posted to Slack with SLACK_BOT_TOKEN from the environment, or, for OAuth
    installs (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, no bot token), with the token of the
    workspace each task names; a task whose worker is killed is delivered to another worker
    and posted once."""
    from bot.server import worker_services
    from bot.tenants import worker_handlers
    from render.jobs import worker_id
    from twin.tasks import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    settings = app.settings
    if settings.tasks.in_process:
        raise click.ClickException(
            "tasks.broker_url is empty: without a broker, tasks run inside `twin serve` and the "
            "CLI; set it (e.g. TWIN__TASKS__BROKER_URL=amqp://guest:guest@localhost:5672//) "
            "to run workers"
        )
    if threads is not None:
        tasks = settings.tasks.model_copy(update={"threads": threads})
        settings = settings.model_copy(update={"tasks": tasks})
    if not os.environ.get("SLACK_BOT_TOKEN") and not os.environ.get("SLACK_CLIENT_ID"):
        click.echo("twin worker: SLACK_BOT_TOKEN is not set; Slack tasks will fail", err=True)
    services, tenants = worker_services(settings, os.environ, corpus=app.corpus)
    services.answerer.warm_up()
    name = name or worker_id()
    click.echo(f"twin worker {name}: {settings.tasks.threads} threads", err=True)
    try:
        run_worker(settings.tasks, worker_handlers(services, tenants), name)
    finally:
        if tenants is not None:
            tenants.close()
        services.close()
    click.echo("twin worker stopped", err=True)
