"""A message written as its branch's new head: one statement inserts it and moves the head;
the branch as loaded and the branch as stored agree afterwards."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.sessions import service, tree
from flowpilot.sessions.models import SessionBranch, SessionMessage
from tests.conftest import Tenant


async def test_the_new_message_becomes_the_head_in_one_statement(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession
) -> None:
    h = tenant.engineer.headers
    sid = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": "VPN drops"}, headers=h)
    ).json()["id"]
    session_id = uuid.UUID(sid)
    branch_id = await db.scalar(
        select(SessionBranch.id).where(SessionBranch.session_id == session_id)
    )
    # A branch last changed long ago, its summary up to date.
    await db.execute(
        update(SessionBranch)
        .where(SessionBranch.id == branch_id)
        .values(summary_stale=False, updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    )
    await service.lock_session_row(db, session_id)
    branch, head = await service.lock_branch_with_head(db, session_id, tenant.account.id, branch_id)
    assert not branch.summary_stale

    message = await tree.add_head_message(
        db,
        branch=branch,
        parent=head,
        role="user",
        content="it drops every 10 minutes",
        branch_changes={"summary_stale": True},
    )

    assert message.depth == (head.depth + 1 if head else 0)
    assert message.parent_id == (head.id if head else None)
    assert (message.input_tokens, message.meta, message.attachments) == (0, {}, [])
    assert branch.head_message_id == message.id and branch.summary_stale
    assert branch.updated_at.year > 2020
    assert not db.dirty  # nothing left for another UPDATE
    stored = (
        await db.execute(
            select(
                SessionBranch.head_message_id, SessionBranch.summary_stale, SessionBranch.updated_at
            )
            .where(SessionBranch.id == branch.id)
            .execution_options(populate_existing=True)
        )
    ).one()
    assert tuple(stored) == (message.id, True, branch.updated_at)
    assert await db.get(SessionMessage, message.id) is message  # in the session's identity map
