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
    from twin.db import make_engine
    from twin.db import upgrade as run_upgrade

    engine = make_engine(app.settings.db_url)
    try:
        run_upgrade(engine)
    finally:
        engine.dispose()
    click.echo("database is up to date")
