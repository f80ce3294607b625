from __future__ import annotations

import click

from cli.context import App, pass_app


@click.group()
def db() -> None:
    """Database schema."""


@db.command()
@pass_app
def upgrade(app: App) -> None:
    """Apply all pending migrations."""
    from twin.db import migrated_engine

    migrated_engine(app.settings.db_url).dispose()
    click.echo("database is up to date")
