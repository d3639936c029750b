"""The library a caller can read: the starter flows plus their account's own entries."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.errors import NotFound
from flowpilot.library.models import LibraryEntry


def readable_entries(account_id: uuid.UUID) -> Select[LibraryEntry]:
    return select(LibraryEntry).where(
        or_(LibraryEntry.account_id.is_(None), LibraryEntry.account_id == account_id)
    )


async def get_entry(db: AsyncSession, account_id: uuid.UUID, entry_id: uuid.UUID) -> LibraryEntry:
    entry = await db.scalar(readable_entries(account_id).where(LibraryEntry.id == entry_id))
    if entry is None:
        raise NotFound("Library entry not found")
    return entry
