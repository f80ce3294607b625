"""Database engine and sessions; the schema is created and upgraded by Alembic migrations."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

# The migrations sit beside the floor (they import its models), so they are found, not imported.
MIGRATIONS_DIR = Path(str(files("migrations")))


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")  # deleted rows are zeroed, not left in free pages
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    command.upgrade(alembic_config(engine), "head")


_engines: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    """One engine per database URL per process, migrated on first use."""
    if url not in _engines:
        engine = make_engine(url)
        upgrade(engine)
        _engines[url] = engine
    return _engines[url]


def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url), expire_on_commit=False)


def checkpoint(url: str) -> None:
    """SQLite: copy the -wal file into the database and truncate it, so no image of a page as
    it was before a delete stays on disk. Nothing to do elsewhere."""
    engine = engine_for(url)
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def dispose(url: str) -> None:
    """Close the pooled connections of `url`'s engine (tests, shutdown)."""
    engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()
