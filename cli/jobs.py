"""`twin jobs`: queue video replies and see how render jobs went."""

from __future__ import annotations

import json
import sys
import time
from typing import TYPE_CHECKING

import click

from cli.context import App, pass_app

if TYPE_CHECKING:
    from render.jobs import Job, RenderQueue
    from twin.settings import Settings


@click.group()
def jobs() -> None:
    """Render jobs: video replies queued for the workers."""


@jobs.command("add")
@click.argument("text")
@click.option("--avatar", default="", help="Avatar pack (default: render.avatar).")
@click.option("--captions/--no-captions", default=None, help="Burn in captions.")
@click.option(
    "--wait/--no-wait",
    default=True,
    help="Wait until the job ends (without a broker: render it in this process).",
)
@click.option("--timeout", type=float, default=600, help="Seconds to wait at most.")
@click.option("--json", "as_json", is_flag=True, help="Print the job as JSON.")
@pass_app
def add(
    app: App,
    text: str,
    avatar: str,
    captions: bool | None,
    wait: bool,
    timeout: float,
    as_json: bool,
) -> None:
    """Queue TEXT ("-" reads standard input) to be spoken as a clip and delivered."""
    from persona.spoken import spoken_script
    from render.errors import RenderError
    from render.jobs import RenderQueue

    if text == "-":
        text = sys.stdin.read()
    settings = app.settings
    render = settings.render
    script, shortened = spoken_script(text, settings)
    queue = RenderQueue(settings.db_url, render.jobs)
    try:
        job = queue.enqueue(script, persona=settings.persona.name, avatar=avatar, captions=captions)
    except RenderError as exc:
        raise click.ClickException(str(exc)) from None
    if shortened:
        click.echo(f"job {job.id}: the answer was shortened for video", err=True)
    job = _hand_on(settings, queue, job, wait, timeout)
    _show(job, as_json)
    if job.status == "failed":
        sys.exit(1)


@jobs.command("list")
@click.option(
    "--status", type=click.Choice(["queued", "running", "done", "failed"]), help="Only these."
)
@click.option("--limit", type=int, default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the jobs as JSON.")
@pass_app
def list_(app: App, status: str | None, limit: int, as_json: bool) -> None:
    """The newest render jobs, with the error of each failed one."""
    from render.jobs import RenderQueue

    found = RenderQueue(app.settings.db_url).jobs(status, limit)
    if as_json:
        click.echo(json.dumps([job.to_json() for job in found], indent=2))
        return
    if not found:
        click.echo("no render jobs")
    for job in found:
        click.echo(_line(job))


@jobs.command("show")
@click.argument("job_id", metavar="ID", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the job as JSON.")
@pass_app
def show(app: App, job_id: int, as_json: bool) -> None:
    """One render job."""
    from render.jobs import JobNotFound, RenderQueue

    try:
        job = RenderQueue(app.settings.db_url).get(job_id)
    except JobNotFound as exc:
        raise click.ClickException(str(exc)) from None
    _show(job, as_json)


def _hand_on(settings: Settings, queue: RenderQueue, job: Job, wait: bool, timeout: float) -> Job:
    """The render task for `job`: to the workers through the broker, or run here (no broker;
    without --wait it stays queued until `twin serve` starts and takes it up)."""
    from bot.tasks import RENDER
    from render.worker import Worker
    from twin.tasks import CeleryTasks

    if settings.tasks.in_process:
        if not wait:
            return job
        runner = Worker.from_settings(settings)
        try:
            return runner.run_job(job.id)
        finally:
            runner.close()
    tasks = CeleryTasks(settings.tasks)
    try:
        tasks.dispatch(RENDER, job.id)
    finally:
        tasks.close()
    return _wait(queue, job.id, timeout) if wait else job


def _wait(queue: RenderQueue, job_id: int, timeout: float) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        job = queue.get(job_id)
        if job.status in ("done", "failed"):
            return job
        if time.monotonic() > deadline:
            raise click.ClickException(
                f"job {job_id} is still {job.status} after {timeout:g} s "
                "(is a `twin worker` running? see tasks.broker_url)"
            )
        time.sleep(0.1)


def _show(job: Job, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(job.to_json(), indent=2))
        return
    click.echo(_line(job))
    if job.clip_path:
        click.echo(f"  clip: {job.clip_path}")


def _line(job: Job) -> str:
    text = job.text if len(job.text) <= 60 else job.text[:57] + "..."
    line = f"{job.id:>5}  {job.status:<7}  attempts {job.attempts}/{job.max_attempts}  {text!r}"
    if job.posted_at:
        line += f"  posted {job.posted_at:%Y-%m-%d %H:%M:%S} UTC"
    if job.error:
        line += f"\n       error: {job.error}"
    return line
