from alembic import context

from twin.models import Base

engine = context.config.attributes["engine"]
MIGRATION_LOCK = 0x7477696E  # "twin": one PostgreSQL advisory lock key for our migrations

with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        # Commands started together on a fresh database would each create alembic_version and
        # one would die on its unique key; the lock (released at commit) makes the others wait,
        # then find the schema current.
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
