"""Library search: the starter flows plus the caller's account's own articles."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, Text, cast, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.ai.base import Reference
from flowpilot.errors import NotFound
from flowpilot.library.models import LibraryEntry


def readable_entries(account_id: uuid.UUID) -> Select[LibraryEntry]:
    return select(LibraryEntry).where(
        or_(LibraryEntry.account_id.is_(None), LibraryEntry.account_id == account_id)
    )


@dataclass
class SearchHit:
    entry: LibraryEntry
    score: float


async def search(
    db: AsyncSession, account_id: uuid.UUID, text: str, limit: int = 5
) -> list[SearchHit]:
    text = text.strip()[:2000]
    if not text:
        return []
    # plainto_tsquery ANDs every word; a problem description needs OR semantics, ranked.
    english: Any = literal_column("'english'::regconfig")
    any_word = func.replace(cast(func.plainto_tsquery(english, text), Text), "&", "|")
    query = func.to_tsquery(english, any_word)
    score = func.ts_rank_cd(LibraryEntry.search, query, 1).label("score")
    rows = await db.execute(
        readable_entries(account_id)
        .add_columns(score)
        .where(LibraryEntry.search.op("@@")(query))
        .order_by(score.desc(), LibraryEntry.slug)
        .limit(limit)
    )
    return [SearchHit(entry, float(s)) for entry, s in rows]


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


def as_reference(entry: LibraryEntry, score: float) -> Reference:
    return Reference(
        slug=entry.slug,
        title=entry.title,
        domain=entry.domain,
        score=score,
        steps=entry.steps,
        summary=entry.summary,
    )
