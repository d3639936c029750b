"""/api/v1/audit: the account's audit trail, for its admins.

With account administration rather than in the audit package: audit sits below auth (auth
records sign-ins and user changes), so the audit package cannot use auth's dependencies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from flowpilot.audit import service
from flowpilot.audit.schemas import AuditEventOut, AuditPage
from flowpilot.auth.deps import AdminUser
from flowpilot.db.deps import DBSession

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("", response_model=AuditPage)
async def list_audit_events(
    principal: AdminUser,
    db: DBSession,
    action: Annotated[str | None, Query(max_length=60)] = None,
    actor_id: uuid.UUID | None = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> AuditPage:
    rows, total = await service.search(
        db,
        principal.account_id,
        action=action,
        actor_id=actor_id,
        object_id=object_id,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return AuditPage(
        items=[AuditEventOut.model_validate(r) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )
