"""The request's database session: one transaction, committed once when the route succeeds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return maker


async def get_db_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with get_sessionmaker(request)() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


# scope="function": commit before the response is sent, so a client never sees a 2xx for
# data that is not committed yet (and a failed commit becomes an error response).
DBSession = Annotated[AsyncSession, Depends(get_db_session, scope="function")]
Sessionmaker = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]


async def end_reads(db: AsyncSession) -> None:
    """Close the request's read-only transaction before a slow call (a model): no connection
    or row lock is held while it runs. Only reads may come before it; writes come after, in
    the transaction the next statement opens (committed once, at the end, as usual)."""
    if db.new or db.dirty or db.deleted:
        raise RuntimeError("end_reads() after a write: the write would be committed early")
    await db.commit()
