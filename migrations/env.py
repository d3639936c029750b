"""Alembic environment: synchronous psycopg, URL handed in by flowpilot.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from flowpilot.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "flowpilot.db.migrate sets sqlalchemy.url"
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
