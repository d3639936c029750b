"""Model calls made for a session by background work (summaries, intake and evidence readings,
resolution documents), with their tokens: what chat answers do not already record."""

from __future__ import annotations

import uuid

from sqlalchemy import (
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from flowpilot.db.base import Base, CreatedMixin, IdMixin, fk_column


class UsageEvent(IdMixin, CreatedMixin, Base):
    __tablename__ = "usage_events"
    __table_args__ = (Index("ix_usage_events_account_created", "account_id", "created_at"),)

    account_id: Mapped[uuid.UUID] = fk_column("accounts.id")
    session_id: Mapped[uuid.UUID] = fk_column("ai_sessions.id", index=True)
    kind: Mapped[str] = mapped_column(String(40))  # the request's name, e.g. branch_summary
    provider: Mapped[str] = mapped_column(String(30))
    model: Mapped[str] = mapped_column(String(120))
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_read_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_write_tokens: Mapped[int] = mapped_column(Integer, default=0)
