"""The process's engine and session factory."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from flowpilot.db.url import sqlalchemy_url


class Database:
    def __init__(self, libpq: str, *, pool_size: int = 10, max_overflow: int = 20) -> None:
        self.libpq = libpq
        self.engine: AsyncEngine = create_async_engine(
            sqlalchemy_url(libpq),
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_pre_ping=True,
            # Errors never carry statement parameters into logs (password hashes, ciphertext).
            hide_parameters=True,
        )
        self.sessionmaker: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )

    async def dispose(self) -> None:
        await self.engine.dispose()
