"""The branch engine: fork, switch, status machine, revive, compare."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.auth.models import Account
from flowpilot.auth.service import Principal
from flowpilot.branching.models import ForkPoint
from flowpilot.branching.schemas import BranchUpdate, ForkCreateRequest, ReviveRequest
from flowpilot.branching.summaries import compose_summary, done_steps_by_branch, queue_summary
from flowpilot.errors import Conflict, DomainError, NotFound
from flowpilot.sessions import service as sessions
from flowpilot.sessions import tree
from flowpilot.sessions.models import AISession, AISessionStep, SessionBranch, SessionMessage

# Hypothesis branches per session; the root (main line) is not counted.
PLAN_BRANCH_LIMITS: dict[str, int | None] = {"free": 2, "pro": 5, "team": 10, "enterprise": None}

# Legal status changes through PATCH. A dead end comes back only through revive (with evidence).
BRANCH_TRANSITIONS: dict[str, set[str]] = {
    "untried": {"active", "dead_end", "solved"},
    "active": {"dead_end", "solved"},
    "revived": {"dead_end", "solved"},
    "solved": {"active"},
    "dead_end": set(),
}
NEEDS_REASON = {"dead_end", "solved"}
WORKABLE = ("active", "untried", "revived")


class PlanLimitReached(DomainError):
    status_code = 402
    code = "plan_limit"


def branches_of(session: AISession) -> Any:
    return select(SessionBranch).where(
        SessionBranch.session_id == session.id, SessionBranch.account_id == session.account_id
    )


async def get_message(
    db: AsyncSession, session: AISession, message_id: uuid.UUID
) -> SessionMessage:
    message = await db.scalar(
        select(SessionMessage).where(
            SessionMessage.id == message_id,
            SessionMessage.session_id == session.id,
            SessionMessage.account_id == session.account_id,
        )
    )
    if message is None:
        raise NotFound("Message not found")
    return message


async def hypothesis_count(db: AsyncSession, session: AISession) -> int:
    return int(
        await db.scalar(
            select(func.count())
            .select_from(SessionBranch)
            .where(
                SessionBranch.session_id == session.id, SessionBranch.parent_branch_id.is_not(None)
            )
        )
        or 0
    )


async def plan_of(db: AsyncSession, session: AISession) -> str:
    return str(await db.scalar(select(Account.plan).where(Account.id == session.account_id)))


async def check_plan_limit(db: AsyncSession, session: AISession, adding: int) -> None:
    plan = await plan_of(db, session)
    limit = PLAN_BRANCH_LIMITS[plan]
    current = await hypothesis_count(db, session)
    if limit is not None and current + adding > limit:
        raise PlanLimitReached(
            f"The {plan} plan allows {limit} hypothesis branches per session; this session has "
            f"{current} and the fork would add {adding}.",
            plan=plan,
            limit=limit,
            current=current,
            requested=adding,
        )


async def make_active(
    db: AsyncSession, session: AISession, branch: SessionBranch
) -> SessionBranch | None:
    """Make `branch` the session's active branch; returns the branch that was left."""
    previous_id = session.active_branch_id
    if previous_id == branch.id:
        return None
    session.active_branch_id = branch.id
    if branch.status == "untried":
        _change_status(branch, "active", None, None)
    previous = await db.get(SessionBranch, previous_id) if previous_id else None
    if previous is not None:
        previous.last_active_at = datetime.now(UTC)
        await queue_summary(db, previous.id)
    await db.flush()
    return previous


def _change_status(
    branch: SessionBranch, status: str, reason: str | None, user_id: uuid.UUID | None
) -> None:
    branch.status = status
    branch.status_reason = reason
    branch.status_changed_at = datetime.now(UTC)
    branch.status_changed_by = user_id
    branch.summary_stale = True


async def fork(
    db: AsyncSession, principal: Principal, session_id: uuid.UUID, body: ForkCreateRequest
) -> tuple[ForkPoint, list[SessionBranch]]:
    # The row lock serialises forks of one session: limit checks and branch_order stay exact.
    session = await sessions.get_writable_session(db, principal, session_id, for_update=True)
    if session.status not in ("active", "paused"):
        raise Conflict(f"A {session.status} session cannot be forked", code="session_not_active")
    await check_plan_limit(db, session, len(body.options))
    if body.from_message_id is not None:
        fork_message: SessionMessage | None = await get_message(db, session, body.from_message_id)
    else:
        active = await sessions.get_branch(db, session, session.active_branch_id)
        fork_message = (
            await db.get(SessionMessage, active.head_message_id) if active.head_message_id else None
        )
    if fork_message is None:
        raise Conflict("Send a first message before forking", code="nothing_to_fork")
    parent_id = fork_message.branch_id
    trigger_step = await db.scalar(
        select(AISessionStep).where(
            AISessionStep.session_id == session.id, AISessionStep.message_id == fork_message.id
        )
    )
    if trigger_step is not None:
        trigger_step.is_fork_point = True

    fork_step = await tree.add_step(
        db,
        session_id=session.id,
        account_id=session.account_id,
        branch_id=parent_id,
        message_id=fork_message.id,
        step_type="fork",
        title=f"Fork: {body.fork_reason[:200]}",
        content="\n".join(f"- {o.label}: {o.description}" for o in body.options),
        data={"options": [o.model_dump() for o in body.options]},
        is_fork_point=True,
    )
    branches = await tree.add_branches(
        db,
        session,
        [
            {
                "parent_branch_id": parent_id,
                "fork_point_step_id": fork_step.id,
                "label": option.label.strip(),
                "status": "untried",
                "head_message_id": fork_message.id,
                "forked_from_message_id": fork_message.id,
                "summary_stale": True,
            }
            for option in body.options
        ],
    )
    point = ForkPoint(
        session_id=session.id,
        account_id=session.account_id,
        parent_branch_id=parent_id,
        trigger_step_id=trigger_step.id if trigger_step else None,
        trigger_message_id=fork_message.id,
        created_by=principal.user_id,
        fork_reason=body.fork_reason.strip(),
        options=[
            {"label": o.label.strip(), "description": o.description, "branch_id": str(b.id)}
            for o, b in zip(body.options, branches, strict=True)
        ],
    )
    db.add(point)
    await db.flush()
    fork_step.fork_point_id = point.id
    await make_active(db, session, branches[0])
    await db.flush()
    return point, branches


async def switch(
    db: AsyncSession, principal: Principal, session_id: uuid.UUID, branch_id: uuid.UUID
) -> tuple[AISession, SessionBranch, list[SessionBranch]]:
    session = await sessions.get_writable_session(db, principal, session_id, for_update=True)
    branch = await sessions.get_branch(db, session, branch_id)
    await make_active(db, session, branch)
    since = branch.last_active_at
    others = await db.scalars(
        branches_of(session)
        .where(SessionBranch.id != branch.id)
        .where(
            or_(
                SessionBranch.status_changed_at > since,
                SessionBranch.summary_generated_at > since,
            )
            if since
            else SessionBranch.status.in_(("dead_end", "solved", "revived"))
        )
        .order_by(SessionBranch.branch_order)
    )
    return session, branch, list(others)


async def update_branch(
    db: AsyncSession,
    principal: Principal,
    session_id: uuid.UUID,
    branch_id: uuid.UUID,
    body: BranchUpdate,
) -> SessionBranch:
    session = await sessions.get_writable_session(db, principal, session_id, for_update=True)
    branch = await sessions.get_branch(db, session, branch_id)
    if body.label is not None:
        branch.label = body.label.strip()
    if body.status is not None and body.status != branch.status:
        allowed = BRANCH_TRANSITIONS[branch.status]
        if body.status not in allowed:
            hint = " Revive it with evidence instead." if branch.status == "dead_end" else ""
            raise Conflict(
                f"A {branch.status} branch cannot become {body.status}.{hint}",
                code="illegal_transition",
                current_status=branch.status,
            )
        reason = (body.status_reason or "").strip() or None
        if body.status in NEEDS_REASON and not reason:
            raise DomainError(
                f"Say why the branch is {body.status.replace('_', ' ')} (status_reason)",
                code="reason_required",
            )
        _change_status(branch, body.status, reason, principal.user_id)
        await queue_summary(db, branch.id)
        if body.status == "solved" and body.resolve_session:
            await sessions.transition(db, session, "resolved", actor=principal.user_id)
    elif body.resolve_session:
        raise DomainError("resolve_session needs status 'solved'", code="bad_request")
    await db.flush()
    return branch


async def revive(
    db: AsyncSession,
    principal: Principal,
    session_id: uuid.UUID,
    branch_id: uuid.UUID,
    body: ReviveRequest,
) -> SessionBranch:
    session = await sessions.get_writable_session(db, principal, session_id, for_update=True)
    branch = await sessions.get_branch(db, session, branch_id)
    evidence = await sessions.get_branch(db, session, body.evidence_from_branch_id)
    if branch.status != "dead_end":
        raise Conflict(
            f"Only a dead end can be revived; this branch is {branch.status}",
            code="illegal_transition",
            current_status=branch.status,
        )
    if evidence.id == branch.id:
        raise DomainError("Evidence must come from another branch", code="bad_request")
    description = body.evidence_description.strip()
    _change_status(branch, "revived", branch.status_reason, principal.user_id)
    branch.evidence_from_branch_id = evidence.id
    branch.evidence_description = description
    # The revival is part of the branch's own history, so its next prompt carries it.
    head = await db.get(SessionMessage, branch.head_message_id) if branch.head_message_id else None
    await db.flush()  # the status change, before the note's own statement
    await tree.add_head_message(
        db,
        branch=branch,
        parent=head,
        role="system",
        content=(
            f"Branch revived with evidence from '{evidence.label}': {description}. "
            f"It had been ruled out because: {branch.status_reason or 'no reason recorded'}."
        ),
        author_id=principal.user_id,
        attachments=[],
        meta={"kind": "revival", "evidence_from_branch_id": str(evidence.id)},
    )
    await queue_summary(db, branch.id)
    await db.flush()
    return branch


# The branch columns the tree shows (every column of the row but its account).
_TREE_COLUMNS = [c for c in SessionBranch.__table__.c if c.name != "account_id"]


async def tree_rows(db: AsyncSession, session: AISession) -> list[dict[str, Any]]:
    """The session's branches in order, as plain rows with their message count (the depth of
    their head) and step count: the tree of a long session reads them without building an
    ORM object per branch."""
    rows = (
        await db.execute(
            branches_of(session)
            .with_only_columns(
                *_TREE_COLUMNS,
                func.coalesce(SessionMessage.depth + 1, 0).label("message_count"),
            )
            .outerjoin(
                SessionMessage,
                and_(
                    SessionMessage.id == SessionBranch.head_message_id,
                    SessionMessage.session_id == session.id,
                ),
            )
            .order_by(SessionBranch.branch_order)
        )
    ).mappings()
    steps = dict(
        (
            await db.execute(
                select(AISessionStep.branch_id, func.count())
                .where(AISessionStep.session_id == session.id)
                .group_by(AISessionStep.branch_id)
            )
        )
        .tuples()
        .all()
    )
    return [{**row, "step_count": steps.get(row["id"], 0)} for row in rows]


async def fork_points(db: AsyncSession, session: AISession) -> list[ForkPoint]:
    return list(
        await db.scalars(
            select(ForkPoint)
            .where(ForkPoint.session_id == session.id, ForkPoint.account_id == session.account_id)
            .order_by(ForkPoint.created_at)
        )
    )


async def common_ancestor(
    db: AsyncSession, session: AISession, a: SessionBranch, b: SessionBranch
) -> uuid.UUID | None:
    path_a = await sessions.message_path(db, session.id, a.head_message_id)
    path_b = {m.id for m in await sessions.message_path(db, session.id, b.head_message_id)}
    shared = [m.id for m in path_a if m.id in path_b]
    return shared[-1] if shared else None


async def summary_for(
    db: AsyncSession, session: AISession, branch: SessionBranch
) -> dict[str, Any]:
    if branch.context_summary and not branch.summary_stale:
        return branch.context_summary
    steps = await done_steps_by_branch(db, session.id, [branch.id])
    return compose_summary(branch, steps.get(branch.id, []))


def _label_from(prefix: str, text: str) -> str:
    words = " ".join(text.split())
    if len(words) > 60:
        words = words[:60].rsplit(" ", 1)[0] + "…"
    return f"{prefix}: {words}"[:200]


async def branch_for_new_version(
    db: AsyncSession, principal: Principal, session_id: uuid.UUID, message_id: uuid.UUID, role: str
) -> tuple[AISession, SessionBranch, SessionMessage]:
    """A new branch for another version of `message_id` (an edited user message or a
    regenerated answer): it forks from the active branch where that message's parent is (the
    user message an answer replies to), so the new version is a sibling of the old one in the
    message tree and the old one stays on its branch. Made active; counts against the plan's
    branch limit. Returns the session, the new branch and the message being redone."""
    session = await sessions.get_writable_session(db, principal, session_id, for_update=True)
    if session.status not in ("active", "paused"):
        raise Conflict(
            f"This session is {session.status}; reopen it before sending messages",
            code="session_not_active",
        )
    message = await get_message(db, session, message_id)
    if message.role != role:
        raise Conflict(
            "Only your own messages can be edited"
            if role == "user"
            else "Only an answer can be regenerated",
            code="wrong_role",
            role=message.role,
        )
    active = await sessions.get_branch(db, session, session.active_branch_id)
    path = await sessions.message_path(db, session.id, active.head_message_id)
    if message.id not in {m.id for m in path}:
        raise Conflict(
            "This message is not on the branch being worked; switch to its branch first",
            code="not_on_active_path",
        )
    if role == "user":
        anchor_id = message.parent_id
        label = _label_from("Edited", message.content)
    else:
        anchor_id = message.reply_to_id or message.parent_id
        asked = await db.get(SessionMessage, anchor_id) if anchor_id else None
        if asked is None or asked.role != "user":
            raise Conflict("This answer has no question to ask again", code="nothing_to_regenerate")
        label = _label_from("Regenerated", asked.content)
    await check_plan_limit(db, session, 1)
    [branch] = await tree.add_branches(
        db,
        session,
        [
            {
                "parent_branch_id": active.id,
                "label": label,
                "status": "untried",
                "head_message_id": anchor_id,
                "forked_from_message_id": anchor_id,
                "summary_stale": True,
            }
        ],
    )
    await make_active(db, session, branch)
    await db.flush()
    return session, branch, message
