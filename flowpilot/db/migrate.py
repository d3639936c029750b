"""Apply Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from flowpilot.db.url import sqlalchemy_url

# Inside the package, so an installed FlowPilot (a wheel) can migrate its database.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(libpq: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(libpq).replace("%", "%%"))
    return cfg


def upgrade_schema(libpq: str) -> None:
    command.upgrade(alembic_config(libpq), "head")


def current_revision(libpq: str) -> str | None:
    """The schema revision the database is at (None before the first migration)."""
    import psycopg

    with psycopg.connect(libpq) as conn:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except psycopg.errors.UndefinedTable:
            return None
    return str(row[0]) if row else None
