"""The render command: speak a text as a talking-head clip."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.context import App, pass_app

if TYPE_CHECKING:
    from render.pipeline import RenderResult


@click.command()
@click.argument("text")
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the MP4.",
)
@click.option(
    "--avatar",
    help="Avatar pack: a name under $TWIN_HOME/avatars, a built-in name, "
    "or a folder path such as ./pack (default: render.avatar).",
)
@click.option("--captions/--no-captions", default=None, help="Burn in captions.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def render(
    app: App, text: str, out_path: Path, avatar: str | None, captions: bool | None, as_json: bool
) -> None:
    """Speak TEXT ("-" reads standard input) as a talking-head MP4.

    Needs consent to the persona's voice and likeness on record (see `twin consent`)."""
    if text == "-":
        text = sys.stdin.read()
    result = speak(app, text, out_path, avatar, captions)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    click.echo(describe(result))


def speak(
    app: App, text: str, out_path: Path, avatar: str | None = None, captions: bool | None = None
) -> RenderResult:
    """Render TEXT in the persona's voice and likeness, if consent is on record."""
    from render.consent import ConsentRegistry
    from render.errors import RenderError
    from render.pipeline import render_clip

    try:
        consents = ConsentRegistry(app.settings.db_url)
        consents.require(app.settings.persona.name)
        return render_clip(
            text,
            out_path,
            app.settings.render,
            avatar=avatar,
            home=app.settings.home,
            captions=captions,
            consents=consents,
        )
    except RenderError as exc:
        raise click.ClickException(str(exc)) from None


def describe(result: RenderResult) -> str:
    return (
        f"{result.path}: {result.duration_s:.1f} s, {result.size_bytes / 1e6:.2f} MB, "
        f"rendered in {result.total_s:.1f} s (real-time factor {result.rtf:.2f})"
    )
