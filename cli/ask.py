"""Asking the twin, and its audit record: `twin ask`, `twin audit purge`."""

from __future__ import annotations

import getpass
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.context import App, pass_app
from cli.corpus import _groups
from cli.printing import shown
from cli.render import describe, speak

if TYPE_CHECKING:
    from persona.results import Answer
    from render.pipeline import RenderResult

RESET_NOTE = "\n\n(That draft didn't hold up against my sources. Here is what I actually said.)\n\n"


class _Brief(logging.Formatter):
    """One line per problem on stderr; tracebacks stay out of the user's terminal."""

    def formatException(self, ei) -> str:  # type: ignore[no-untyped-def]
        return ""


def _quiet_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Brief("twin: %(message)s"))
    logging.basicConfig(level=logging.ERROR, handlers=[handler], force=True)


@click.command()
@click.argument("question")
@click.option("--user", help="Ask as this user (groups from config).")
@click.option("--groups", help="Ask as a member of these groups (comma-separated).")
@click.option("--thread", "thread_id", help="Continue this conversation.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--no-stream", is_flag=True, help="Print the answer when it is complete.")
@click.option(
    "--video",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also speak the answer as a talking-head clip written here.",
)
@pass_app
def ask(
    app: App,
    question: str,
    user: str | None,
    groups: str | None,
    thread_id: str | None,
    as_json: bool,
    no_stream: bool,
    video: Path | None,
) -> None:
    """Ask the twin a question; the answer streams, then its sources."""
    from persona.answer import Answerer, make_llm

    if user and groups:
        raise click.UsageError("give --user or --groups, not both")
    if not question.strip():
        raise click.UsageError("QUESTION is empty")
    _quiet_logging()
    member_of = _groups(app, user, groups)
    answerer = Answerer(app.settings, app.corpus, make_llm(app.settings.llm))
    stream = not (as_json or no_stream)
    answer = answerer.answer(
        question,
        user or f"cli:{getpass.getuser()}",
        member_of,
        thread_id,
        on_token=(lambda text: click.echo(text, nl=False)) if stream else None,
        on_reset=(lambda: click.echo(RESET_NOTE, nl=False)) if stream else None,
    )
    clip = _speak(app, answer, video) if video else None
    if as_json:
        data = answer.to_json()
        if clip:
            data["video"] = clip.to_json()
        click.echo(json.dumps(data))
        return
    if not stream:
        click.echo(answer.answer, nl=False)
    click.echo()
    _print_footer(answer)
    if clip:
        click.secho(f"\nVideo: {describe(clip)}", bold=True)


def _speak(app: App, answer: Answer, out_path: Path) -> RenderResult | None:
    """The answer's words, shortened for video when long, in the persona's voice."""
    from persona.spoken import spoken_script, unspoken

    if why := unspoken(answer):
        click.echo(f"No video: {why}.", err=True)
        return None
    script, _ = spoken_script(answer, app.settings)
    return speak(app, script, out_path)


def _print_footer(answer: Answer) -> None:
    if answer.citations:
        click.secho("\nSources", bold=True)
    for c in answer.citations:
        when = f", {c.date}" if c.date else ""
        click.echo(shown(f"  [{c.n}] {c.title}{when}"))
        click.echo(f"      {shown(c.source)}")
    if answer.needs_approval:
        click.secho("\nIn Slack this answer waits for comms approval:", fg="yellow")
        for reason in answer.approval_reasons:
            click.echo(f"  - {reason}")
    latency = answer.latency_ms
    click.secho(
        f"\n{answer.mode} mode, {latency.get('total', 0)} ms; "
        f"continue with --thread {answer.thread_id}",
        dim=True,
    )


@click.group()
def audit() -> None:
    """The audit record of questions and answers."""


@audit.command()
@click.option("--days", type=click.IntRange(min=1), help="Keep this many days (default: config).")
@pass_app
def purge(app: App, days: int | None) -> None:
    """Delete audit records older than the retention period (audit.retention_days)."""
    from persona.audit import AuditLog
    from twin.db import session_factory

    keep = days or app.settings.audit.retention_days
    if keep <= 0:
        click.echo("audit.retention_days is 0: records are kept forever; nothing purged")
        return
    deleted = AuditLog(session_factory(app.settings.db_url)).purge(keep)
    click.echo(f"purged {deleted} answers older than {keep} days")
