"""/api/v1/ai-sessions/{id}/branches (the seed's paths)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from flowpilot.auth.deps import CurrentUser
from flowpilot.branching import service
from flowpilot.branching.models import ForkPoint
from flowpilot.branching.schemas import (
    BranchChange,
    BranchCompareResponse,
    BranchResponse,
    BranchSide,
    BranchSwitchResponse,
    BranchTreeResponse,
    BranchUpdate,
    ContextSummary,
    ForkCreateRequest,
    ForkCreateResponse,
    ForkOptionOut,
    ForkPointResponse,
    ReviveRequest,
    TransitionContext,
)
from flowpilot.db.deps import DBSession
from flowpilot.errors import DomainError
from flowpilot.responses import model_response
from flowpilot.sessions import service as sessions
from flowpilot.sessions.models import AISession, AISessionStep, SessionBranch
from flowpilot.sessions.router import message_out
from flowpilot.sessions.schemas import MessageOut, StepOut

router = APIRouter(prefix="/api/v1/ai-sessions/{session_id}/branches", tags=["branches"])


def fork_point_out(point: ForkPoint, status_by_id: dict[uuid.UUID, str]) -> ForkPointResponse:
    return ForkPointResponse(
        id=point.id,
        session_id=point.session_id,
        parent_branch_id=point.parent_branch_id,
        trigger_step_id=point.trigger_step_id,
        trigger_message_id=point.trigger_message_id,
        fork_reason=point.fork_reason,
        options=[
            ForkOptionOut(
                label=o["label"],
                description=o.get("description", ""),
                branch_id=uuid.UUID(o["branch_id"]),
                status=status_by_id.get(uuid.UUID(o["branch_id"]), "untried"),  # type: ignore[arg-type]
            )
            for o in point.options
        ],
        created_at=point.created_at,
    )


async def _tree(db: DBSession, session: AISession) -> BranchTreeResponse:
    branches = [BranchResponse.model_validate(row) for row in await service.tree_rows(db, session)]
    status_by_id: dict[uuid.UUID, str] = {b.id: b.status for b in branches}
    plan = await service.plan_of(db, session)
    return BranchTreeResponse(
        branches=branches,
        active_branch_id=session.active_branch_id,
        fork_points=[
            fork_point_out(p, status_by_id) for p in await service.fork_points(db, session)
        ],
        plan=plan,
        branch_limit=service.PLAN_BRANCH_LIMITS[plan],
        hypothesis_count=sum(1 for b in branches if not b.is_root),
    )


@router.get("", response_model=BranchTreeResponse)
async def get_branch_tree(session_id: uuid.UUID, principal: CurrentUser, db: DBSession) -> Response:
    # Hundreds of branches: serialised once (see model_response).
    return model_response(await _tree(db, await sessions.get_session(db, principal, session_id)))


@router.post("/fork", response_model=ForkCreateResponse, status_code=201)
async def fork(
    session_id: uuid.UUID, body: ForkCreateRequest, principal: CurrentUser, db: DBSession
) -> ForkCreateResponse:
    point, branches = await service.fork(db, principal, session_id, body)
    status_by_id = {b.id: b.status for b in branches}
    return ForkCreateResponse(
        fork_point=fork_point_out(point, status_by_id),
        branches=[BranchResponse.model_validate(b) for b in branches],
        active_branch_id=branches[0].id,
    )


@router.get("/compare", response_model=BranchCompareResponse)
async def compare(
    session_id: uuid.UUID,
    principal: CurrentUser,
    db: DBSession,
    a: Annotated[uuid.UUID, Query()],
    b: Annotated[uuid.UUID, Query()],
) -> BranchCompareResponse:
    session = await sessions.get_session(db, principal, session_id)
    branch_a = await sessions.get_branch(db, session, a)
    branch_b = await sessions.get_branch(db, session, b)
    if branch_a.id == branch_b.id:
        raise DomainError("Pick two different branches to compare", code="bad_request")

    async def side(branch: SessionBranch) -> BranchSide:
        steps = await db.scalars(
            select(AISessionStep)
            .where(AISessionStep.session_id == session.id, AISessionStep.branch_id == branch.id)
            .order_by(AISessionStep.step_number)
        )
        return BranchSide(
            branch=BranchResponse.model_validate(branch),
            steps=[StepOut.model_validate(s) for s in steps],
            conclusion=ContextSummary(**await service.summary_for(db, session, branch)),
            evidence=branch.evidence_description,
        )

    return BranchCompareResponse(
        a=await side(branch_a),
        b=await side(branch_b),
        common_ancestor_message_id=await service.common_ancestor(db, session, branch_a, branch_b),
    )


@router.patch("/{branch_id}", response_model=BranchResponse)
async def update_branch(
    session_id: uuid.UUID,
    branch_id: uuid.UUID,
    body: BranchUpdate,
    principal: CurrentUser,
    db: DBSession,
) -> BranchResponse:
    branch = await service.update_branch(db, principal, session_id, branch_id, body)
    return BranchResponse.model_validate(branch)


@router.post("/{branch_id}/switch", response_model=BranchSwitchResponse)
async def switch_branch(
    session_id: uuid.UUID, branch_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> BranchSwitchResponse:
    session, branch, changed = await service.switch(db, principal, session_id, branch_id)
    path = await sessions.message_path(db, session.id, branch.head_message_id)
    waiting = await sessions.unanswered_ids(db, path)
    changes = []
    for other in changed:
        summary = await service.summary_for(db, session, other)
        changes.append(
            BranchChange(
                branch_id=other.id,
                label=other.label,
                status=other.status,  # type: ignore[arg-type]
                status_reason=other.status_reason,
                concluded=str(summary.get("concluded", "")),
                changed_at=other.status_changed_at or other.summary_generated_at,
            )
        )
    return BranchSwitchResponse(
        active_branch_id=branch.id,
        branch=BranchResponse.model_validate(branch),
        messages=[message_out(m, m.id in waiting) for m in path],
        conversation_messages=[{"role": m.role, "content": m.content} for m in path],
        transition=TransitionContext(since=branch.last_active_at, changes=changes),
    )


@router.post("/{branch_id}/revive", response_model=BranchResponse)
async def revive_branch(
    session_id: uuid.UUID,
    branch_id: uuid.UUID,
    body: ReviveRequest,
    principal: CurrentUser,
    db: DBSession,
) -> BranchResponse:
    branch = await service.revive(db, principal, session_id, branch_id, body)
    return BranchResponse.model_validate(branch)


@router.get("/{branch_id}/messages", response_model=list[MessageOut])
async def branch_messages(
    session_id: uuid.UUID, branch_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> list[MessageOut]:
    session = await sessions.get_session(db, principal, session_id)
    branch = await sessions.get_branch(db, session, branch_id)
    path = await sessions.message_path(db, session.id, branch.head_message_id)
    waiting = await sessions.unanswered_ids(db, path)
    return [message_out(m, m.id in waiting) for m in path]
