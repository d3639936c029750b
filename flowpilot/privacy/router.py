"""/api/v1/ai-privacy (the account's level; admins change it) and what a session's values
were replaced by (/api/v1/ai-sessions/{id}/redactions)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from flowpilot.audit.service import audit
from flowpilot.auth import service as accounts
from flowpilot.auth.deps import AdminUser, CurrentUser
from flowpilot.db.deps import DBSession
from flowpilot.privacy import service
from flowpilot.privacy.provider import is_cloud
from flowpilot.privacy.schemas import AiPrivacy, RedactionOut, SessionRedactions
from flowpilot.sessions import service as sessions

router = APIRouter(prefix="/api/v1", tags=["ai privacy"])


@router.get("/ai-privacy", response_model=AiPrivacy)
async def get_privacy(principal: CurrentUser, db: DBSession) -> AiPrivacy:
    return AiPrivacy(level=await service.level_of(db, principal.account_id))  # type: ignore[arg-type]


@router.put("/ai-privacy", response_model=AiPrivacy)
async def put_privacy(body: AiPrivacy, principal: AdminUser, db: DBSession) -> AiPrivacy:
    await accounts.set_ai_redaction(db, principal.account_id, body.level)
    await audit(db, principal, "settings.ai_privacy", "account", "", level=body.level)
    return body


@router.get("/ai-sessions/{session_id}/redactions", response_model=SessionRedactions)
async def get_redactions(
    session_id: uuid.UUID, request: Request, principal: CurrentUser, db: DBSession
) -> SessionRedactions:
    session = await sessions.get_session(db, principal, session_id)
    return SessionRedactions(
        level=await service.level_of(db, session.account_id),  # type: ignore[arg-type]
        applies=is_cloud(request.app.state.provider),
        entries=[RedactionOut.model_validate(e) for e in await service.entries(db, session)],
    )
