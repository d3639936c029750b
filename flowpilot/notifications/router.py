"""/api/v1/notifications: the caller's in-app notifications (the bell menu)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from flowpilot.auth.deps import CurrentUser
from flowpilot.db.deps import DBSession
from flowpilot.notifications import service
from flowpilot.notifications.schemas import (
    NotificationList,
    NotificationOut,
    NotificationsReadRequest,
)

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


@router.get("", response_model=NotificationList)
async def list_notifications(
    principal: CurrentUser, db: DBSession, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> NotificationList:
    rows, unread = await service.notifications(db, principal, limit)
    return NotificationList(items=[NotificationOut.model_validate(r) for r in rows], unread=unread)


@router.post("/{notification_id}/read", response_model=NotificationOut)
async def mark_read(
    notification_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> NotificationOut:
    return NotificationOut.model_validate(
        await service.mark_notification_read(db, principal, notification_id)
    )


@router.post("/read-all", status_code=204)
async def mark_all_read(
    principal: CurrentUser, db: DBSession, body: NotificationsReadRequest | None = None
) -> None:
    """Mark the caller's unread notifications read: all of them, or only `ids` (the ones the
    menu showed). Ids that are not the caller's are ignored."""
    await service.mark_notifications_read(db, principal, body.ids if body is not None else None)
