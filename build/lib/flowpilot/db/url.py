"""Turning the configured database into the URLs each library wants."""

from __future__ import annotations

from flowpilot.config import Settings


def libpq_url(settings: Settings) -> str:
    """A libpq URI (psycopg, procrastinate); starts the embedded server if needed."""
    if settings.database_url:
        url = settings.database_url
        for prefix in ("postgresql+psycopg://", "postgresql+asyncpg://", "postgres://"):
            if url.startswith(prefix):
                url = "postgresql://" + url[len(prefix) :]
        return url
    from flowpilot.db.embedded import start_embedded

    return start_embedded(settings.data_dir)


def sqlalchemy_url(libpq: str) -> str:
    return "postgresql+psycopg://" + libpq.split("://", 1)[1]
