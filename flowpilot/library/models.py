"""Troubleshooting flows (starter playbooks) and KB articles, searchable with full-text search."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Computed, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from flowpilot.db.base import Base, CreatedMixin, IdMixin, fk_column

SEARCH_EXPRESSION = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(keywords_text, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'C')"
)


class LibraryEntry(IdMixin, CreatedMixin, Base):
    __tablename__ = "library_entries"
    __table_args__ = (
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
    search: Mapped[Any] = mapped_column(TSVECTOR, Computed(SEARCH_EXPRESSION, persisted=True))
