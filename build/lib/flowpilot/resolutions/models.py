"""The three documents written when a session is resolved, their versions and push log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from flowpilot.db.base import Base, CreatedMixin, IdMixin, fk_column

OUTPUT_TYPES = ("psa_ticket_notes", "knowledge_base", "client_summary")


class SessionResolutionOutput(IdMixin, CreatedMixin, Base):
    __tablename__ = "session_resolution_outputs"
    __table_args__ = (
        CheckConstraint(f"output_type IN {OUTPUT_TYPES}", name="output_type"),
        CheckConstraint("status IN ('draft', 'approved', 'pushed', 'rejected')", name="status"),
        # One current document per type; older texts live in resolution_output_versions.
        UniqueConstraint("session_id", "output_type"),
    )

    session_id: Mapped[uuid.UUID] = fk_column("ai_sessions.id", index=True)
    account_id: Mapped[uuid.UUID] = fk_column("accounts.id")
    output_type: Mapped[str] = mapped_column(String(30))
    generated_content: Mapped[str] = mapped_column(Text)
    structured_data: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    edited_content: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    pushed_to: Mapped[str | None] = mapped_column(String(50), nullable=True)
    pushed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    pushed_reference: Mapped[str | None] = mapped_column(String(200), nullable=True)
    generated_by_model: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class ResolutionOutputVersion(IdMixin, CreatedMixin, Base):
    __tablename__ = "resolution_output_versions"

    output_id: Mapped[uuid.UUID] = fk_column("session_resolution_outputs.id", index=True)
    account_id: Mapped[uuid.UUID] = fk_column("accounts.id")
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))  # generated | edited
    content: Mapped[str] = mapped_column(Text)


PUSH_RESULTS = ("queued", "retrying", "ok", "failed")


class ResolutionPushLog(IdMixin, CreatedMixin, Base):
    """One delivery of one document to one destination; the job updates it per attempt."""

    __tablename__ = "resolution_push_log"
    __table_args__ = (CheckConstraint(f"result IN {PUSH_RESULTS}", name="result"),)

    output_id: Mapped[uuid.UUID] = fk_column("session_resolution_outputs.id", index=True)
    account_id: Mapped[uuid.UUID] = fk_column("accounts.id")
    destination: Mapped[str] = mapped_column(String(30))
    request_summary: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    # What is sent is frozen at request time: a later edit never changes a queued push.
    content: Mapped[str] = mapped_column(Text, default="")
    recipients: Mapped[list[str] | None] = mapped_column(JSONB, nullable=True)
    psa_connection_id: Mapped[uuid.UUID | None] = fk_column(
        "psa_connections.id", "SET NULL", nullable=True
    )
    ticket_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # psa: also move the ticket to the connection's resolved status after the note.
    close_ticket: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # psa, notes with time: the push's own work type / billable (else the connection's).
    work_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    billable: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    requested_by_id: Mapped[uuid.UUID | None] = fk_column("users.id", "SET NULL", nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
