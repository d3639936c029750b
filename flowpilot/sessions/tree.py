"""Writing a session's tree for the domains above sessions (branching, conversation, handoffs):
messages, steps, branches and the session's counters. Sessions own these tables; the rules
that keep the tree whole (a message one deeper than its parent, step numbers counted
atomically, branch order) live here, once."""

from __future__ import annotations

import functools
import uuid
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from flowpilot.ai.base import Usage
from flowpilot.db.base import Base
from flowpilot.sessions.models import AISession, AISessionStep, SessionBranch, SessionMessage
from flowpilot.sessions.service import Head, add_token_usage, next_step_number


async def add_head_message(
    db: AsyncSession,
    *,
    branch: SessionBranch,
    parent: SessionMessage | Head | None,
    role: str,
    content: str,
    branch_changes: dict[str, Any] | None = None,
    **fields: Any,
) -> SessionMessage:
    """A message under `parent` that becomes `branch`'s head, written in one statement: the
    insert, with the branch's update (its new head and `branch_changes`) as a CTE; the foreign
    key from the branch to its head is checked at the statement's end, when the message
    exists. Lock the branch first."""
    message_id = uuid.uuid4()
    changes = {"head_message_id": message_id, **(branch_changes or {})}
    values = {
        **_defaults(SessionMessage),
        "id": message_id,
        "session_id": branch.session_id,
        "account_id": branch.account_id,
        "parent_id": parent.id if parent else None,
        "depth": (parent.depth + 1) if parent else 0,
        "branch_id": branch.id,
        "role": role,
        "content": content,
        **fields,
    }
    statement = _head_message_statement(tuple(values), tuple(changes))
    params = {f"m_{key}": value for key, value in values.items()}
    params.update({f"b_{key}": value for key, value in changes.items()}, moved_branch=branch.id)
    message, branch_updated_at = (await db.execute(statement, params)).one()
    # What the statement wrote, known to the loaded branch without another UPDATE.
    for key, value in {**changes, "updated_at": branch_updated_at}.items():
        set_committed_value(branch, key, value)
    return message  # type: ignore[no-any-return]


@functools.cache
def _head_message_statement(message_keys: tuple[str, ...], branch_keys: tuple[str, ...]) -> Any:
    """The insert-and-move-head statement for one set of columns, built once (a turn writes
    two shapes: the engineer's message and the reply), its values parameters."""
    messages, branches = SessionMessage.__table__.c, SessionBranch.__table__.c
    move_head = (
        update(SessionBranch)
        .where(SessionBranch.id == bindparam("moved_branch"))
        .values({key: bindparam(f"b_{key}", type_=branches[key].type) for key in branch_keys})
        .returning(SessionBranch.updated_at)
        .cte("move_head")
    )
    return (
        insert(SessionMessage)
        .values({key: bindparam(f"m_{key}", type_=messages[key].type) for key in message_keys})
        .returning(SessionMessage, select(move_head.c.updated_at).scalar_subquery())
        .add_cte(move_head)
        # One row, its values the statement's own parameters (not an ORM bulk insert).
        .execution_options(dml_strategy="orm")
    )


def _defaults(model: type[Base]) -> dict[str, Any]:
    """The Python-side column defaults a flush would fill in (an INSERT statement written by
    hand leaves them out)."""
    values: dict[str, Any] = {}
    for column in model.__table__.columns:
        default = column.default
        if default is None or column.primary_key:
            continue
        if default.is_scalar:
            values[column.key] = default.arg
        elif default.is_callable:
            values[column.key] = default.arg(None)
    return values


async def add_step(
    db: AsyncSession,
    *,
    session_id: uuid.UUID,
    account_id: uuid.UUID,
    number: int | None = None,
    **fields: Any,
) -> AISessionStep:
    """A step numbered next in the session. `number`: one the caller took already (a chat
    turn takes it first, with its usage, `next_step_number`: that statement locks the
    session's row)."""
    if number is None:
        number = await next_step_number(db, session_id)
    step = AISessionStep(session_id=session_id, account_id=account_id, step_number=number, **fields)
    db.add(step)
    await db.flush()
    return step


async def add_branches(
    db: AsyncSession, session: AISession, branches: list[dict[str, Any]]
) -> list[SessionBranch]:
    """New branches of the session, ordered after its existing ones (in the order given). The
    session is then branching (a turn reads sibling summaries only in a branching session)."""
    session.is_branching = True
    last = await db.scalar(
        select(func.coalesce(func.max(SessionBranch.branch_order), 0)).where(
            SessionBranch.session_id == session.id
        )
    )
    rows = [
        SessionBranch(
            session_id=session.id,
            account_id=session.account_id,
            branch_order=int(last or 0) + offset,
            **fields,
        )
        for offset, fields in enumerate(branches, start=1)
    ]
    db.add_all(rows)
    await db.flush()
    return rows


async def add_job_usage(db: AsyncSession, session_id: uuid.UUID, usage: Usage) -> None:
    """Tokens a background job spent for the session (not a turn, not a step)."""
    await add_token_usage(db, session_id, usage)


async def count_handoff(db: AsyncSession, session_id: uuid.UUID) -> None:
    await db.execute(
        update(AISession)
        .where(AISession.id == session_id)
        .values(handoff_count=AISession.handoff_count + 1)
        .execution_options(synchronize_session=False)
    )
