"""Handoffs (park / escalate)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, DateTime, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from flowpilot.db.base import Base, CreatedMixin, IdMixin, fk_column


class SessionHandoff(IdMixin, CreatedMixin, Base):
    __tablename__ = "session_handoffs"
    __table_args__ = (
        CheckConstraint("intent IN ('park', 'escalate')", name="intent"),
        CheckConstraint("priority IN ('normal', 'elevated')", name="priority"),
        CheckConstraint("status IN ('open', 'claimed', 'cancelled')", name="status"),
        Index("ix_session_handoffs_queue", "account_id", "status", "priority", "created_at"),
        # At most one open handoff per session.
        Index(
            "uq_session_handoffs_one_open",
            "session_id",
            unique=True,
            postgresql_where="status = 'open'",
        ),
        # "Assigned to me" in the queue reads only the open handoffs named for the caller.
        Index(
            "ix_session_handoffs_assignee_open",
            "assignee_id",
            postgresql_where="status = 'open'",
        ),
    )

    session_id: Mapped[uuid.UUID] = fk_column("ai_sessions.id", index=True)
    account_id: Mapped[uuid.UUID] = fk_column("accounts.id")
    handed_off_by: Mapped[uuid.UUID | None] = fk_column("users.id", "SET NULL", nullable=True)
    intent: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="open")
    source_branch_id: Mapped[uuid.UUID | None] = fk_column(
        "session_branches.id", "SET NULL", nullable=True
    )
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    ai_assessment: Mapped[str | None] = mapped_column(Text, nullable=True)
    ai_assessment_data: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    artifacts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    engineer_notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    priority: Mapped[str] = mapped_column(String(20), default="normal")
    waiting_on: Mapped[str | None] = mapped_column(Text, nullable=True)
    remind_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # When whoever picks it up should have it handled (the client's SLA); shown in the queue.
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    target_team_id: Mapped[uuid.UUID | None] = fk_column("teams.id", "SET NULL", nullable=True)
    # The colleague it is handed to by name (a member of the team it goes to); anyone in that
    # team may still claim it.
    assignee_id: Mapped[uuid.UUID | None] = fk_column("users.id", "SET NULL", nullable=True)
    claimed_by: Mapped[uuid.UUID | None] = fk_column("users.id", "SET NULL", nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Set when a lead or admin claims an escalation aimed at a team they are not in.
    claim_note: Mapped[str | None] = mapped_column(String(300), nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    briefing: Mapped[str | None] = mapped_column(Text, nullable=True)
    briefing_generated_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    psa_note_pushed: Mapped[bool] = mapped_column(Boolean, default=False)
    psa_note_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    psa_note_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    notification_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    notification_error: Mapped[str | None] = mapped_column(Text, nullable=True)
