"""`twin voice`: piper voices trained on the persona's consented recordings."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from cli.context import App, pass_app


@click.group()
def voice() -> None:
    """Installed piper voices (each needs a voice consent record); use with render.voice."""


@voice.command("add")
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--name", required=True, help="The voice's name (lower-case, e.g. elena).")
@click.option("--persona", help="Whose voice (default: persona.name).")
@click.option("--json", "as_json", is_flag=True, help="Print the voice as JSON.")
@pass_app
def add(app: App, model: Path, name: str, persona: str | None, as_json: bool) -> None:
    """Register a piper voice: MODEL.onnx with MODEL.onnx.json beside it."""
    from render.consent import ConsentRegistry
    from render.errors import RenderError
    from render.voices import add_voice

    try:
        added = add_voice(
            app.settings.home,
            name,
            model,
            ConsentRegistry(app.settings.db_url),
            persona or app.settings.persona.name,
        )
    except RenderError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(asdict(added), indent=2))
        return
    click.echo(
        f"voice {added.name}: {added.sample_rate} Hz piper voice of {added.persona} "
        f"(consent {added.consent_id}); speak with it: TWIN__RENDER__VOICE=voice:{added.name}"
    )


@voice.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the voices as JSON.")
@pass_app
def list_(app: App, as_json: bool) -> None:
    """Show the installed voices."""
    from render.errors import RenderError
    from render.voices import installed_voices

    try:
        voices = installed_voices(app.settings.home)
    except RenderError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps([asdict(v) for v in voices], indent=2))
        return
    if not voices:
        click.echo("no voices installed: add one with twin voice add MODEL.onnx --name NAME")
    for v in voices:
        click.echo(f"{v.name:<20} {v.persona:<20} consent {v.consent_id:<6} {v.sample_rate} Hz")


@voice.command()
@click.argument("name")
@pass_app
def remove(app: App, name: str) -> None:
    """Delete an installed voice."""
    from render.errors import RenderError
    from render.voices import remove_voice

    try:
        folder = remove_voice(app.settings.home, name)
    except RenderError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"voice {name} removed ({folder})")
