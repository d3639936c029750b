"""Fork points: where a session split into competing hypotheses."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from flowpilot.db.base import Base, CreatedMixin, IdMixin, fk_column


class ForkPoint(IdMixin, CreatedMixin, Base):
    """options: [{label, description, branch_id}]. An option's status is its branch's status,
    read from the branch when served, so the two can never disagree."""

    __tablename__ = "fork_points"

    session_id: Mapped[uuid.UUID] = fk_column("ai_sessions.id", index=True)
    account_id: Mapped[uuid.UUID] = fk_column("accounts.id")
    parent_branch_id: Mapped[uuid.UUID] = fk_column("session_branches.id")
    trigger_step_id: Mapped[uuid.UUID | None] = fk_column(
        "ai_session_steps.id", "SET NULL", nullable=True
    )
    trigger_message_id: Mapped[uuid.UUID | None] = fk_column(
        "session_messages.id", "SET NULL", nullable=True
    )
    created_by: Mapped[uuid.UUID | None] = fk_column("users.id", "SET NULL", nullable=True)
    fork_reason: Mapped[str] = mapped_column(Text)
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
