"""Database engine and sessions; the schema is created and upgraded by Alembic migrations.

A database that cannot be used (a malformed or unsupported URL, nothing listening, a refused
login) raises DatabaseError, whose message is one line naming the `database_url` setting.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, exc, make_url
from sqlalchemy.orm import Session, sessionmaker

# The migrations sit beside the floor (they import its models), so they are found, not imported.
MIGRATIONS_DIR = Path(str(files("migrations")))


class DatabaseError(Exception):
    """The configured database cannot be used; the message names the setting and the problem."""


def describe_failure(url: str, error: BaseException) -> str:
    """One line: the setting, the database (password hidden) and what went wrong."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except (exc.ArgumentError, ValueError) as unparsable:
        hidden = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
        return f"database_url: not a database URL: {hidden!r} ({unparsable})"
    if isinstance(error, exc.NoSuchModuleError | ImportError):
        dialect = url.split(":", 1)[0]
        return (
            f"database_url: unsupported database {dialect!r} in {shown} "
            "(use sqlite:///PATH or postgresql+psycopg://...)"
        )
    cause = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    problem = lines[0] if lines else cause.__class__.__name__
    return f"database_url: cannot use the database {shown}: {problem}"


def database_problem(url: str, error: BaseException) -> str | None:
    """The one-line message for an error that says the database cannot be used, else None."""
    if isinstance(error, DatabaseError):
        return str(error)
    if isinstance(error, exc.OperationalError | exc.InterfaceError):
        return describe_failure(url, error)
    return None


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
        _engines[url] = migrated_engine(url)
    return _engines[url]


def migrated_engine(url: str) -> Engine:
    """A new engine for `url` with its schema at the newest migration; DatabaseError if the
    database cannot be used."""
    engine = None
    try:
        engine = make_engine(url)
        upgrade(engine)
    except (exc.SQLAlchemyError, ImportError, OSError, ValueError) as error:
        if engine is not None:
            engine.dispose()
        raise DatabaseError(describe_failure(url, error)) from None
    return engine


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
