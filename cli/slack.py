"""`twin slack`: the Slack settings of each workspace an OAuth install serves."""

from __future__ import annotations

import json

import click

from cli.context import App, pass_app


def _ids(value: str | None) -> list[str] | None:
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


@click.group()
def slack() -> None:
    """Slack workspaces of an OAuth install."""


@slack.group()
def workspace() -> None:
    """Per-workspace settings: review channel, approvers, admins (else config.yaml's)."""


@workspace.command("set")
@click.argument("workspace_id")
@click.option("--review-channel", help="Channel ID where comms reviews flagged answers.")
@click.option("--approvers", help="Comma-separated user or user-group IDs.")
@click.option("--admins", help="Comma-separated user or user-group IDs.")
@click.option("--admin-channel", help="Channel ID where admins may upload files.")
@click.option(
    "--clear",
    "cleared",
    multiple=True,
    type=click.Choice(["review_channel", "approvers", "admins", "admin_channel"]),
    help="Fall back to config.yaml for this setting (repeatable).",
)
@pass_app
def set_(
    app: App,
    workspace_id: str,
    review_channel: str | None,
    approvers: str | None,
    admins: str | None,
    admin_channel: str | None,
    cleared: tuple[str, ...],
) -> None:
    """Set WORKSPACE_ID's settings (a team ID T..., or an enterprise ID E... for every
    workspace of a Grid organisation)."""
    from bot.workspaces import WorkspaceSettings
    from twin.db import session_factory

    given = {
        "review_channel": review_channel,
        "approvers": _ids(approvers),
        "admins": _ids(admins),
        "admin_channel": admin_channel,
    }
    values = {k: v for k, v in given.items() if v is not None} | dict.fromkeys(cleared)
    if not values:
        raise click.UsageError("name at least one setting to set or --clear")
    try:
        stored = WorkspaceSettings(session_factory(app.settings.db_url)).set(workspace_id, **values)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps({"workspace": stored.workspace, **stored.values}))


@workspace.command("list")
@pass_app
def list_(app: App) -> None:
    """Every workspace with settings of its own, one JSON line each."""
    from bot.workspaces import WorkspaceSettings
    from twin.db import session_factory

    for stored in WorkspaceSettings(session_factory(app.settings.db_url)).all():
        click.echo(json.dumps({"workspace": stored.workspace, **stored.values}))
