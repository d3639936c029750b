"""/api/v1/ai-sessions/{id}/outputs (the seed's paths)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from flowpilot.audit.service import audit
from flowpilot.auth.deps import CurrentUser
from flowpilot.db.deps import DBSession
from flowpilot.resolutions import service
from flowpilot.resolutions.models import (
    ResolutionOutputVersion,
    ResolutionPushLog,
    SessionResolutionOutput,
)
from flowpilot.resolutions.schemas import (
    AllResolutionOutputsResponse,
    OutputVersion,
    PushLogOut,
    ResolutionOutputEditRequest,
    ResolutionOutputPushRequest,
    ResolutionOutputPushResponse,
    ResolutionOutputResponse,
)
from flowpilot.sessions import service as sessions

router = APIRouter(prefix="/api/v1/ai-sessions/{session_id}/outputs", tags=["resolution outputs"])


@router.get("", response_model=AllResolutionOutputsResponse)
async def list_outputs(
    session_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> AllResolutionOutputsResponse:
    session = await sessions.get_session(db, principal, session_id)
    rows = list(
        await db.scalars(service.outputs_of(session).order_by(SessionResolutionOutput.output_type))
    )
    return AllResolutionOutputsResponse(outputs=await _with_pushes(db, rows))


async def _with_pushes(
    db: DBSession, rows: list[SessionResolutionOutput]
) -> list[ResolutionOutputResponse]:
    by_output = await service.recent_pushes(db, rows)
    # A delivery the job finished between the two reads would show as done next to a document
    # still "approved" (and the panel stops polling on it): the documents' delivery state is read
    # again, after the pushes.
    if any(p.result == "ok" for pushes in by_output.values() for p in pushes):
        fresh = select(SessionResolutionOutput).where(
            SessionResolutionOutput.id.in_([r.id for r in rows])
        )
        (await db.scalars(fresh.execution_options(populate_existing=True))).all()
    return [
        ResolutionOutputResponse.model_validate(r).model_copy(
            update={"pushes": [PushLogOut.model_validate(p) for p in by_output.get(r.id, [])]}
        )
        for r in rows
    ]


@router.post("/generate", response_model=AllResolutionOutputsResponse)
async def generate_outputs(
    session_id: uuid.UUID, request: Request, principal: CurrentUser, db: DBSession
) -> AllResolutionOutputsResponse:
    session = await sessions.get_writable_session(db, principal, session_id)
    rows = await service.generate(db, request.app.state.provider, session)
    return AllResolutionOutputsResponse(outputs=await _with_pushes(db, rows))


@router.patch("/{output_id}", response_model=ResolutionOutputResponse)
async def edit_output(
    session_id: uuid.UUID,
    output_id: uuid.UUID,
    body: ResolutionOutputEditRequest,
    principal: CurrentUser,
    db: DBSession,
) -> ResolutionOutputResponse:
    output = await service.update(
        db, principal, session_id, output_id, body.edited_content, body.status
    )
    if body.status == "approved":
        await audit(db, principal, "output.approve", "output", output.id,
                    output_type=output.output_type, session_id=str(session_id))  # fmt: skip
    return (await _with_pushes(db, [output]))[0]


@router.get("/{output_id}/versions", response_model=list[OutputVersion])
async def output_versions(
    session_id: uuid.UUID, output_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> list[OutputVersion]:
    session = await sessions.get_session(db, principal, session_id)
    output = await service.get_output(db, session, output_id)
    rows = await db.scalars(service.versions_of(output).order_by(ResolutionOutputVersion.version))
    return [OutputVersion.model_validate(r) for r in rows]


@router.get("/{output_id}/pushes", response_model=list[PushLogOut])
async def output_pushes(
    session_id: uuid.UUID, output_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> list[PushLogOut]:
    session = await sessions.get_session(db, principal, session_id)
    output = await service.get_output(db, session, output_id)
    rows = await db.scalars(service.pushes_of(output).order_by(ResolutionPushLog.created_at.desc()))
    return [PushLogOut.model_validate(r) for r in rows]


@router.post(
    "/{output_id}/push",
    response_model=ResolutionOutputPushResponse,
    responses={202: {"description": "psa / email: the delivery is queued"}},
)
async def push_output(
    session_id: uuid.UUID,
    output_id: uuid.UUID,
    body: ResolutionOutputPushRequest,
    principal: CurrentUser,
    db: DBSession,
    response: Response,
) -> ResolutionOutputPushResponse:
    output, push, clipboard = await service.push(db, principal, session_id, output_id, body)
    action = "output.copy" if body.destination == "clipboard" else "output.push"
    await audit(db, principal, action, "output", output.id, destination=body.destination,
                output_type=output.output_type, session_id=str(session_id))  # fmt: skip
    if push is not None and push.result == "queued":
        response.status_code = 202
    return ResolutionOutputPushResponse(
        output_id=output.id,
        status=output.status,  # type: ignore[arg-type]
        pushed_to=output.pushed_to,
        pushed_reference=output.pushed_reference,
        clipboard_text=clipboard,
        push=PushLogOut.model_validate(push) if push else None,
    )
