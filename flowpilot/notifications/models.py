"""In-app notifications: one row per recipient (the bell menu reads them)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from flowpilot.db.base import Base, CreatedMixin, IdMixin, fk_column


class Notification(IdMixin, CreatedMixin, Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at", "created_at"),)

    account_id: Mapped[uuid.UUID] = fk_column("accounts.id")
    user_id: Mapped[uuid.UUID] = fk_column("users.id")
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    session_id: Mapped[uuid.UUID | None] = fk_column("ai_sessions.id", nullable=True)
    handoff_id: Mapped[uuid.UUID | None] = fk_column("session_handoffs.id", nullable=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
