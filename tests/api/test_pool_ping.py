"""Pooled connections are tested before use only after sitting idle: a connection the server
closed meanwhile is replaced without the request noticing, and a connection just used is
handed out without a round trip."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from flowpilot.db.engine import Database


async def _backend_pid(db: Database) -> int:
    async with db.engine.connect() as conn:
        pid = await conn.scalar(text("SELECT pg_backend_pid()"))
    assert isinstance(pid, int)
    return pid


def _terminate(uri: str, pid: int) -> None:
    with psycopg.connect(uri, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


@contextlib.asynccontextmanager
async def _pool(
    uri: str, idle_ping_seconds: float, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Database, list[int]]]:
    """A one-connection pool, and the pings its checkouts send."""
    db = Database(uri, pool_size=1, max_overflow=0, idle_ping_seconds=idle_ping_seconds)
    dialect = db.engine.sync_engine.dialect
    pings: list[int] = []
    real = dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    try:
        yield db, pings
    finally:
        await db.dispose()


async def test_an_idle_connection_closed_by_the_server_is_replaced(
    worker_database_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _pool(worker_database_uri, 0.0, monkeypatch) as (db, pings):
        first = await _backend_pid(db)
        _terminate(worker_database_uri, first)
        second = await _backend_pid(db)  # no error: the dead connection failed its ping
        assert second != first
        assert len(pings) == 1


async def test_a_connection_just_used_is_not_pinged(
    worker_database_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _pool(worker_database_uri, 3600.0, monkeypatch) as (db, pings):
        first = await _backend_pid(db)
        assert await _backend_pid(db) == first  # the same pooled connection, reused
        assert pings == []
