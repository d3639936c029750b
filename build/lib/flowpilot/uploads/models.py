"""Files engineers attach to a session: screenshots, logs, documents."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from flowpilot.db.base import Base, CreatedMixin, IdMixin, fk_column


class FileUpload(IdMixin, CreatedMixin, Base):
    __tablename__ = "file_uploads"
    __table_args__ = (
        CheckConstraint(
            "description_status IN ('pending', 'done', 'failed')", name="description_status"
        ),
        Index("ix_file_uploads_session_created", "session_id", "created_at"),
    )

    account_id: Mapped[uuid.UUID] = fk_column("accounts.id")
    session_id: Mapped[uuid.UUID] = fk_column("ai_sessions.id")
    uploaded_by: Mapped[uuid.UUID | None] = fk_column("users.id", "SET NULL", nullable=True)
    original_name: Mapped[str] = mapped_column(String(255))
    detected_type: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # image | text | pdf | email
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    ai_description: Mapped[str | None] = mapped_column(Text, nullable=True)
    extracted_content: Mapped[str | None] = mapped_column(Text, nullable=True)
    content_summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    description_data: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    uploaded_on_branch_id: Mapped[uuid.UUID | None] = fk_column(
        "session_branches.id", "SET NULL", nullable=True
    )
    uploaded_at_step_id: Mapped[uuid.UUID | None] = fk_column(
        "ai_session_steps.id", "SET NULL", nullable=True
    )
    description_status: Mapped[str] = mapped_column(String(20), default="pending")
    description_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    description_attempts: Mapped[int] = mapped_column(Integer, default=0)
