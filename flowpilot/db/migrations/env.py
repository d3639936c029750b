"""Alembic environment: synchronous psycopg, URL handed in by flowpilot.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from flowpilot.models import Base

config = context.config
target_metadata = Base.metadata


def _ours(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    """procrastinate's tables (and the record of their version) are managed by its own schema
    SQL (flowpilot/jobs/schema.py), not by autogenerate."""
    return not (name or "").startswith(("procrastinate", "flowpilot_job_schema"))


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "flowpilot.db.migrate sets sqlalchemy.url"
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            include_object=_ours,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
