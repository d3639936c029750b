"""Sessions: the scoping query, creation with a root branch, the status machine, listing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Select,
    and_,
    bindparam,
    false,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.ai.base import Usage
from flowpilot.auth.models import Team
from flowpilot.auth.service import Principal, display_names, team_names
from flowpilot.db.counting import capped_count
from flowpilot.errors import Conflict, Forbidden, NotFound, UnprocessableInput
from flowpilot.integrations.models import PsaConnection
from flowpilot.integrations.psa.base import PsaTicket
from flowpilot.jobs.defer import defer
from flowpilot.sessions import search
from flowpilot.sessions.events import StatusChange, status_changed, team_read_rules
from flowpilot.sessions.models import (
    AISession,
    AISessionStep,
    SessionBranch,
    SessionMessage,
    WorkInterval,
)
from flowpilot.sessions.schemas import SearchMatch, SessionCreate, SessionUpdate

# Legal status transitions. Time accrues on every transition (see transition()).
TRANSITIONS: dict[str, set[str]] = {
    "active": {"paused", "escalated", "resolved"},
    "paused": {"active", "escalated", "resolved", "closed"},
    "escalated": {"active", "resolved", "closed"},
    "resolved": {"active", "closed"},
    "closed": set(),
}
PARKED = ("paused", "escalated")
TicketForSession = tuple[PsaConnection, PsaTicket]


def readable_sessions(principal: Principal) -> Select[AISession]:
    """The one query every session read goes through: same account, and the caller owns it,
    is assigned to it, shares its team, or is a lead/admin of the account; or another domain's
    rule lets the caller's teams read it (handoffs: escalated to one of them)."""
    in_account = AISession.account_id == principal.account_id
    if principal.is_lead:
        return select(AISession).where(in_account)
    if not principal.team_ids:
        team_clause: Any = false()
    else:
        team_clause = or_(
            AISession.team_id.in_(principal.team_ids), *team_read_rules(principal.team_ids)
        )
    return select(AISession).where(
        and_(
            in_account,
            or_(
                AISession.owner_id == principal.user_id,
                AISession.assignee_id == principal.user_id,
                team_clause,
            ),
        )
    )


_LOCK_SESSION_ROW = (
    select(AISession.id)
    .where(AISession.id == bindparam("session_id"))
    .with_for_update(key_share=True)
)


async def lock_session_row(db: AsyncSession, session_id: uuid.UUID) -> None:
    """One lock order for every writer: the session row first, then a branch. FOR NO KEY
    UPDATE, so inserts that reference the session (messages, steps) are not blocked by it."""
    await db.execute(_LOCK_SESSION_ROW, {"session_id": session_id})


def can_write(principal: Principal, session: AISession) -> bool:
    return principal.is_lead or principal.user_id in (session.owner_id, session.assignee_id)


async def get_session(db: AsyncSession, principal: Principal, session_id: uuid.UUID) -> AISession:
    """A session the caller may read (to change one, `get_writable_session`, which locks)."""
    session = await db.scalar(readable_sessions(principal).where(AISession.id == session_id))
    if session is None:
        raise NotFound("Session not found")
    return session


def _writable(by_lead: bool, for_update: bool) -> Select[AISession]:
    """The sessions a caller may change (`can_write`): in the caller's account, and, unless
    the caller is a lead, owned by or assigned to them. A narrower scope than
    `readable_sessions` (every writable session is readable), built once per shape with the
    ids as parameters: a chat turn neither assembles it nor works out its cache key again."""
    query = select(AISession).where(
        AISession.account_id == bindparam("account_id"), AISession.id == bindparam("session_id")
    )
    if not by_lead:
        mine: BindParameter[uuid.UUID] = bindparam("user_id")
        query = query.where(or_(AISession.owner_id == mine, AISession.assignee_id == mine))
    if for_update:
        # FOR NO KEY UPDATE, as in lock_session_row; the lock is taken to act on the latest
        # state: what this request loaded before is refreshed.
        query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
    return query


_WRITABLE = {
    (lead, lock): _writable(lead, lock) for lead in (False, True) for lock in (False, True)
}


async def get_writable_session(
    db: AsyncSession, principal: Principal, session_id: uuid.UUID, *, for_update: bool = False
) -> AISession:
    session = await db.scalar(
        _WRITABLE[(principal.is_lead, for_update)],
        {
            "account_id": principal.account_id,
            "session_id": session_id,
            "user_id": principal.user_id,
        },
    )
    if session is None:
        await get_session(db, principal, session_id)  # 404 when the caller cannot even read it
        raise Forbidden("Only the owner, the assignee or a lead can change this session")
    return session


async def _resolve_team(
    db: AsyncSession, principal: Principal, team_id: uuid.UUID | None
) -> uuid.UUID | None:
    if team_id is None:
        return principal.team_ids[0] if principal.team_ids else None
    allowed = principal.is_lead or team_id in principal.team_ids
    exists = await db.scalar(
        select(Team.id).where(Team.id == team_id, Team.account_id == principal.account_id)
    )
    if not exists or not allowed:
        raise NotFound("Team not found")
    return team_id


TITLE_MAX = 300  # ai_sessions.title is String(300)


def _title_from(summary: str) -> str:
    """The whole problem statement on one line; only past 300 characters is it cut, at a word
    boundary, with an ellipsis (the web app truncates for display, with the full text on hover)."""
    line = " ".join(summary.split())
    if len(line) <= TITLE_MAX:
        return line
    cut = line[: TITLE_MAX - 1]
    if line[TITLE_MAX - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"


def _ticket_intake(ticket: TicketForSession) -> tuple[str, str, dict[str, Any]]:
    """Title, summary and intake block from a PSA ticket."""
    connection, t = ticket
    summary = "\n\n".join(p for p in (t.summary.strip(), t.description.strip()) if p)
    block = {
        "connection_id": str(connection.id),
        "connection_name": connection.name,
        "vendor": connection.vendor,
        "ticket_id": t.id,
        "summary": t.summary,
        "description": t.description[:4000],
        "company": t.company,
        "contact": t.contact,
        "contact_email": t.contact_email,
        "status": t.status,
    }
    return f"#{t.id} {t.summary}".strip(), summary[:4000], block


async def create_session(
    db: AsyncSession,
    principal: Principal,
    body: SessionCreate,
    ticket: TicketForSession | None = None,
) -> AISession:
    summary = (body.problem_summary or "").strip()
    title = (body.title or "").strip()
    intake = dict(body.intake)
    if ticket is not None:
        ticket_title, ticket_summary, intake["psa_ticket"] = _ticket_intake(ticket)
        summary = summary or ticket_summary or ticket_title
        title = title or _title_from(ticket_title)
        intake.setdefault("client", ticket[1].company)
    session = AISession(
        account_id=principal.account_id,
        team_id=await _resolve_team(db, principal, body.team_id),
        owner_id=principal.user_id,
        title=title or _title_from(summary),
        problem_summary=summary,
        problem_domain=body.problem_domain,
        intake=intake,
        status="active",
        confidence_tier="discovery",
        psa_connection_id=ticket[0].id if ticket else None,
        psa_ticket_id=ticket[1].id if ticket else None,
    )
    db.add(session)
    await db.flush()
    root = SessionBranch(
        session_id=session.id,
        account_id=principal.account_id,
        branch_order=1,
        label="Main",
        status="active",
    )
    db.add(root)
    await db.flush()
    session.active_branch_id = root.id
    await db.flush()
    await open_work_interval(db, session, principal.user_id)
    await defer(db, "analyse_intake", session_id=str(session.id))
    await db.refresh(session)
    return session


async def transition(
    db: AsyncSession,
    session: AISession,
    new_status: str,
    *,
    actor: uuid.UUID | None = None,
    reason: str | None = None,
) -> AISession:
    """Move along the state machine; time in the old status accrues in the same statement,
    and the engineers' work intervals open (into active) or close (out of active). The
    reason (or None) describes the new status."""
    old = session.status
    if new_status == old:
        return session
    if new_status not in TRANSITIONS[old]:
        raise Conflict(
            f"A session that is {old} cannot become {new_status}",
            code="illegal_transition",
            current_status=old,
        )
    elapsed = func.floor(func.extract("epoch", func.now() - AISession.status_changed_at))
    result = await db.execute(
        update(AISession)
        .where(AISession.id == session.id, AISession.status == old)
        .values(
            status=new_status,
            status_changed_at=func.now(),
            status_reason=reason,
            total_active_seconds=AISession.total_active_seconds
            + (elapsed if old == "active" else literal(0)),
            total_parked_seconds=AISession.total_parked_seconds
            + (elapsed if old in PARKED else literal(0)),
            resolved_at=func.now() if new_status == "resolved" else AISession.resolved_at,
        )
        .returning(AISession.id)
        .execution_options(synchronize_session=False)
    )
    if result.first() is None:
        raise Conflict("The session changed meanwhile; reload and try again", code="stale_status")
    if old == "active":
        await close_work_intervals(db, session.id)
    if new_status == "active":
        await open_work_interval(db, session, actor or session.assignee_id or session.owner_id)
    if new_status == "resolved":
        # PSA notes, KB article and client summary are written from the record, in a job.
        await defer(db, "generate_resolution_outputs", session_id=str(session.id))
    # Other domains react in the same transaction (handoffs settles an open handoff).
    await status_changed(db, StatusChange(session, old, new_status, actor))
    await db.refresh(session)
    return session


async def open_work_interval(db: AsyncSession, session: AISession, user_id: uuid.UUID) -> None:
    db.add(
        WorkInterval(
            session_id=session.id,
            account_id=session.account_id,
            user_id=user_id,
            started_at=func.now(),
        )
    )
    await db.flush()


async def work_intervals(db: AsyncSession, session: AISession) -> list[WorkInterval]:
    """Who actively worked the session and when, oldest first."""
    return list(
        await db.scalars(
            select(WorkInterval)
            .where(
                WorkInterval.session_id == session.id, WorkInterval.account_id == session.account_id
            )
            .order_by(WorkInterval.started_at)
        )
    )


async def close_work_intervals(db: AsyncSession, session_id: uuid.UUID) -> None:
    await db.execute(
        update(WorkInterval)
        .where(WorkInterval.session_id == session_id, WorkInterval.ended_at.is_(None))
        .values(ended_at=func.now())
        .execution_options(synchronize_session=False)
    )


async def update_session(
    db: AsyncSession, principal: Principal, session_id: uuid.UUID, body: SessionUpdate
) -> AISession:
    session = await get_writable_session(db, principal, session_id, for_update=True)
    fields = body.model_dump(exclude_unset=True, exclude={"status", "status_reason"})
    for key, value in fields.items():
        if value is not None or key == "problem_domain":
            setattr(session, key, value)
    await db.flush()
    if body.status is not None:
        await transition(
            db, session, body.status, actor=principal.user_id, reason=body.status_reason
        )
    await db.refresh(session)
    return session


Scope = Literal["mine", "team", "all"]


@dataclass
class SessionList:
    rows: list[AISession]
    total: int
    total_capped: bool
    # Where each session matched the search (only with `q`).
    matches: dict[uuid.UUID, SearchMatch]
    terms: list[str]


async def list_sessions(
    db: AsyncSession,
    principal: Principal,
    *,
    scope: Scope,
    status: str | None,
    q: str | None,
    limit: int,
    offset: int,
    client: str | None = None,
    has_ticket: bool | None = None,
) -> SessionList:
    """A page of the sessions the caller may read, newest activity first; the total counts up
    to COUNT_CAP. `q` searches the sessions' fields and conversations (sessions/search.py)."""
    query = readable_sessions(principal)
    if scope == "mine":
        query = query.where(
            or_(AISession.owner_id == principal.user_id, AISession.assignee_id == principal.user_id)
        )
    elif scope == "team":
        query = query.where(
            AISession.team_id.in_(principal.team_ids) if principal.team_ids else false()
        )
    if status:
        query = query.where(AISession.status == status)
    if client and client.strip():
        query = query.where(search.client_filter(client))
    if has_ticket is not None:
        linked = and_(AISession.psa_ticket_id.isnot(None), AISession.psa_ticket_id != "")
        query = query.where(linked if has_ticket else ~linked)
    terms = search.parse_terms(q)
    saturated = False
    if terms:
        query, saturated = await search.apply_search(db, query, principal.account_id, terms)
    total, more = await capped_count(db, query)
    rows = list(
        await db.scalars(
            query.order_by(AISession.updated_at.desc(), AISession.id).limit(limit).offset(offset)
        )
    )
    matches = await search.matches_for(db, principal.account_id, rows, terms)
    # A term in more messages than were read: older sessions may hold it too.
    return SessionList(rows, total, more or saturated, matches, terms)


async def client_names(
    db: AsyncSession, principal: Principal, prefix: str | None, limit: int
) -> list[str]:
    """The clients of the sessions the caller may read (starting with `prefix`), A→Z, each
    once whatever its case."""
    query = readable_sessions(principal).where(search.session_client.isnot(None))
    if prefix and prefix.strip():
        query = query.where(search.client_filter(prefix))
    key = func.lower(search.session_client)
    names = (
        query.with_only_columns(key.label("key"), func.min(search.session_client).label("name"))
        .group_by(key)
        .order_by(key)
        .limit(limit)
    )
    return [str(name) for _, name in (await db.execute(names)).all()]


async def names_for(
    db: AsyncSession, sessions: list[AISession]
) -> tuple[dict[Any, str], dict[Any, str]]:
    users = await display_names(db, {s.owner_id for s in sessions})
    teams = await team_names(db, {s.team_id for s in sessions})
    return users, teams


# ── the message tree ─────────────────────────────────────────────────────────────────────

_PATH_IDS = text(
    """
    WITH RECURSIVE path AS (
        SELECT id, parent_id FROM session_messages WHERE id = :head AND session_id = :sid
        UNION ALL
        SELECT m.id, m.parent_id FROM session_messages m JOIN path p ON m.id = p.parent_id
    )
    SELECT id FROM path
    """
).columns(id=UUID(as_uuid=True))


def _path(session_id: uuid.UUID, head_id: uuid.UUID) -> Any:
    return _PATH_IDS.bindparams(head=head_id, sid=session_id).subquery("path")


async def message_path(
    db: AsyncSession, session_id: uuid.UUID, head_id: uuid.UUID | None
) -> list[SessionMessage]:
    """The branch's history, root → head: one recursive walk up the parent links, joined
    back to the rows (the tree is never copied per branch)."""
    if head_id is None:
        return []
    path = _path(session_id, head_id)
    rows = await db.scalars(
        select(SessionMessage)
        .join(path, path.c.id == SessionMessage.id)
        .where(SessionMessage.session_id == session_id)
        .order_by(SessionMessage.depth)
    )
    return list(rows)


async def next_step_number(
    db: AsyncSession, session_id: uuid.UUID, *, turn_usage: Usage | None = None
) -> int:
    """The session's next step number, in one atomic UPDATE (no read-modify-write); a chat
    turn also counts itself and adds its token usage in the same statement."""
    if turn_usage is None:
        result = await db.execute(_NEXT_STEP, {"session_id": session_id})
    else:
        params = {"session_id": session_id, **_usage_params(turn_usage)}
        result = await db.execute(_NEXT_TURN_STEP, params)
    return int(result.scalar_one())


_USAGE_KEYS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")
# The session's token totals plus a usage, its counts parameters (`_usage_params`).
_ADDED_USAGE: dict[str, Any] = {
    f"total_{key}": getattr(AISession, f"total_{key}") + bindparam(f"usage_{key}", type_=BigInteger)
    for key in _USAGE_KEYS
}


def _usage_params(usage: Usage) -> dict[str, int]:
    counts = usage.columns()
    return {f"usage_{key}": counts[key] for key in _USAGE_KEYS}


async def add_token_usage(db: AsyncSession, session_id: uuid.UUID, usage: Usage) -> None:
    """Tokens spent for the session outside a turn (a background job's model call)."""
    await db.execute(_ADD_USAGE, {"session_id": session_id, **_usage_params(usage)})


# Every step and every turn runs one of these: built once, their values parameters.
_NEXT_STEP = (
    update(AISession)
    .where(AISession.id == bindparam("session_id"))
    .values(step_count=AISession.step_count + 1)
    .returning(AISession.step_count)
    .execution_options(synchronize_session=False)
)
_NEXT_TURN_STEP = _NEXT_STEP.values(**_ADDED_USAGE, turn_count=AISession.turn_count + 1)
_ADD_USAGE = (
    update(AISession)
    .where(AISession.id == bindparam("session_id"))
    .values(**_ADDED_USAGE)
    .execution_options(synchronize_session=False)
)


async def get_branch(
    db: AsyncSession, session: AISession, branch_id: uuid.UUID | None
) -> SessionBranch:
    """The session's branch (its active one when None); to lock it, lock_branch_with_head."""
    branch = await db.scalar(
        select(SessionBranch).where(
            SessionBranch.session_id == session.id,
            SessionBranch.account_id == session.account_id,
            SessionBranch.id == (branch_id or session.active_branch_id),
        )
    )
    if branch is None:
        raise NotFound("Branch not found")
    return branch


@dataclass(frozen=True)
class Head:
    """Where a branch's next message goes: under its head message (id and depth are all a
    writer needs; the head's text and metadata are not read)."""

    id: uuid.UUID
    depth: int


def _lock_branch_with_head() -> Select[SessionBranch, uuid.UUID, int]:
    session_id: BindParameter[uuid.UUID] = bindparam("session_id")
    return (
        select(SessionBranch, SessionMessage.id, SessionMessage.depth)
        .outerjoin(
            SessionMessage,
            and_(
                SessionMessage.id == SessionBranch.head_message_id,
                SessionMessage.session_id == session_id,
            ),
        )
        .where(
            SessionBranch.session_id == session_id,
            SessionBranch.account_id == bindparam("account_id"),
            SessionBranch.id == bindparam("branch_id"),
        )
        .with_for_update(of=SessionBranch)
        .execution_options(populate_existing=True)
    )


# Every turn takes this lock twice: the statement is built once (ids are parameters).
_LOCK_BRANCH_WITH_HEAD = _lock_branch_with_head()


async def lock_branch_with_head(
    db: AsyncSession,
    session_id: uuid.UUID,
    account_id: uuid.UUID,
    branch_id: uuid.UUID | None,
) -> tuple[SessionBranch, Head | None]:
    """A branch of the session locked and read again, with where its head is, in one
    statement (take the session row's lock first)."""
    params = {"session_id": session_id, "account_id": account_id, "branch_id": branch_id}
    row = (await db.execute(_LOCK_BRANCH_WITH_HEAD, params)).first()
    if row is None:
        raise NotFound("Branch not found")
    branch, head_id, depth = row
    return branch, (Head(head_id, depth) if head_id is not None else None)


async def unanswered_ids(db: AsyncSession, messages: list[SessionMessage]) -> set[uuid.UUID]:
    user_ids = [m.id for m in messages if m.role == "user"]
    if not user_ids:
        return set()
    answered = set(
        (
            await db.scalars(
                # A reply cut before the end does not answer the message: Retry stays offered.
                select(SessionMessage.reply_to_id).where(
                    SessionMessage.reply_to_id.in_(user_ids),
                    SessionMessage.meta["partial"].as_boolean().isnot(True),
                )
            )
        ).all()
    )
    return set(user_ids) - answered


def steps_of(session: AISession) -> Select[AISessionStep]:
    """Every read of a session's steps goes through here (tenant scoped by construction)."""
    return select(AISessionStep).where(
        AISessionStep.session_id == session.id, AISessionStep.account_id == session.account_id
    )


async def claim_follow_up(
    db: AsyncSession, session_id: uuid.UUID, account_id: uuid.UUID, message_id: uuid.UUID
) -> SessionMessage | None:
    """The message, when its follow-up was due: the mark is cleared in the same statement, so
    only one caller ever gets it (None for the others)."""
    claimed = await db.scalars(
        update(SessionMessage)
        .where(
            SessionMessage.id == message_id,
            SessionMessage.session_id == session_id,
            SessionMessage.account_id == account_id,
            SessionMessage.follow_up_due.is_(True),
        )
        .values(follow_up_due=False)
        .returning(SessionMessage),
        execution_options={"synchronize_session": False},
    )
    return claimed.one_or_none()


def open_suggestions(branch_id: uuid.UUID, account_id: uuid.UUID) -> Select[AISessionStep]:
    """A branch's suggestions nobody has reported on yet, newest first."""
    return (
        select(AISessionStep)
        .where(
            AISessionStep.branch_id == branch_id,
            AISessionStep.account_id == account_id,
            AISessionStep.state == "suggested",
        )
        .order_by(AISessionStep.step_number.desc())
    )


async def report_step(
    db: AsyncSession,
    principal: Principal,
    session_id: uuid.UUID,
    step_id: uuid.UUID,
    state: str,
    result: str,
) -> AISessionStep:
    """The engineer marks a suggestion done (with the result), skipped or not applicable, or
    back to suggested. Only suggestions carry a state: a note or a fork proposes nothing."""
    session = await get_writable_session(db, principal, session_id)
    step = await db.scalar(steps_of(session).where(AISessionStep.id == step_id).with_for_update())
    if step is None:
        raise NotFound("Step not found")
    if step.state == "record":
        raise Conflict("This step proposes nothing to report on", code="not_a_suggestion")
    result = " ".join(result.replace("\x00", "").split())
    if state == "done" and not result:
        raise UnprocessableInput("Say what you found: a done step needs its result")
    step.state = state
    step.result = result if state != "suggested" else ""
    reported = state != "suggested"
    step.reported_by = principal.user_id if reported else None
    step.reported_at = datetime.now(UTC) if reported else None
    step.report_source = "engineer" if reported else ""
    step.report_message_id = None
    if step.branch_id is not None:
        await db.execute(
            update(SessionBranch)
            .where(SessionBranch.id == step.branch_id)
            .values(summary_stale=True)
            .execution_options(synchronize_session=False)
        )
    await db.flush()
    return step


async def account_companies(db: AsyncSession, account_id: uuid.UUID) -> list[str]:
    """The client companies this account's PSA tickets name (scrubbed from KB articles)."""
    company = AISession.intake["psa_ticket"]["company"].astext
    rows = await db.scalars(
        select(company)
        .where(AISession.account_id == account_id, company.isnot(None), company != "")
        .distinct()
        .limit(2000)
    )
    return [str(r) for r in rows]
