"""/api/v1/ai-sessions: sessions, their messages and steps.

The chat turns on these paths are in conversation/router.py."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from flowpilot.audit.service import audit
from flowpilot.auth.deps import CurrentUser
from flowpilot.auth.service import Principal, display_names
from flowpilot.db.deps import DBSession
from flowpilot.integrations import service as integrations
from flowpilot.integrations.router import SecretKey
from flowpilot.sessions import search, service
from flowpilot.sessions.models import AISession, AISessionStep, SessionMessage
from flowpilot.sessions.schemas import (
    ClientNames,
    MessageOut,
    SearchMatch,
    SessionCreate,
    SessionOut,
    SessionPage,
    SessionStatus,
    SessionUpdate,
    StepOut,
    StepReportIn,
    UsageOut,
)

router = APIRouter(prefix="/api/v1/ai-sessions", tags=["sessions"])


def session_out(
    s: AISession,
    principal: Principal,
    users: dict[Any, str],
    teams: dict[Any, str],
    match: SearchMatch | None = None,
) -> SessionOut:
    return SessionOut(
        id=s.id,
        title=s.title,
        problem_summary=s.problem_summary,
        problem_domain=s.problem_domain,
        intake=s.intake,
        status=s.status,  # type: ignore[arg-type]
        status_reason=s.status_reason,
        confidence_tier=s.confidence_tier,  # type: ignore[arg-type]
        psa_connection_id=s.psa_connection_id,
        psa_ticket_id=s.psa_ticket_id,
        client=search.client_of(s.intake),
        owner_id=s.owner_id,
        owner_name=users.get(s.owner_id, ""),
        assignee_id=s.assignee_id,
        team_id=s.team_id,
        team_name=teams.get(s.team_id) if s.team_id else None,
        is_branching=s.is_branching,
        active_branch_id=s.active_branch_id,
        turn_count=s.turn_count,
        step_count=s.step_count,
        handoff_count=s.handoff_count,
        total_active_seconds=s.total_active_seconds,
        total_parked_seconds=s.total_parked_seconds,
        usage=UsageOut(
            input_tokens=s.total_input_tokens,
            output_tokens=s.total_output_tokens,
            cache_read_tokens=s.total_cache_read_tokens,
            cache_write_tokens=s.total_cache_write_tokens,
        ),
        can_write=service.can_write(principal, s),
        created_at=s.created_at,
        updated_at=s.updated_at,
        status_changed_at=s.status_changed_at,
        resolved_at=s.resolved_at,
        match=match,
    )


async def _one_out(db: DBSession, s: AISession, principal: Principal) -> SessionOut:
    users, teams = await service.names_for(db, [s])
    return session_out(s, principal, users, teams)


@router.post("", response_model=SessionOut, status_code=201)
async def create_session(
    body: SessionCreate, principal: CurrentUser, db: DBSession, key: SecretKey
) -> SessionOut:
    ticket = None
    if body.psa_ticket_id:
        ticket = await integrations.ticket_for_new_session(
            db, principal.account_id, body.psa_connection_id, body.psa_ticket_id, key
        )
    session = await service.create_session(db, principal, body, ticket)
    return await _one_out(db, session, principal)


@router.get("", response_model=SessionPage)
async def list_sessions(
    principal: CurrentUser,
    db: DBSession,
    scope: Annotated[service.Scope, Query()] = "all",
    status: Annotated[SessionStatus | None, Query()] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description='Words or "quoted phrases" (at most 8), each found anywhere in the'
            " title, problem, client, site, contact, device, ticket number or a message",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    client: Annotated[
        str | None,
        Query(max_length=200, description="The client's name or its start, any case"),
    ] = None,
    has_ticket: Annotated[
        bool | None, Query(description="Only sessions linked to a PSA ticket (or only not)")
    ] = None,
) -> SessionPage:
    found = await service.list_sessions(
        db,
        principal,
        scope=scope,
        status=status,
        q=q,
        limit=limit,
        offset=offset,
        client=client,
        has_ticket=has_ticket,
    )
    users, teams = await service.names_for(db, found.rows)
    return SessionPage(
        items=[
            session_out(s, principal, users, teams, found.matches.get(s.id)) for s in found.rows
        ],
        total=found.total,
        total_capped=found.total_capped,
        limit=limit,
        offset=offset,
        terms=found.terms,
    )


@router.get("/clients", response_model=ClientNames)
async def list_clients(
    principal: CurrentUser,
    db: DBSession,
    prefix: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ClientNames:
    """The clients of the sessions the caller may read (for the list's client filter)."""
    return ClientNames(items=await service.client_names(db, principal, prefix, limit))


@router.get("/{session_id}", response_model=SessionOut)
async def get_session(session_id: uuid.UUID, principal: CurrentUser, db: DBSession) -> SessionOut:
    session = await service.get_session(db, principal, session_id)
    await audit(db, principal, "session.read", "session", session.id)
    return await _one_out(db, session, principal)


@router.patch("/{session_id}", response_model=SessionOut)
async def update_session(
    session_id: uuid.UUID, body: SessionUpdate, principal: CurrentUser, db: DBSession
) -> SessionOut:
    session = await service.update_session(db, principal, session_id, body)
    return await _one_out(db, session, principal)


@router.get("/{session_id}/messages", response_model=list[MessageOut])
async def list_messages(
    session_id: uuid.UUID,
    principal: CurrentUser,
    db: DBSession,
    branch_id: uuid.UUID | None = None,
) -> list[MessageOut]:
    """The history of a branch (default: the active one), root first."""
    session = await service.get_session(db, principal, session_id)
    branch = await service.get_branch(db, session, branch_id)
    path = await service.message_path(db, session.id, branch.head_message_id)
    waiting = await service.unanswered_ids(db, path)
    return [message_out(m, m.id in waiting) for m in path]


def step_out(step: AISessionStep, names: dict[uuid.UUID, str]) -> StepOut:
    out = StepOut.model_validate(step)
    out.reported_by_name = names.get(step.reported_by) if step.reported_by else None
    return out


@router.get("/{session_id}/steps", response_model=list[StepOut])
async def list_steps(session_id: uuid.UUID, principal: CurrentUser, db: DBSession) -> list[StepOut]:
    session = await service.get_session(db, principal, session_id)
    rows = list(await db.scalars(service.steps_of(session).order_by(AISessionStep.step_number)))
    names = await display_names(db, [r.reported_by for r in rows])
    return [step_out(r, names) for r in rows]


@router.patch("/{session_id}/steps/{step_id}", response_model=StepOut)
async def report_step(
    session_id: uuid.UUID,
    step_id: uuid.UUID,
    body: StepReportIn,
    principal: CurrentUser,
    db: DBSession,
) -> StepOut:
    """Mark a suggestion done (with the result), skipped, not applicable, or suggested again."""
    step = await service.report_step(db, principal, session_id, step_id, body.state, body.result)
    return step_out(step, await display_names(db, [step.reported_by]))


def message_out(message: SessionMessage, awaiting: bool = False) -> MessageOut:
    out = MessageOut.model_validate(message)
    out.awaiting_reply = awaiting
    return out
