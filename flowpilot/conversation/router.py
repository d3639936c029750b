"""The chat turns: a message sent, retried, edited or regenerated, streamed as server-sent
events (or one JSON result), and Stop. The user's message is committed before the model is
called."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot import telemetry
from flowpilot.ai.base import Usage
from flowpilot.auth.deps import CurrentUser
from flowpilot.auth.service import Principal
from flowpilot.branching.schemas import BranchMessageRequest
from flowpilot.budgets import service as budgets
from flowpilot.conversation import chat
from flowpilot.conversation.account_facts import read_account_facts
from flowpilot.db.deps import DBSession
from flowpilot.errors import ProviderFailed, UnprocessableInput
from flowpilot.sessions.models import AISessionStep, SessionMessage
from flowpilot.sessions.router import message_out
from flowpilot.sessions.schemas import (
    MessageCreate,
    MessageEdit,
    MessageOut,
    StepOut,
    TurnResult,
    UsageOut,
)

router = APIRouter(prefix="/api/v1/ai-sessions", tags=["sessions"])
branch_router = APIRouter(prefix="/api/v1/ai-sessions/{session_id}/branches", tags=["branches"])


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
) -> StreamingResponse | Response:
    return await _send(request, principal, db, session_id, None, body.content, body.upload_ids)


@router.post(
    "/{session_id}/messages/{message_id}/retry", responses=SSE_RESPONSES, response_model=None
)
async def retry_message(
    session_id: uuid.UUID,
    message_id: uuid.UUID,
    request: Request,
    principal: CurrentUser,
    db: DBSession,
) -> StreamingResponse | Response:
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
) -> StreamingResponse | Response:
    """Edit-and-resend one of your messages on the active branch: a new branch (made active)
    forks where the message was sent and carries the edited text, answered like any message.
    The original and everything after it stay on their branch."""
    if not body.content.strip():
        raise UnprocessableInput("Write the edited message", code="empty_message")
    return await _save_and_answer(
        request,
        principal,
        db,
        functools.partial(
            chat.edit_turn,
            db,
            principal,
            session_id,
            message_id,
            body.content,
        ),
    )


@router.post(
    "/{session_id}/messages/{message_id}/regenerate", responses=SSE_RESPONSES, response_model=None
)
async def regenerate_message(
    session_id: uuid.UUID,
    message_id: uuid.UUID,
    request: Request,
    principal: CurrentUser,
    db: DBSession,
) -> StreamingResponse | Response:
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
    request: Request,
    turn: chat.Turn,
    user_message: MessageOut,
    runner: chat.ChatRunner | None = None,
    prepared: chat.Prepared | None = None,
) -> StreamingResponse | Response:
    events = chat.start_detached(runner or _runner(request), turn, prepared)
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


async def _collect(events: AsyncIterator[dict[str, Any]], user_message: MessageOut) -> Response:
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
            # Serialised by pydantic straight to bytes (no intermediate dicts).
            return Response(result.model_dump_json(), media_type="application/json")
    raise ProviderFailed("The reply ended without a result", code="provider_error")


@branch_router.post("/{branch_id}/message", responses=SSE_RESPONSES, response_model=None)
async def branch_message(
    session_id: uuid.UUID,
    branch_id: uuid.UUID,
    body: BranchMessageRequest,
    request: Request,
    principal: CurrentUser,
    db: DBSession,
) -> StreamingResponse | Response:
    return await _send(request, principal, db, session_id, branch_id, body.message, body.upload_ids)


async def _send(
    request: Request,
    principal: Principal,
    db: AsyncSession,
    session_id: uuid.UUID,
    branch_id: uuid.UUID | None,
    content: str,
    upload_ids: list[uuid.UUID] | None,
) -> StreamingResponse | Response:
    """A new message on the active branch (or the one named), answered as it streams."""
    return await _save_and_answer(
        request,
        principal,
        db,
        functools.partial(
            chat.append_user_message,
            db,
            principal,
            session_id,
            content,
            branch_id,
            upload_ids=upload_ids,
        ),
    )


async def _save_and_answer(
    request: Request,
    principal: Principal,
    db: AsyncSession,
    save: Callable[[], Awaitable[chat.Saved]],
) -> StreamingResponse | Response:
    """An engineer's message (new or edited) saved with its prompt built, then answered."""
    # A used-up budget that blocks refuses the turn before anything is written (402); the
    # account's other settings the turn needs are read in the same statement.
    with telemetry.phase("turn.budget"):
        facts = await read_account_facts(db, principal.account_id)
        await budgets.enforce_limits(db, principal, request.app.state.provider, facts.blocking)
    runner = _runner(request)
    turn, message, prepared = await chat.save_and_prepare(db, runner, save, facts)
    # The user's message is durable before the provider is called.
    await db.commit()
    return await respond_with_turn(
        request, turn, message_out(message, awaiting=True), runner, prepared
    )
