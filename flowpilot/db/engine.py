"""The process's engine and session factory."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from flowpilot.db.url import sqlalchemy_url

# A pooled connection unused for longer than this is tested before it is handed out.
IDLE_PING_SECONDS = 5.0


class Database:
    def __init__(
        self,
        libpq: str,
        *,
        pool_size: int = 10,
        max_overflow: int = 20,
        idle_ping_seconds: float = IDLE_PING_SECONDS,
    ) -> None:
        self.libpq = libpq
        self.engine: AsyncEngine = create_async_engine(
            sqlalchemy_url(libpq),
            pool_size=pool_size,
            max_overflow=max_overflow,
            # Errors never carry statement parameters into logs (password hashes, ciphertext).
            hide_parameters=True,
        )
        ping_when_idle(self.engine, idle_ping_seconds)
        self.sessionmaker: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )

    async def dispose(self) -> None:
        await self.engine.dispose()


def ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Test a pooled connection before use only when it sat idle for `idle_seconds` (a
    server restart or an idle timeout has closed it); one that was just used is handed out
    as it is. A ping on every checkout (pool_pre_ping) is a round trip in every request.
    A connection that fails its ping is replaced; a failure on one that was not pinged
    invalidates the pool's older connections (SQLAlchemy's disconnect handling)."""
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool discards this connection and checks out another (a fresh one).
            raise exc.DisconnectionError("stale pooled connection") from error
