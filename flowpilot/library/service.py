"""Library search: the starter flows plus the caller's account's own articles."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.errors import NotFound
from flowpilot.library.models import LibraryEntry


def readable_entries(account_id: uuid.UUID) -> Select[LibraryEntry]:
    return select(LibraryEntry).where(
        or_(LibraryEntry.account_id.is_(None), LibraryEntry.account_id == account_id)
    )


@dataclass
class SearchHit:
    entry: LibraryEntry
    score: float  # match confidence, 0..1
    matched: list[str]


async def search(
    db: AsyncSession, account_id: uuid.UUID, text: str, limit: int = 5, *, fits_only: bool = False
) -> list[SearchHit]:
    """The library ranked against a text the way a chat turn ranks it (same confidence)."""
    from flowpilot.library.retrieval import rank_text

    matches = await rank_text(db, account_id, text, limit)
    if fits_only:
        matches = [m for m in matches if m.fits]
    if not matches:
        return []
    ids = [uuid.UUID(m.doc.key) for m in matches]
    entries = {
        e.id: e
        for e in await db.scalars(readable_entries(account_id).where(LibraryEntry.id.in_(ids)))
    }
    return [
        SearchHit(entries[uuid.UUID(m.doc.key)], m.confidence, m.matched)
        for m in matches
        if uuid.UUID(m.doc.key) in entries
    ]


async def get_entry(db: AsyncSession, account_id: uuid.UUID, entry_id: uuid.UUID) -> LibraryEntry:
    entry = await db.scalar(readable_entries(account_id).where(LibraryEntry.id == entry_id))
    if entry is None:
        raise NotFound("Library entry not found")
    return entry


async def get_by_slug(db: AsyncSession, account_id: uuid.UUID, slug: str) -> LibraryEntry | None:
    return await db.scalar(
        readable_entries(account_id)
        .where(LibraryEntry.slug == slug)
        .order_by(LibraryEntry.account_id.is_(None))  # the account's own version first
        .limit(1)
    )
