"""The job queue's schema moves forward with FlowPilot's migrations: a database whose
procrastinate schema is an older release's, upgraded by `upgrade_job_schema`, ends with exactly
the tables, columns, functions, types, indexes and triggers of a fresh schema of the pinned
release."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from procrastinate.schema import SchemaManager

from flowpilot.jobs.schema import (
    VERSION_TABLE,
    installed_version,
    migrations_between,
    recorded_version,
    upgrade_job_schema,
)
from tests.conftest import _admin_uri, _database_uri

OLD_RELEASE = "3.0.0"
OLD_SCHEMA = Path(__file__).parents[1] / "fixtures" / "procrastinate-3.0.0-schema.sql"

CATALOG = {
    "columns": """SELECT table_name, column_name, data_type, is_nullable, column_default
        FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name LIKE 'procrastinate%'""",
    "functions": """SELECT p.proname, pg_get_function_identity_arguments(p.oid),
            pg_get_functiondef(p.oid)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.proname LIKE 'procrastinate%'""",
    "enums": """SELECT t.typname, e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
        WHERE t.typname LIKE 'procrastinate%'""",
    "indexes": """SELECT indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' AND tablename LIKE 'procrastinate%'""",
    "triggers": """SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger
        WHERE NOT tgisinternal AND tgname LIKE 'procrastinate%'""",
}


# procrastinate rewrote two trigger functions in schema.sql (json_object(k: v), PostgreSQL 16
# syntax → json_build_object(k, v)) without a migration: the same payload, so it is not a
# difference the upgrade must make.
SAME_PAYLOAD = [
    (
        f"json_object('type': '{kind}', 'job_id': NEW.id)",
        f"json_build_object('type', '{kind}', 'job_id', NEW.id)",
    )
    for kind in ("job_inserted", "abort_job_requested")
]


def _normalised(row: tuple[object, ...]) -> tuple[object, ...]:
    text = str(row[-1])
    for old, new in SAME_PAYLOAD:
        text = text.replace(old, new)
    return (*row[:-1], text)


def _catalog(conn: psycopg.Connection) -> dict[str, set[tuple[object, ...]]]:
    return {
        kind: {
            _normalised(row) if kind == "functions" else row
            for row in conn.execute(query).fetchall()
        }
        for kind, query in CATALOG.items()
    }


@pytest.fixture
def scratch(worker_id: str) -> Iterator[psycopg.Connection]:
    """An empty database of its own (dropped afterwards)."""
    admin = _admin_uri()
    name = f"flowpilot_jobschema_{worker_id}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(_database_uri(admin, name), autocommit=True) as conn:
            yield conn
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_an_older_job_schema_upgrades_to_the_pinned_release(
    scratch: psycopg.Connection, worker_database_uri: str
) -> None:
    scratch.execute(OLD_SCHEMA.read_text())
    scratch.execute(f"CREATE TABLE {VERSION_TABLE} (version text NOT NULL)")
    scratch.execute(f"INSERT INTO {VERSION_TABLE} VALUES ('{OLD_RELEASE}')")
    before = _catalog(scratch)

    ran = upgrade_job_schema(scratch)

    assert ran and recorded_version(scratch) == installed_version()
    upgraded = _catalog(scratch)
    assert upgraded != before  # the old release's schema really was different
    # The migrated test database was created from the pinned release's schema.sql.
    with psycopg.connect(worker_database_uri) as fresh:
        assert recorded_version(fresh) == installed_version()
        assert upgraded == _catalog(fresh)


def test_migrations_run_in_release_order_pre_before_post() -> None:
    names = [p.name for p in migrations_between("2.15.0", "3.1.0")]
    assert names[:2] == [
        "03.00.00_01_pre_cancel_notification.sql",
        "03.00.00_50_post_cancel_notification.sql",
    ]
    assert all(n.startswith(("03.00.", "03.01.")) for n in names)
    assert migrations_between(installed_version(), installed_version()) == []


def test_the_pinned_schema_is_what_procrastinate_installs() -> None:
    assert "procrastinate_jobs" in SchemaManager.get_schema()
