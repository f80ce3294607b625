"""`twin worker`: run render jobs in the foreground until stopped."""

from __future__ import annotations

import logging
import signal
import threading

import click

from cli.context import App, pass_app


@click.command()
@click.option("--once", is_flag=True, help="Do the queued jobs, then exit.")
@click.option(
    "--poll",
    type=click.FloatRange(min=0.05),
    help="Seconds between looks for new jobs when idle (default: render.jobs.poll_s).",
)
@pass_app
def worker(app: App, once: bool, poll: float | None) -> None:
    """Render and publish queued video replies (stop with Ctrl-C or SIGTERM)."""
    from render.errors import RenderError
    from render.worker import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    settings = app.settings
    if poll is not None:
        jobs = settings.render.jobs.model_copy(update={"poll_s": poll})
        settings = settings.model_copy(
            update={"render": settings.render.model_copy(update={"jobs": jobs})}
        )
    try:
        runner = Worker.from_settings(settings)
    except RenderError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"render worker {runner.name} on {_safe(settings.db_url)}", err=True)
    try:
        if once:
            finished = runner.run_until_idle()
            failed = sum(job.status == "failed" for job in finished)
            click.echo(f"{len(finished)} jobs run: {len(finished) - failed} done, {failed} failed")
            return
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        runner.run(stop)
        click.echo("render worker stopped", err=True)
    finally:
        runner.close()


def _safe(url: str) -> str:
    """The database URL without a password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
