"""A turn reads the tail of its path (the newest messages guidance reads in full) by version:
rows it read before and nobody changed since come from memory, a changed one (a job enriched
its metadata) is read again."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
from sqlalchemy import Engine, event, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flowpilot.sessions import history
from flowpilot.sessions.models import SessionMessage
from tests.api.test_history_budget import read_branch_history, seed, start


@contextlib.contextmanager
def rows_read() -> Iterator[list[list[Any]]]:
    """The ids each statement that reads tail rows in full asked for, in order."""
    reads: list[list[Any]] = []

    def count(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if "content, meta, xmin" in statement:
            reads.append(parameters["ids"])

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield reads
    finally:
        event.remove(Engine, "before_cursor_execute", count)


async def rewrite(maker: async_sessionmaker[AsyncSession], message_id: Any, **values: Any) -> None:
    """Change a stored message as a job or an edit would (a new row version)."""
    async with maker() as db:
        await db.execute(
            update(SessionMessage).where(SessionMessage.id == message_id).values(**values)
        )
        await db.commit()


async def test_unchanged_rows_come_from_memory_and_a_changed_one_is_read_again(
    client: httpx.AsyncClient, make_tenant: Any, maker: async_sessionmaker[AsyncSession]
) -> None:
    tenant = await make_tenant()
    sid = await start(client, tenant)
    await seed(maker, sid, 60)

    async def tail() -> list[history.PathRow]:
        return (await read_branch_history(maker, sid)).tail

    with rows_read() as reads:
        first = await tail()
        assert len(reads) == 1 and len(reads[0]) == len(first) > history.CHUNK
        reads.clear()
        again = await tail()
        assert reads == [] and again == first
        enriched = first[-2]
        await rewrite(maker, enriched.id, meta={"evidence": {"codes": ["0x80070005"]}})
        reads.clear()
        after = await tail()
    assert reads == [[enriched.id]]
    assert after[-2].meta == {"evidence": {"codes": ["0x80070005"]}}
    assert [r.id for r in after] == [r.id for r in first]
    assert after[:-2] == first[:-2] and after[-1] == first[-1]


async def test_a_very_long_message_is_read_each_time_not_kept(
    client: httpx.AsyncClient, make_tenant: Any, maker: async_sessionmaker[AsyncSession]
) -> None:
    tenant = await make_tenant()
    sid = await start(client, tenant)
    await seed(maker, sid, 10)
    first = (await read_branch_history(maker, sid)).tail
    pasted = first[-3]
    await rewrite(maker, pasted.id, content="Event log line\n" * (history.ROW_CHARS_KEPT // 10))
    with rows_read() as reads:
        await read_branch_history(maker, sid)
        await read_branch_history(maker, sid)
    assert reads == [[pasted.id], [pasted.id]]  # changed, then not kept: read again
