"""Park, escalate, queue, claim exactly once, briefing (the seed's HandoffManager)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.ai.base import ChatProvider, ProviderError
from flowpilot.ai.contracts import call_structured
from flowpilot.auth.models import Team, TeamMembership, User
from flowpilot.auth.service import Principal, display_name, display_names, team_names
from flowpilot.db.counting import capped_count
from flowpilot.db.deps import end_reads
from flowpilot.errors import Conflict, Forbidden, NotFound, ProviderFailed, UnprocessableInput
from flowpilot.handoffs.models import SessionHandoff
from flowpilot.handoffs.record import (
    build_snapshot,
    compose_assessment,
    compose_briefing,
    render_assessment,
)
from flowpilot.handoffs.schemas import (
    Assessment,
    Briefing,
    EngineerTime,
    HandoffCreateRequest,
    SessionTimeResponse,
    WorkIntervalOut,
)
from flowpilot.jobs.defer import defer
from flowpilot.notifications.service import notify
from flowpilot.privacy import service as privacy
from flowpilot.sessions import service as sessions
from flowpilot.sessions import tree
from flowpilot.sessions.events import StatusChange
from flowpilot.sessions.models import AISession, SessionBranch
from flowpilot.usage.meter import MeteredProvider, metered
from flowpilot.usage.meter import record as record_usage

INTENT_STATUS = {"park": "paused", "escalate": "escalated"}


def handoffs_of(session: AISession) -> Select[SessionHandoff]:
    return select(SessionHandoff).where(
        SessionHandoff.session_id == session.id, SessionHandoff.account_id == session.account_id
    )


async def get_handoff(
    db: AsyncSession, session: AISession, handoff_id: uuid.UUID
) -> SessionHandoff:
    handoff = await db.scalar(handoffs_of(session).where(SessionHandoff.id == handoff_id))
    if handoff is None:
        raise NotFound("Handoff not found")
    return handoff


def check_can_hand_off(session: AISession, intent: str) -> None:
    target = INTENT_STATUS[intent]
    if target not in sessions.TRANSITIONS[session.status]:
        raise Conflict(
            f"A {session.status} session cannot be {'parked' if intent == 'park' else 'escalated'}",
            code="illegal_transition",
            current_status=session.status,
        )


async def assess(provider: ChatProvider, snapshot: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The escalation assessment as a typed answer from the model (offline: the record); an
    off-schema answer is repaired once, then composed from the record with a note."""
    try:
        written = await call_structured(
            provider,
            model=Assessment,
            name="escalation_assessment",
            system=(
                "You assess an IT troubleshooting session that is being escalated. Be concrete "
                "and only use facts from the record: 'performed' is what the engineer reported "
                "doing; open suggestions were not done. Confidence is low, medium or high."
            ),
            prompt="Session record:\n" + json.dumps(snapshot, default=str)[:20_000],
            compose=lambda: Assessment.model_validate(compose_assessment(snapshot)),
        )
    except ProviderError as exc:
        raise ProviderFailed(f"Could not write the assessment: {exc.detail}") from exc
    data = written.value.model_dump()
    text = render_assessment(data)
    if written.note:
        data["generation_note"] = written.note
        text += f"\n({written.note})"
    return data, text


async def preview(
    db: AsyncSession,
    principal: Principal,
    provider: ChatProvider,
    session_id: uuid.UUID,
    intent: str,
    waiting_on: str | None,
    notes: str | None,
) -> tuple[dict[str, Any], dict[str, Any] | None, str | None]:
    session = await sessions.get_writable_session(db, principal, session_id)
    check_can_hand_off(session, intent)
    snapshot = await build_snapshot(db, session, waiting_on=waiting_on, notes=notes)
    if intent != "escalate":
        return snapshot, None, None
    provider, _ = await privacy.guarded(db, provider, session)
    await end_reads(db)
    data, text = await assess(provider, snapshot)
    return snapshot, data, text


async def _resolve_target_team(
    db: AsyncSession, principal: Principal, team_id: uuid.UUID | None
) -> uuid.UUID | None:
    if team_id is None:
        return None
    found = await db.scalar(
        select(Team.id).where(Team.id == team_id, Team.account_id == principal.account_id)
    )
    if found is None:
        raise NotFound("Team not found")
    return team_id


async def _resolve_assignee(
    db: AsyncSession,
    principal: Principal,
    session: AISession,
    team_id: uuid.UUID | None,
    assignee_id: uuid.UUID | None,
) -> uuid.UUID | None:
    """The named colleague, checked before anything is written: an active member of the team
    the handoff goes to, not its author. Each refusal is a 422 saying why; a user of another
    account reads exactly like an unknown id (its existence is not revealed)."""
    if assignee_id is None:
        return None
    user = await db.scalar(
        select(User).where(User.id == assignee_id, User.account_id == session.account_id)
    )
    if user is None:
        raise UnprocessableInput(
            "The assignee is not a user of this account", code="assignee_unknown"
        )
    if user.id == principal.user_id:
        raise UnprocessableInput(
            "You cannot assign a handoff to yourself: leave the assignee empty",
            code="assignee_is_author",
        )
    name = user.full_name or user.email
    if not user.is_active:
        raise UnprocessableInput(
            f"{name} is deactivated and cannot be assigned", code="assignee_inactive"
        )
    if team_id is None:
        raise UnprocessableInput(
            "This session has no team: choose a target team to assign the handoff to one of "
            "its members",
            code="assignee_needs_team",
        )
    member = await db.scalar(
        select(TeamMembership.user_id).where(
            TeamMembership.team_id == team_id, TeamMembership.user_id == user.id
        )
    )
    if member is None:
        team = (await team_names(db, [team_id])).get(team_id) or "target"
        raise UnprocessableInput(
            f"{name} is not a member of the {team} team this handoff goes to",
            code="assignee_not_in_team",
        )
    return user.id


async def create_handoff(
    db: AsyncSession,
    principal: Principal,
    provider: ChatProvider,
    session_id: uuid.UUID,
    body: HandoffCreateRequest,
) -> SessionHandoff:
    session = await sessions.get_writable_session(db, principal, session_id)
    check_can_hand_off(session, body.intent)
    target_team = await _resolve_target_team(db, principal, body.target_team_id)
    assignee = await _resolve_assignee(
        db, principal, session, target_team or session.team_id, body.assignee_id
    )
    snapshot = await build_snapshot(
        db, session, waiting_on=body.waiting_on, notes=body.engineer_notes
    )
    data: dict[str, Any] | None = None
    text: str | None = None
    sender: MeteredProvider | None = None
    if body.intent == "escalate":
        if body.assessment is not None:
            data = body.assessment.model_dump()
            text = render_assessment(data)
        else:
            # The model is asked with no transaction open and no row locked; the session is
            # locked and checked again afterwards (someone may have handed it off meanwhile).
            guarded, _ = await privacy.guarded(db, provider, session)
            await end_reads(db)
            sender = metered(guarded)
            data, text = await assess(sender, snapshot)
    session = await sessions.get_writable_session(db, principal, session_id, for_update=True)
    check_can_hand_off(session, body.intent)
    # Parking an escalated session is refused above; escalating a parked one replaces its
    # open park handoff.
    await db.execute(
        update(SessionHandoff)
        .where(SessionHandoff.session_id == session.id, SessionHandoff.status == "open")
        .values(status="cancelled", cancelled_at=func.now())
        .execution_options(synchronize_session=False)
    )
    handoff = SessionHandoff(
        session_id=session.id,
        account_id=session.account_id,
        handed_off_by=principal.user_id,
        intent=body.intent,
        status="open",
        source_branch_id=session.active_branch_id,
        snapshot=snapshot,
        ai_assessment=text,
        ai_assessment_data=data,
        artifacts=snapshot["uploads"],
        engineer_notes=body.engineer_notes,
        priority=body.priority,
        waiting_on=body.waiting_on,
        remind_at=body.remind_at,
        due_at=body.due_at,
        target_team_id=target_team,
        assignee_id=assignee,
        # Wall-clock time, not the transaction's start: history is ordered by it.
        created_at=func.clock_timestamp(),
    )
    db.add(handoff)
    await db.flush()
    await tree.count_handoff(db, session.id)
    await sessions.transition(db, session, INTENT_STATUS[body.intent], actor=principal.user_id)
    if sender is not None:
        await record_usage(db, session.id, session.account_id, sender)
    if body.intent == "escalate":
        await notify_in_app(db, session, handoff, principal)
        await defer(db, "send_handoff_notifications", handoff_id=str(handoff.id))
    elif body.remind_at is not None:
        await defer(db, "park_reminder", _schedule_at=body.remind_at, handoff_id=str(handoff.id))
    if handoff.assignee_id is not None:
        await notify_assignee(db, session, handoff, principal)
    if session.psa_ticket_id:
        # The ticket's history shows who handed it off and why (an internal note).
        await defer(db, "push_handoff_note", handoff_id=str(handoff.id))
    await db.refresh(handoff)
    return handoff


async def notify_in_app(
    db: AsyncSession, session: AISession, handoff: SessionHandoff, sender: Principal
) -> None:
    team_id = handoff.target_team_id or session.team_id
    if team_id is None:
        return
    query = (
        select(TeamMembership.user_id)
        .join(User, User.id == TeamMembership.user_id)
        .where(TeamMembership.team_id == team_id, User.is_active, User.id != sender.user_id)
    )
    if handoff.assignee_id is not None:
        # The assignee gets one notification, the one naming them (notify_assignee).
        query = query.where(User.id != handoff.assignee_id)
    members = await db.scalars(query)
    title = f"Escalated: {session.title}"
    body = handoff.ai_assessment or handoff.engineer_notes or session.problem_summary
    await notify(
        db,
        session.account_id,
        members,
        kind="escalation",
        title=title,
        body=body,
        session_id=session.id,
        handoff_id=handoff.id,
    )


async def notify_assignee(
    db: AsyncSession, session: AISession, handoff: SessionHandoff, sender: Principal
) -> None:
    """Tell the named colleague, in the app (an escalation's e-mail names them too)."""
    assert handoff.assignee_id is not None
    by = await display_name(db, sender.user_id) or "A colleague"
    verb = "escalated" if handoff.intent == "escalate" else "parked"
    body = "\n\n".join(
        part
        for part in (
            f"{by} {verb} this session and assigned it to you.",
            f"Waiting on: {handoff.waiting_on}" if handoff.waiting_on else "",
            f"Notes: {handoff.engineer_notes}" if handoff.engineer_notes else "",
            handoff.ai_assessment or session.problem_summary,
        )
        if part
    )
    await notify(
        db,
        session.account_id,
        [handoff.assignee_id],
        kind="handoff_assigned",
        title=f"Assigned to you: {session.title}",
        body=body,
        session_id=session.id,
        handoff_id=handoff.id,
    )


async def claim(
    db: AsyncSession, principal: Principal, session_id: uuid.UUID, handoff_id: uuid.UUID
) -> tuple[AISession, SessionHandoff]:
    session = await sessions.get_session(db, principal, session_id)
    target = await get_handoff(db, session, handoff_id)
    outside = (
        target.target_team_id is not None
        and target.target_team_id not in principal.team_ids
        and target.handed_off_by != principal.user_id
    )
    team = ""
    if outside and target.target_team_id is not None:
        team = (await team_names(db, [target.target_team_id])).get(target.target_team_id, "")
    if outside and not principal.is_lead:
        raise Forbidden(
            f"This handoff is for the {team or 'target'} team; ask a lead to claim it for you",
            code="wrong_team",
        )
    note = None
    if outside:
        note = f"Claimed by a {principal.role} from outside the {team or 'target'} team"
    # One statement decides the winner; concurrent claimers see zero rows.
    won = await db.execute(
        update(SessionHandoff)
        .where(
            SessionHandoff.id == handoff_id,
            SessionHandoff.session_id == session.id,
            SessionHandoff.account_id == session.account_id,
            SessionHandoff.status == "open",
        )
        .values(
            status="claimed", claimed_by=principal.user_id, claimed_at=func.now(), claim_note=note
        )
        .returning(SessionHandoff.id)
        .execution_options(synchronize_session=False)
    )
    if won.first() is None:
        handoff = await get_handoff(db, session, handoff_id)
        await db.refresh(handoff)
        if handoff.status == "claimed":
            name = await display_name(db, handoff.claimed_by)
            raise Conflict(
                f"Already claimed by {name}",
                code="already_claimed",
                claimed_by=str(handoff.claimed_by),
                claimed_by_name=name,
            )
        raise Conflict(f"This handoff is {handoff.status}", code="handoff_closed")
    # Access was proven above; the claim itself grants it from now on (as the assignee).
    await sessions.lock_session_row(db, session.id)
    await db.refresh(session)
    if principal.user_id != session.owner_id:
        session.assignee_id = principal.user_id
        await db.flush()
    await sessions.transition(db, session, "active", actor=principal.user_id)
    handoff = await get_handoff(db, session, handoff_id)
    await db.refresh(handoff)
    return session, handoff


async def briefing(
    db: AsyncSession,
    principal: Principal,
    provider: ChatProvider,
    session_id: uuid.UUID,
    handoff_id: uuid.UUID,
    regenerate: bool,
) -> SessionHandoff:
    session = await sessions.get_session(db, principal, session_id)
    handoff = await get_handoff(db, session, handoff_id)
    if handoff.briefing and not regenerate:
        return handoff
    people = {handoff.handed_off_by, handoff.assignee_id, handoff.claimed_by}
    names = await display_names(db, people)
    facts: dict[str, Any] = {
        "intent": handoff.intent,
        "by": names.get(handoff.handed_off_by, "") if handoff.handed_off_by else "",
        "notes": handoff.engineer_notes,
        "assessment": handoff.ai_assessment_data,
    }
    if handoff.assignee_id is not None:
        facts["assigned_to"] = names.get(handoff.assignee_id, "")
        if handoff.claimed_by is not None and handoff.claimed_by != handoff.assignee_id:
            # Someone covered for the assignee (a lead, a colleague): the briefing says so.
            facts["claimed_by"] = names.get(handoff.claimed_by, "")
    snapshot = handoff.snapshot
    guarded, _ = await privacy.guarded(db, provider, session)
    await end_reads(db)
    sender = metered(guarded)
    try:
        written = await call_structured(
            sender,
            model=Briefing,
            name="handoff_briefing",
            system=(
                "Write a briefing for an engineer picking up an IT troubleshooting session: "
                "the problem, what each branch did (only what the engineer reported doing) and "
                "concluded, what is ruled out (say so explicitly), evidence, the assessment and "
                "the next step; if it was assigned to someone, say to whom and who picked it "
                "up. Plain prose, short."
            ),
            prompt=json.dumps({"handoff": facts, "record": snapshot}, default=str)[:20_000],
            compose=lambda: Briefing(briefing=compose_briefing(snapshot, facts)),
        )
    except ProviderError as exc:
        raise ProviderFailed(f"Could not write the briefing: {exc.detail}") from exc
    handoff.briefing = written.value.briefing.strip() + (
        f"\n\n({written.note})" if written.note else ""
    )
    handoff.briefing_generated_at = datetime.now(UTC)
    await record_usage(db, session.id, session.account_id, sender)
    await db.flush()
    return handoff


async def queue(
    db: AsyncSession,
    principal: Principal,
    *,
    intent: str | None,
    priority: str | None,
    domain: str | None,
    engineer: uuid.UUID | None,
    assigned: str | None = None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[SessionHandoff, AISession]], int, bool]:
    """A page of the open handoffs the caller may read; the total counts up to COUNT_CAP.
    `assigned`: "me" (named for the caller), "unassigned" (named for nobody), "anyone" or
    None (either)."""
    readable = sessions.readable_sessions(principal).subquery()
    query = (
        select(SessionHandoff, AISession)
        .join(AISession, AISession.id == SessionHandoff.session_id)
        .join(readable, readable.c.id == AISession.id)
        .where(
            SessionHandoff.account_id == principal.account_id,
            SessionHandoff.status == "open",
            AISession.status.in_(("paused", "escalated")),
        )
    )
    if intent:
        query = query.where(SessionHandoff.intent == intent)
    if priority:
        query = query.where(SessionHandoff.priority == priority)
    if domain:
        query = query.where(AISession.problem_domain.ilike(f"%{domain}%"))
    if engineer:
        query = query.where(SessionHandoff.handed_off_by == engineer)
    if assigned == "me":
        query = query.where(SessionHandoff.assignee_id == principal.user_id)
    elif assigned == "unassigned":
        query = query.where(SessionHandoff.assignee_id.is_(None))
    total, more = await capped_count(db, query)
    rows = await db.execute(
        # "elevated" sorts before "normal": elevated first, then oldest first, in the order of
        # ix_session_handoffs_queue (a page reads 25 rows, not every open handoff).
        query.order_by(SessionHandoff.priority, SessionHandoff.created_at, SessionHandoff.id)
        .limit(limit)
        .offset(offset)
    )
    return [(h, s) for h, s in rows.tuples()], total, more


async def branch_counts(db: AsyncSession, session_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not session_ids:
        return {}
    rows = await db.execute(
        select(SessionBranch.session_id, func.count())
        .where(SessionBranch.session_id.in_(session_ids))
        .group_by(SessionBranch.session_id)
    )
    return dict(rows.tuples().all())


# ── time on a session, and notifications ──


async def time_on_session(
    db: AsyncSession, principal: Principal, session_id: uuid.UUID
) -> SessionTimeResponse:
    """Stored totals plus the interval running now, and each engineer's share of the work
    intervals (open ones counted to now)."""
    session = await sessions.get_session(db, principal, session_id)
    now = await db.scalar(select(func.now()))
    assert now is not None
    running = max(0, int((now - session.status_changed_at).total_seconds()))
    active = session.total_active_seconds + (running if session.status == "active" else 0)
    parked = session.total_parked_seconds + (running if session.status in sessions.PARKED else 0)
    rows = await sessions.work_intervals(db, session)
    names = await display_names(db, {r.user_id for r in rows})
    intervals = []
    per: dict[uuid.UUID | None, int] = {}
    for r in rows:
        seconds = max(0, int(((r.ended_at or now) - r.started_at).total_seconds()))
        per[r.user_id] = per.get(r.user_id, 0) + seconds
        intervals.append(
            WorkIntervalOut(
                user_id=r.user_id,
                user_name=names.get(r.user_id, "") if r.user_id else "",
                started_at=r.started_at,
                ended_at=r.ended_at,
                seconds=seconds,
            )
        )
    return SessionTimeResponse(
        total_active_seconds=active,
        total_parked_seconds=parked,
        per_engineer=[
            EngineerTime(user_id=u, user_name=names.get(u, "") if u else "", seconds=s)
            for u, s in per.items()
        ],
        intervals=intervals,
    )


def escalated_to_teams(team_ids: Sequence[uuid.UUID]) -> ColumnElement[bool]:
    """A session with an open handoff to one of these teams: their members may read it (the
    sessions scoping query applies this rule; flowpilot/wiring.py registers it)."""
    return (
        select(SessionHandoff.id)
        .where(
            SessionHandoff.session_id == AISession.id,
            SessionHandoff.status == "open",
            SessionHandoff.target_team_id.in_(team_ids),
        )
        .exists()
    )


async def settle_on_status_change(db: AsyncSession, change: StatusChange) -> None:
    """Resuming, or resolving/closing from the queue, settles the open handoff: whoever moved
    the session on took it (the claim route has already done this atomically)."""
    if change.old not in sessions.PARKED or change.new in sessions.PARKED:
        return
    await db.execute(
        update(SessionHandoff)
        .where(SessionHandoff.session_id == change.session.id, SessionHandoff.status == "open")
        .values(status="claimed", claimed_by=change.actor, claimed_at=func.now())
        .execution_options(synchronize_session=False)
    )
