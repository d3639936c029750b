"""Troubleshooting flows (starter playbooks) and KB articles, searchable with full-text search."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Computed,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from flowpilot.db.base import Base, CreatedMixin, IdMixin, fk_column

SEARCH_EXPRESSION = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(keywords_text, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'C')"
)


ENTRY_STATUSES = ("active", "retired")


class LibraryEntry(IdMixin, CreatedMixin, Base):
    __tablename__ = "library_entries"
    __table_args__ = (
        CheckConstraint(f"status IN {ENTRY_STATUSES}", name="status"),
        # NULL account = the starter library every account sees.
        UniqueConstraint("account_id", "slug", postgresql_nulls_not_distinct=True),
        Index("ix_library_entries_search", "search", postgresql_using="gin"),
    )

    account_id: Mapped[uuid.UUID | None] = fk_column("accounts.id", nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(20), default="flow")
    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(300))
    domain: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text, default="")
    keywords_text: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    # The whole playbook (decision guide: aliases, products, causes, checks, sources).
    guide: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="active")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[uuid.UUID | None] = fk_column("users.id", "SET NULL", nullable=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    search: Mapped[Any] = mapped_column(TSVECTOR, Computed(SEARCH_EXPRESSION, persisted=True))


class LibraryEntryVersion(IdMixin, CreatedMixin, Base):
    """Every saved state of an account's playbook: edits never lose the previous text."""

    __tablename__ = "library_entry_versions"
    __table_args__ = (UniqueConstraint("entry_id", "version"),)

    entry_id: Mapped[uuid.UUID] = fk_column("library_entries.id", index=True)
    account_id: Mapped[uuid.UUID] = fk_column("accounts.id")
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    guide: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="active")
    note: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[uuid.UUID | None] = fk_column("users.id", "SET NULL", nullable=True)
