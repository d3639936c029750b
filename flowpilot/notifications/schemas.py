from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    kind: str
    title: str
    body: str
    session_id: uuid.UUID | None
    handoff_id: uuid.UUID | None
    read_at: datetime | None
    created_at: datetime


class NotificationList(BaseModel):
    items: list[NotificationOut]
    unread: int


class NotificationsReadRequest(BaseModel):
    """Which notifications to mark read: the ones the user has seen; all of them when omitted."""

    ids: list[uuid.UUID] | None = Field(default=None, max_length=100)
