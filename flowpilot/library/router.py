from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from flowpilot.auth.deps import CurrentUser
from flowpilot.db.deps import DBSession
from flowpilot.guidance.ranking import FIT_THRESHOLD
from flowpilot.library import retrieval, service
from flowpilot.library.schemas import LibraryEntryOut, LibrarySearchHit, entry_out

router = APIRouter(prefix="/api/v1/library", tags=["library"])


@router.get("/search", response_model=list[LibrarySearchHit])
async def search_library(
    principal: CurrentUser,
    db: DBSession,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[LibrarySearchHit]:
    hits = await retrieval.search(db, principal.account_id, q, limit)
    return [
        LibrarySearchHit(
            entry=entry_out(h.entry),
            score=round(h.score, 4),
            fits=h.score >= FIT_THRESHOLD,
            matched=h.matched,
        )
        for h in hits
    ]


@router.get("/entries/{entry_id}", response_model=LibraryEntryOut)
async def get_library_entry(
    entry_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> LibraryEntryOut:
    return entry_out(await service.get_entry(db, principal.account_id, entry_id))
