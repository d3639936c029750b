"""/api/v1/ai-sessions: sessions, their messages and the streamed chat."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from flowpilot.ai.base import Usage
from flowpilot.audit.service import audit
from flowpilot.auth.deps import CurrentUser
from flowpilot.auth.service import Principal, display_names
from flowpilot.budgets import service as budgets
from flowpilot.db.deps import DBSession
from flowpilot.errors import ProviderFailed, UnprocessableInput
from flowpilot.integrations import service as integrations
from flowpilot.integrations.router import SecretKey
from flowpilot.sessions import chat, search, service
from flowpilot.sessions.models import AISession, AISessionStep, SessionMessage
from flowpilot.sessions.schemas import (
    ClientNames,
    MessageCreate,
    MessageEdit,
    MessageOut,
    SearchMatch,
    SessionCreate,
    SessionOut,
    SessionPage,
    SessionStatus,
    SessionUpdate,
    StepOut,
    StepReportIn,
    TurnResult,
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


SSE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "model": TurnResult,
        "description": "text/event-stream (default): events `message`, `delta`*, then `done` or "
        "`error`. With `Accept: application/json`, one TurnResult.",
        "content": {"text/event-stream": {}},
    }
}


@router.post("/{session_id}/messages", responses=SSE_RESPONSES, response_model=None)
async def send_message(
    session_id: uuid.UUID,
    body: MessageCreate,
    request: Request,
    principal: CurrentUser,
    db: DBSession,
) -> StreamingResponse | JSONResponse:
    # A used-up budget that blocks refuses the turn before anything is written (402).
    await budgets.check_turn(db, principal, request.app.state.provider)
    turn, message = await chat.append_user_message(
        db,
        principal,
        session_id,
        body.content,
        upload_ids=body.upload_ids,
        model_evidence=chat.model_reads_evidence(request.app.state.provider),
    )
    # The user's message is durable before the provider is called.
    await db.commit()
    return await respond_with_turn(request, turn, message_out(message, awaiting=True))


@router.post(
    "/{session_id}/messages/{message_id}/retry", responses=SSE_RESPONSES, response_model=None
)
async def retry_message(
    session_id: uuid.UUID,
    message_id: uuid.UUID,
    request: Request,
    principal: CurrentUser,
    db: DBSession,
) -> StreamingResponse | JSONResponse:
    await budgets.check_turn(db, principal, request.app.state.provider)
    turn = await chat.turn_for_retry(db, principal, session_id, message_id)
    message = await db.get(SessionMessage, turn.user_message_id)
    assert message is not None
    await db.commit()
    return await respond_with_turn(request, turn, message_out(message, awaiting=True))


@router.post(
    "/{session_id}/messages/{message_id}/edit", responses=SSE_RESPONSES, response_model=None
)
async def edit_message(
    session_id: uuid.UUID,
    message_id: uuid.UUID,
    body: MessageEdit,
    request: Request,
    principal: CurrentUser,
    db: DBSession,
) -> StreamingResponse | JSONResponse:
    """Edit-and-resend one of your messages on the active branch: a new branch (made active)
    forks where the message was sent and carries the edited text, answered like any message.
    The original and everything after it stay on their branch."""
    if not body.content.strip():
        raise UnprocessableInput("Write the edited message", code="empty_message")
    await budgets.check_turn(db, principal, request.app.state.provider)
    turn, message = await chat.edit_turn(
        db,
        principal,
        session_id,
        message_id,
        body.content,
        model_evidence=chat.model_reads_evidence(request.app.state.provider),
    )
    # The branch and the edited message are durable before the provider is called.
    await db.commit()
    return await respond_with_turn(request, turn, message_out(message, awaiting=True))


@router.post(
    "/{session_id}/messages/{message_id}/regenerate", responses=SSE_RESPONSES, response_model=None
)
async def regenerate_message(
    session_id: uuid.UUID,
    message_id: uuid.UUID,
    request: Request,
    principal: CurrentUser,
    db: DBSession,
) -> StreamingResponse | JSONResponse:
    """Another answer to the question an answer on the active branch replies to: a new branch
    (made active) from that question; the earlier answer stays on its branch."""
    await budgets.check_turn(db, principal, request.app.state.provider)
    turn, asked = await chat.regenerate_turn(db, principal, session_id, message_id)
    await db.commit()
    return await respond_with_turn(request, turn, message_out(asked, awaiting=True))


@router.post("/{session_id}/messages/{message_id}/stop", status_code=202)
async def stop_message(
    session_id: uuid.UUID, message_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> dict[str, bool]:
    """Ask the turn answering this message to stop; the text so far is kept."""
    await chat.request_stop(db, principal, session_id, message_id)
    return {"stop_requested": True}


def _runner(request: Request) -> chat.ChatRunner:
    return chat.ChatRunner(
        request.app.state.sessionmaker,
        request.app.state.provider,
        request.app.state.settings,
        request.app.state.storage,
    )


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/event-stream" not in accept


async def respond_with_turn(
    request: Request, turn: chat.Turn, user_message: MessageOut
) -> StreamingResponse | JSONResponse:
    events = chat.start_detached(_runner(request), turn)
    if _wants_json(request):
        return await _collect(events, user_message)
    return StreamingResponse(
        _sse(user_message, events),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _jsonable(data: Any) -> Any:
    if isinstance(data, SessionMessage):
        return message_out(data).model_dump(mode="json")
    if isinstance(data, AISessionStep):
        return StepOut.model_validate(data).model_dump(mode="json")
    if isinstance(data, Usage):
        return UsageOut(**data.__dict__).model_dump()
    if isinstance(data, uuid.UUID):
        return str(data)
    if isinstance(data, dict):
        return {k: _jsonable(v) for k, v in data.items()}
    return data


def _frame(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(_jsonable(data))}\n\n".encode()


async def _sse(
    user_message: MessageOut, events: AsyncIterator[dict[str, Any]]
) -> AsyncIterator[bytes]:
    yield _frame("message", {"user_message": user_message.model_dump(mode="json")})
    async for item in events:
        yield _frame(item["event"], item["data"])


async def _collect(events: AsyncIterator[dict[str, Any]], user_message: MessageOut) -> JSONResponse:
    async for item in events:
        if item["event"] == "error":
            data = item["data"]
            raise ProviderFailed(
                data["detail"],
                code=data["code"],
                retryable=data["retryable"],
                user_message_id=str(data["user_message_id"]),
            )
        if item["event"] == "done":
            data = item["data"]
            user_message.awaiting_reply = False
            result = TurnResult(
                user_message=user_message,
                assistant_message=message_out(data["assistant_message"]),
                step=StepOut.model_validate(data["step"]),
                usage=UsageOut(**data["usage"].__dict__),
            )
            return JSONResponse(result.model_dump(mode="json"))
    raise ProviderFailed("The reply ended without a result", code="provider_error")
