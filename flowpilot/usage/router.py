"""GET /api/v1/usage (what the AI cost, grouped) and a session's own cost."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from flowpilot.auth.deps import CurrentUser
from flowpilot.db.deps import DBSession
from flowpilot.errors import UnprocessableInput
from flowpilot.sessions import service as sessions
from flowpilot.usage import service
from flowpilot.usage.schemas import GroupBy, UsageReport

router = APIRouter(prefix="/api/v1", tags=["usage"])


@router.get("/usage", response_model=UsageReport)
async def get_usage(
    principal: CurrentUser,
    db: DBSession,
    group_by: GroupBy = "engineer",
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
) -> UsageReport:
    if from_ is not None and to is not None and to <= from_:
        raise UnprocessableInput("'to' must be after 'from'")
    return await service.report(db, principal, group_by, start=from_, end=to)


@router.get("/ai-sessions/{session_id}/usage", response_model=UsageReport)
async def get_session_usage(
    session_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> UsageReport:
    session = await sessions.get_session(db, principal, session_id)
    return await service.report(db, principal, "model", session_id=session.id)
