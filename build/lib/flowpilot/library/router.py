"""/api/v1/library: search, and the account's own playbooks (leads and admins write)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from flowpilot.auth.deps import CurrentUser
from flowpilot.auth.service import display_names
from flowpilot.db.deps import DBSession
from flowpilot.guidance.ranking import FIT_THRESHOLD
from flowpilot.library import retrieval, service
from flowpilot.library.markdown import to_markdown
from flowpilot.library.models import LibraryEntry, LibraryEntryVersion
from flowpilot.library.schemas import (
    LibraryEntryOut,
    LibrarySearchHit,
    PlaybookCreate,
    PlaybookDetail,
    PlaybookGuide,
    PlaybookImport,
    PlaybookPage,
    PlaybookSummary,
    PlaybookUpdate,
    PlaybookVersionDetail,
    PlaybookVersionOut,
    entry_out,
)

router = APIRouter(prefix="/api/v1/library", tags=["library"])


def summary_out(entry: LibraryEntry, own_slugs: set[str]) -> PlaybookSummary:
    starter = entry.account_id is None
    return PlaybookSummary(
        id=entry.id,
        slug=entry.slug,
        title=entry.title,
        domain=entry.domain,
        summary=entry.summary,
        kind=entry.kind,
        scope="starter" if starter else "account",
        status=entry.status,  # type: ignore[arg-type]
        version=entry.version,
        updated_at=entry.updated_at,
        replaced_by_own=starter and entry.slug in own_slugs,
    )


def detail_out(entry: LibraryEntry, own_slugs: set[str]) -> PlaybookDetail:
    guide = retrieval.guide_of(entry)
    return PlaybookDetail(
        **summary_out(entry, own_slugs).model_dump(),
        guide=PlaybookGuide.model_validate(guide),
        markdown=to_markdown(guide),
    )


def version_out(row: LibraryEntryVersion, names: dict[uuid.UUID, str]) -> PlaybookVersionOut:
    return PlaybookVersionOut(
        version=row.version,
        title=row.title,
        status=row.status,
        note=row.note,
        created_at=row.created_at,
        created_by=row.created_by,
        created_by_name=names.get(row.created_by) if row.created_by else None,
    )


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


@router.get("/playbooks", response_model=PlaybookPage)
async def list_playbooks(
    principal: CurrentUser,
    db: DBSession,
    scope: service.Scope = "all",
    status: Literal["active", "retired", "all"] = "active",
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> PlaybookPage:
    rows, total = await service.list_playbooks(
        db, principal.account_id, scope=scope, status=status, limit=limit, offset=offset
    )
    own = await service.own_active_slugs(db, principal.account_id)
    return PlaybookPage(
        items=[summary_out(e, own) for e in rows], total=total, limit=limit, offset=offset
    )


@router.post("/playbooks", response_model=PlaybookDetail, status_code=201)
async def create_playbook(
    body: PlaybookCreate, principal: CurrentUser, db: DBSession
) -> PlaybookDetail:
    entry = await service.create_playbook(db, principal, body.guide, body.note or "Created")
    return detail_out(entry, {entry.slug})


@router.post("/playbooks/import", response_model=PlaybookDetail, status_code=201)
async def import_playbook(
    body: PlaybookImport, principal: CurrentUser, db: DBSession
) -> PlaybookDetail:
    service.require_author(principal)
    guide = service.parse_source(body.format, body.content)
    entry = await service.create_playbook(
        db, principal, guide, body.note or f"Imported from {body.format}"
    )
    return detail_out(entry, {entry.slug})


@router.get("/playbooks/{entry_id}", response_model=PlaybookDetail)
async def get_playbook(
    entry_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> PlaybookDetail:
    entry = await service.get_entry(db, principal.account_id, entry_id)
    return detail_out(entry, await service.own_active_slugs(db, principal.account_id))


@router.patch("/playbooks/{entry_id}", response_model=PlaybookDetail)
async def update_playbook(
    entry_id: uuid.UUID, body: PlaybookUpdate, principal: CurrentUser, db: DBSession
) -> PlaybookDetail:
    entry = await service.update_playbook(db, principal, entry_id, body)
    return detail_out(entry, {entry.slug})


@router.post("/playbooks/{entry_id}/copy", response_model=PlaybookDetail, status_code=201)
async def copy_playbook(
    entry_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> PlaybookDetail:
    entry = await service.copy_starter(db, principal, entry_id)
    return detail_out(entry, {entry.slug})


@router.post("/playbooks/{entry_id}/retire", response_model=PlaybookDetail)
async def retire_playbook(
    entry_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> PlaybookDetail:
    entry = await service.set_status(db, principal, entry_id, "retired")
    return detail_out(entry, set())


@router.post("/playbooks/{entry_id}/restore", response_model=PlaybookDetail)
async def restore_playbook(
    entry_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> PlaybookDetail:
    entry = await service.set_status(db, principal, entry_id, "active")
    return detail_out(entry, {entry.slug})


@router.get("/playbooks/{entry_id}/versions", response_model=list[PlaybookVersionOut])
async def list_versions(
    entry_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> list[PlaybookVersionOut]:
    rows = await service.versions(db, principal.account_id, entry_id)
    names = await display_names(db, [r.created_by for r in rows])
    return [version_out(r, names) for r in rows]


@router.get("/playbooks/{entry_id}/versions/{version}", response_model=PlaybookVersionDetail)
async def get_version(
    entry_id: uuid.UUID, version: int, principal: CurrentUser, db: DBSession
) -> PlaybookVersionDetail:
    row = await service.get_version(db, principal.account_id, entry_id, version)
    names = await display_names(db, [row.created_by])
    return PlaybookVersionDetail(
        **version_out(row, names).model_dump(),
        guide=PlaybookGuide.model_validate(row.guide),
        markdown=to_markdown(row.guide),
    )
