"""Alembic migrations for the ceo-twin database (SQLite and PostgreSQL)."""
