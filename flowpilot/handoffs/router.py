"""Handoff routes: /ai-sessions/queue, /ai-sessions/{id}/handoff(s)…"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request

from flowpilot.audit.service import audit
from flowpilot.auth.deps import CurrentUser
from flowpilot.auth.service import display_names, team_names
from flowpilot.db.deps import DBSession
from flowpilot.handoffs import service
from flowpilot.handoffs.models import SessionHandoff
from flowpilot.handoffs.schemas import (
    Assessment,
    Assigned,
    HandoffBriefingResponse,
    HandoffCreateRequest,
    HandoffPreview,
    HandoffPreviewRequest,
    HandoffResponse,
    Intent,
    Priority,
    QueueItemResponse,
    QueuePage,
    SessionTimeResponse,
)
from flowpilot.sessions import service as sessions

queue_router = APIRouter(prefix="/api/v1/ai-sessions", tags=["handoffs"])
router = APIRouter(prefix="/api/v1/ai-sessions/{session_id}", tags=["handoffs"])


async def handoff_out(
    db: DBSession, h: SessionHandoff, names: dict[uuid.UUID, str] | None = None
) -> HandoffResponse:
    if names is None:
        names = await display_names(db, {h.handed_off_by, h.claimed_by, h.assignee_id})
    out = HandoffResponse.model_validate(h)
    out.handed_off_by_name = names.get(h.handed_off_by, "") if h.handed_off_by else ""
    out.claimed_by_name = names.get(h.claimed_by, "") if h.claimed_by else ""
    out.assignee_name = names.get(h.assignee_id, "") if h.assignee_id else ""
    return out


@queue_router.get("/queue", response_model=QueuePage)
async def get_queue(
    principal: CurrentUser,
    db: DBSession,
    intent: Intent | None = None,
    priority: Priority | None = None,
    domain: Annotated[str | None, Query(max_length=120)] = None,
    engineer: uuid.UUID | None = None,
    assigned: Annotated[
        Assigned | None,
        Query(
            description="me: named for you; unassigned: named for nobody; anyone (the "
            "default): either"
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> QueuePage:
    rows, total, more = await service.queue(
        db,
        principal,
        intent=intent,
        priority=priority,
        domain=domain,
        engineer=engineer,
        assigned=assigned,
        limit=limit,
        offset=offset,
    )
    names = await display_names(db, {u for h, _ in rows for u in (h.handed_off_by, h.assignee_id)})
    counts = await service.branch_counts(db, [s.id for _, s in rows])
    teams = await team_names(db, {h.target_team_id or s.team_id for h, s in rows})
    now = datetime.now(UTC)
    items = [
        QueueItemResponse(
            handoff_id=h.id,
            session_id=s.id,
            title=s.title,
            intent=h.intent,  # type: ignore[arg-type]
            problem_summary=s.problem_summary,
            problem_domain=s.problem_domain,
            priority=h.priority,  # type: ignore[arg-type]
            handed_off_by=h.handed_off_by,
            handed_off_by_name=names.get(h.handed_off_by) if h.handed_off_by else None,
            engineer_notes=h.engineer_notes,
            waiting_on=h.waiting_on,
            target_team_name=teams.get(h.target_team_id or s.team_id),  # type: ignore[arg-type]
            branch_count=counts.get(s.id, 0),
            waiting_seconds=max(0, int((now - h.created_at).total_seconds())),
            created_at=h.created_at,
            due_at=h.due_at,
            overdue=h.due_at is not None and h.due_at <= now,
            assignee_id=h.assignee_id,
            assignee_name=names.get(h.assignee_id) if h.assignee_id else None,
        )
        for h, s in rows
    ]
    return QueuePage(items=items, total=total, total_capped=more, limit=limit, offset=offset)


@router.post("/handoff/preview", response_model=HandoffPreview)
async def preview_handoff(
    session_id: uuid.UUID,
    body: HandoffPreviewRequest,
    request: Request,
    principal: CurrentUser,
    db: DBSession,
) -> HandoffPreview:
    snapshot, data, text = await service.preview(
        db,
        principal,
        request.app.state.provider,
        session_id,
        body.intent,
        body.waiting_on,
        body.engineer_notes,
    )
    return HandoffPreview(
        snapshot=snapshot, assessment=Assessment(**data) if data else None, ai_assessment=text
    )


@router.post("/handoff", response_model=HandoffResponse, status_code=201)
async def create_handoff(
    session_id: uuid.UUID,
    body: HandoffCreateRequest,
    request: Request,
    principal: CurrentUser,
    db: DBSession,
) -> HandoffResponse:
    handoff = await service.create_handoff(
        db, principal, request.app.state.provider, session_id, body
    )
    if handoff.assignee_id is not None:
        await audit(db, principal, "handoff.assign", "handoff", handoff.id,
                    session_id=str(session_id), assignee_id=str(handoff.assignee_id))  # fmt: skip
    return await handoff_out(db, handoff)


@router.get("/handoffs", response_model=list[HandoffResponse])
async def list_handoffs(
    session_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> list[HandoffResponse]:
    session = await sessions.get_session(db, principal, session_id)
    rows = list(
        await db.scalars(service.handoffs_of(session).order_by(SessionHandoff.created_at.desc()))
    )
    # One name lookup for the whole history, not one per handoff.
    names = await display_names(
        db, {u for h in rows for u in (h.handed_off_by, h.claimed_by, h.assignee_id)}
    )
    return [await handoff_out(db, h, names) for h in rows]


@router.post("/handoffs/{handoff_id}/claim", response_model=HandoffResponse)
async def claim_handoff(
    session_id: uuid.UUID, handoff_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> HandoffResponse:
    _, handoff = await service.claim(db, principal, session_id, handoff_id)
    # A claim of a handoff named for someone else (covering for them) records who that was.
    covering = handoff.assignee_id not in (None, principal.user_id)
    await audit(db, principal, "handoff.claim", "handoff", handoff.id,
                session_id=str(session_id), note=handoff.claim_note or "",
                **({"assignee_id": str(handoff.assignee_id)} if covering else {}))  # fmt: skip
    return await handoff_out(db, handoff)


@router.get("/handoffs/{handoff_id}/briefing", response_model=HandoffBriefingResponse)
async def get_briefing(
    session_id: uuid.UUID,
    handoff_id: uuid.UUID,
    request: Request,
    principal: CurrentUser,
    db: DBSession,
    regenerate: bool = False,
) -> HandoffBriefingResponse:
    handoff = await service.briefing(
        db, principal, request.app.state.provider, session_id, handoff_id, regenerate
    )
    return HandoffBriefingResponse(
        briefing=handoff.briefing or "",
        generated_at=handoff.briefing_generated_at,
        handoff=await handoff_out(db, handoff),
    )


@router.get("/time", response_model=SessionTimeResponse)
async def session_time(
    session_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> SessionTimeResponse:
    """Time on the session, live: stored totals plus the interval running now."""
    return await service.time_on_session(db, principal, session_id)
