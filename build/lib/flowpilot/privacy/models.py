"""What a session's client identifiers were replaced by before a cloud model saw them."""

from __future__ import annotations

import uuid

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from flowpilot.db.base import Base, CreatedMixin, IdMixin, fk_column


class RedactionEntry(IdMixin, CreatedMixin, Base):
    """One value (a client name, host, e-mail, …) and its placeholder in one session. Stable
    for the session's life, so prompts stay byte-identical (cacheable) from turn to turn."""

    __tablename__ = "redaction_entries"
    __table_args__ = (
        UniqueConstraint("session_id", "original_key"),
        UniqueConstraint("session_id", "placeholder"),
    )

    session_id: Mapped[uuid.UUID] = fk_column("ai_sessions.id", index=True)
    account_id: Mapped[uuid.UUID] = fk_column("accounts.id")
    kind: Mapped[str] = mapped_column(String(20))
    original: Mapped[str] = mapped_column(Text)
    # The value case-folded: "ACME Dental" and "Acme Dental" are one client.
    original_key: Mapped[str] = mapped_column(Text)
    placeholder: Mapped[str] = mapped_column(String(40))
