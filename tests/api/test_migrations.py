"""The migrations produce exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from flowpilot.db.url import sqlalchemy_url
from flowpilot.jobs.schema import VERSION_TABLE
from flowpilot.models import Base


def test_models_match_migrations(worker_database_uri: str) -> None:
    engine = create_engine(sqlalchemy_url(worker_database_uri))
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    # The job queue's tables are procrastinate's (and the version of them).
                    "include_object": lambda o, n, t, r, c: (
                        not (n or "").startswith(("procrastinate", VERSION_TABLE))
                    ),
                },
            )
            assert compare_metadata(ctx, Base.metadata) == []
    finally:
        engine.dispose()
