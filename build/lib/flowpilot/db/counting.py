"""Counting a list's matches without reading every one of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

# A list shows "1,000+" past this: counting 20,000 queued handoffs or every session that
# mentions "printer" exactly would read them all on each page view.
COUNT_CAP = 1000


async def capped_count(db: AsyncSession, query: Any, cap: int | None = None) -> tuple[int, bool]:
    """(matches of a Select up to `cap` (COUNT_CAP), whether there are more)."""
    cap = cap or COUNT_CAP
    found = await db.scalar(select(func.count()).select_from(query.limit(cap + 1).subquery()))
    found = int(found or 0)
    return min(found, cap), found > cap
