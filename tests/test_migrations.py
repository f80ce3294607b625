from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, inspect

from twin.db import make_engine, upgrade
from twin.models import Base


def test_migrations_build_the_models_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    upgrade(engine)  # idempotent
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, expected_schema()) == []
        assert context.get_current_revision() is not None
    assert "documents" in inspect(engine).get_table_names()
    engine.dispose()


def expected_schema() -> MetaData:
    """Our models, and slack_sdk's installation and OAuth state store tables (migration 0012
    creates them; the stores read and write them as they are)."""
    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots")
    SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states")
    return metadata
