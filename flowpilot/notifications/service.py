"""In-app notifications: written by any domain (handoffs, budgets), read by their recipient."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.auth.service import Principal
from flowpilot.errors import NotFound
from flowpilot.notifications.models import Notification


async def notify(
    db: AsyncSession,
    account_id: uuid.UUID,
    user_ids: Iterable[uuid.UUID],
    *,
    kind: str,
    title: str,
    body: str,
    session_id: uuid.UUID | None = None,
    handoff_id: uuid.UUID | None = None,
) -> None:
    for user_id in user_ids:
        db.add(
            Notification(
                account_id=account_id,
                user_id=user_id,
                kind=kind,
                title=title[:300],
                body=body,
                session_id=session_id,
                handoff_id=handoff_id,
            )
        )
    await db.flush()


def notifications_of(principal: Principal) -> Select[Notification]:
    """The scoping query: the caller's own notifications in their account."""
    return select(Notification).where(
        Notification.user_id == principal.user_id, Notification.account_id == principal.account_id
    )


async def notifications(
    db: AsyncSession, principal: Principal, limit: int
) -> tuple[list[Notification], int]:
    """The newest `limit`, and how many are unread."""
    rows = await db.scalars(
        notifications_of(principal).order_by(Notification.created_at.desc()).limit(limit)
    )
    unread = await db.scalar(
        select(func.count()).select_from(
            notifications_of(principal).where(Notification.read_at.is_(None)).subquery()
        )
    )
    return list(rows), unread or 0


async def mark_notification_read(
    db: AsyncSession, principal: Principal, notification_id: uuid.UUID
) -> Notification:
    row = await db.scalar(notifications_of(principal).where(Notification.id == notification_id))
    if row is None:
        raise NotFound("Notification not found")
    row.read_at = row.read_at or datetime.now(UTC)
    await db.flush()
    return row


async def mark_notifications_read(
    db: AsyncSession, principal: Principal, ids: list[uuid.UUID] | None
) -> None:
    query = (
        update(Notification)
        .where(
            Notification.user_id == principal.user_id,
            Notification.account_id == principal.account_id,
            Notification.read_at.is_(None),
        )
        .values(read_at=func.now())
        .execution_options(synchronize_session=False)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    await db.execute(query)
