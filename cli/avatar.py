"""`twin avatar` and `twin voice`: the persona's face and voice, each under a consent record."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cli.context import App, pass_app

_PHOTO = click.Path(dir_okay=True, path_type=Path)


@click.group()
def avatar() -> None:
    """Avatar packs: the face a video reply shows (a photo pack needs likeness consent)."""


@avatar.command("add")
@click.argument("photo", type=_PHOTO)
@click.option("--name", required=True, help="The pack's name (lower-case, e.g. elena-photo).")
@click.option("--oo", "oo", type=_PHOTO, help="Optional photo saying 'oo' (rounded lips).")
@click.option("--ee", "ee", type=_PHOTO, help="Optional photo saying 'ee' (spread lips).")
@click.option("--display-name", default="", help="How the pack is labelled (default: --name).")
@click.option("--persona", help="Whose likeness (default: persona.name).")
@click.option("--json", "as_json", is_flag=True, help="Print the pack as JSON.")
@pass_app
def add(
    app: App,
    photo: Path,
    name: str,
    oo: Path | None,
    ee: Path | None,
    display_name: str,
    persona: str | None,
    as_json: bool,
) -> None:
    """Build an avatar pack from a front-facing PHOTO (and optional oo/ee photos)."""
    from render.avatar_store import add_photo_avatar
    from render.consent import ConsentRegistry
    from render.errors import RenderError
    from render.landmarks import LandmarksUnavailable
    from render.photo_pack import PhotoInput

    photos = [PhotoInput("front", photo)]
    photos += [PhotoInput(role, path) for role, path in (("oo", oo), ("ee", ee)) if path]
    try:
        summary = add_photo_avatar(
            app.settings.home,
            name,
            photos,
            ConsentRegistry(app.settings.db_url),
            persona or app.settings.persona.name,
            display_name,
        )
    except (RenderError, LandmarksUnavailable) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(summary.to_json(), indent=2))
        return
    click.echo(
        f"avatar {summary.name}: photo pack at {summary.path} "
        f"(consent {summary.consent_id}; use it with --avatar {summary.name})"
    )


@avatar.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the packs as JSON.")
@pass_app
def list_(app: App, as_json: bool) -> None:
    """Show the installed avatar packs."""
    from render.avatar_store import installed_avatars

    packs = installed_avatars(app.settings.home)
    if as_json:
        click.echo(json.dumps([p.to_json() for p in packs], indent=2))
        return
    if not packs:
        click.echo("no avatar packs installed: add one with twin avatar add PHOTO --name NAME")
    for p in packs:
        consent = f"consent {p.consent_id}" if p.consent_id is not None else "no consent record"
        label = f"  [{p.label}]" if p.label else ""
        click.echo(f"{p.name:<20} {p.renderer:<12} {consent:<18} {p.display_name}{label}")


@avatar.command()
@click.argument("name")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the contact sheet (default: NAME-visemes.png).",
)
@pass_app
def show(app: App, name: str, out: Path | None) -> None:
    """Write a contact sheet PNG of the pack's mouth shapes and a blink."""
    from render.avatar_store import contact_sheet
    from render.errors import RenderError

    try:
        path = contact_sheet(app.settings.home, name, out or Path(f"{name}-visemes.png"))
    except RenderError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{path}: contact sheet of avatar {name}")


@avatar.command()
@click.argument("name")
@pass_app
def remove(app: App, name: str) -> None:
    """Delete an installed avatar pack."""
    from render.avatar_store import remove_avatar
    from render.errors import RenderError

    try:
        folder = remove_avatar(app.settings.home, name)
    except RenderError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"avatar {name} removed ({folder})")


@avatar.command("test-photo")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def test_photo(out: Path) -> None:
    """Write the public-domain test portrait (NASA) to OUT, for tests and the demo."""
    from render.avatar_store import TEST_PHOTO_LABEL, write_test_photo

    write_test_photo(out)
    click.echo(f"{out}: {TEST_PHOTO_LABEL}")
