"""In-app notifications: one row per recipient (the bell menu reads them)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.handoffs.models import Notification


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
