"""`twin consent`: the records that allow rendering a persona's voice and likeness."""

from __future__ import annotations

import getpass
import json
from datetime import datetime

import click

from cli.context import App, pass_app


@click.group()
def consent() -> None:
    """Consent records: nothing is rendered in the persona's voice and likeness without one."""


@consent.command()
@click.option(
    "--scope", required=True, help="What is consented to: voice, likeness or voice,likeness."
)
@click.option("--by", "by", required=True, help="Who gave consent (the person themselves).")
@click.option("--persona", help="Whose voice and likeness (default: persona.name).")
@click.option(
    "--date",
    "on",
    type=click.DateTime(["%Y-%m-%d"]),
    help="When consent was given, YYYY-MM-DD (default: today).",
)
@click.option("--note", default="", help="Where the consent is kept, e.g. the signed release.")
@click.option(
    "--if-missing", is_flag=True, help="Record it only if the scope is not already covered."
)
@pass_app
def add(
    app: App,
    scope: str,
    by: str,
    persona: str | None,
    on: datetime | None,
    note: str,
    if_missing: bool,
) -> None:
    """Record consent."""
    from render.consent import ConsentError, ConsentRegistry, parse_scope

    registry = ConsentRegistry(app.settings.db_url)
    persona = persona or app.settings.persona.name
    try:
        if if_missing and not set(parse_scope(scope)) & set(registry.missing(persona)):
            click.echo(f"{persona}'s {' and '.join(parse_scope(scope))}: consent already on record")
            return
        record = registry.add(
            persona,
            scope,
            by,
            consented_on=on.date() if on else None,
            note=note,
            recorded_by=_user(),
        )
    except ConsentError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"consent {record.id}: {record.persona}'s {' and '.join(record.scope)}, "
        f"given by {record.consented_by} on {record.consented_on}"
    )


@consent.command("list")
@click.option("--persona", help="Only this persona's records.")
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON.")
@pass_app
def list_(app: App, persona: str | None, as_json: bool) -> None:
    """Show consent records, revoked ones too."""
    from render.consent import ConsentRegistry

    records = ConsentRegistry(app.settings.db_url).records(persona)
    if as_json:
        rows = [
            {
                "id": r.id,
                "persona": r.persona,
                "scope": list(r.scope),
                "consented_by": r.consented_by,
                "consented_on": r.consented_on.isoformat(),
                "note": r.note,
                "recorded_by": r.recorded_by,
                "recorded_at": r.recorded_at.isoformat(),
                "active": r.active,
                "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
                "revoked_by": r.revoked_by,
            }
            for r in records
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    if not records:
        click.echo("no consent records: add one with twin consent add --scope ... --by NAME")
    for r in records:
        state = "active" if r.active else f"revoked {r.revoked_at:%Y-%m-%d %H:%M} UTC"
        if r.revoked_by:
            state += f" by {r.revoked_by}"
        click.echo(
            f"{r.id:>4}  {r.persona}  {','.join(r.scope):<14}  by {r.consented_by} "
            f"on {r.consented_on}  [{state}]" + (f"  {r.note}" if r.note else "")
        )


@consent.command()
@click.argument("consent_id", metavar="ID", type=int)
@pass_app
def revoke(app: App, consent_id: int) -> None:
    """Revoke a consent record: no new clip is rendered or posted on it from now on."""
    from render.consent import ConsentError, ConsentRegistry

    registry = ConsentRegistry(app.settings.db_url)
    try:
        record = registry.revoke(consent_id, revoked_by=_user())
    except ConsentError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"consent {record.id} revoked: {record.persona}'s {' and '.join(record.scope)}")
    missing = registry.missing(record.persona)
    if missing:
        click.echo(f"{record.persona}'s {' and '.join(missing)} can no longer be rendered")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
