"""AI sessions, their message tree, branches and per-turn steps.

Messages form a tree (parent_id). A branch points at its head message; its history is the
path root → head. The foundation creates one root branch per session; forks add branches
that point into the same tree without copying any message.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    literal_column,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from flowpilot.db.base import Base, CreatedMixin, IdMixin, fk_column

SESSION_STATUSES = ("active", "paused", "escalated", "resolved", "closed")
BRANCH_STATUSES = ("active", "dead_end", "solved", "untried", "revived")
STEP_TYPES = (
    "question",
    "action",
    "script_generation",
    "verification",
    "info_request",
    "note",
    "intake_analysis",
    "fork",
)
CONFIDENCE_TIERS = ("discovery", "hypothesis", "confirmed")
# A suggestion is "suggested" until the engineer reports on it; "record" steps (intake, fork,
# notes, stopped replies) never propose work.
STEP_STATES = ("suggested", "done", "skipped", "not_applicable", "record")
REPORTED_STATES = ("done", "skipped", "not_applicable")


class AISession(IdMixin, CreatedMixin, Base):
    __tablename__ = "ai_sessions"
    __table_args__ = (
        CheckConstraint(f"status IN {SESSION_STATUSES}", name="status"),
        CheckConstraint(f"confidence_tier IN {CONFIDENCE_TIERS}", name="confidence_tier"),
        Index("ix_ai_sessions_account_status", "account_id", "status"),
        Index("ix_ai_sessions_owner", "owner_id", "created_at"),
        # Session lists, newest activity first (a page stops after its rows).
        Index("ix_ai_sessions_account_updated", "account_id", "updated_at"),
        # Session search (`q=`) matches anywhere in the title or the problem.
        Index(
            "ix_ai_sessions_title_trgm",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        ),
        Index(
            "ix_ai_sessions_problem_summary_trgm",
            "problem_summary",
            postgresql_using="gin",
            postgresql_ops={"problem_summary": "gin_trgm_ops"},
        ),
        # … and in the client, site, contact, device and ticket number (migration 0025 defines
        # the functions; sessions/search.py reads the same fields).
        Index(
            "ix_ai_sessions_who_trgm",
            literal_column("flowpilot_session_who(intake, psa_ticket_id)").label("who"),
            postgresql_using="gin",
            postgresql_ops={"who": "gin_trgm_ops"},
        ),
        # The client filter (`client=`): case-insensitive prefix within an account.
        Index(
            "ix_ai_sessions_account_client",
            "account_id",
            literal_column("lower(flowpilot_session_client(intake))").label("client"),
            postgresql_ops={"client": "text_pattern_ops"},
        ),
    )

    account_id: Mapped[uuid.UUID] = fk_column("accounts.id")
    team_id: Mapped[uuid.UUID | None] = fk_column("teams.id", "SET NULL", nullable=True, index=True)
    owner_id: Mapped[uuid.UUID] = fk_column("users.id")
    assignee_id: Mapped[uuid.UUID | None] = fk_column("users.id", "SET NULL", nullable=True)
    title: Mapped[str] = mapped_column(String(300))
    problem_summary: Mapped[str] = mapped_column(Text)
    problem_domain: Mapped[str | None] = mapped_column(String(120), nullable=True)
    intake: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="active")
    status_changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # Why the session is in its status, when someone said (e.g. "duplicate of #4512").
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    confidence_tier: Mapped[str] = mapped_column(String(20), default="discovery")
    psa_connection_id: Mapped[uuid.UUID | None] = fk_column(
        "psa_connections.id", "SET NULL", nullable=True
    )
    psa_ticket_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # Counters: only ever changed by `SET x = x + n` in SQL (see service.next_step_number).
    total_input_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    total_output_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    total_cache_read_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    total_cache_write_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    turn_count: Mapped[int] = mapped_column(Integer, default=0)
    step_count: Mapped[int] = mapped_column(Integer, default=0)
    is_branching: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set by the first upload (uploads/service.py): a turn reads the session's uploads only then.
    has_uploads: Mapped[bool] = mapped_column(Boolean, default=False)
    # Soft pointer (no FK): avoids a circular FK with session_branches.
    active_branch_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)
    handoff_count: Mapped[int] = mapped_column(Integer, default=0)
    total_active_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    total_parked_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SessionBranch(IdMixin, CreatedMixin, Base):
    __tablename__ = "session_branches"
    __table_args__ = (
        CheckConstraint(f"status IN {BRANCH_STATUSES}", name="status"),
        CheckConstraint("branch_order > 0", name="branch_order_positive"),
        UniqueConstraint("session_id", "branch_order"),
        Index("ix_session_branches_session_status", "session_id", "status"),
    )

    session_id: Mapped[uuid.UUID] = fk_column("ai_sessions.id", index=True)
    account_id: Mapped[uuid.UUID] = fk_column("accounts.id")
    parent_branch_id: Mapped[uuid.UUID | None] = fk_column("session_branches.id", nullable=True)
    fork_point_step_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("ai_session_steps.id", ondelete="SET NULL", use_alter=True),
        nullable=True,
    )
    branch_order: Mapped[int] = mapped_column(Integer, default=1)
    label: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="active")
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    status_changed_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    status_changed_by: Mapped[uuid.UUID | None] = fk_column("users.id", "SET NULL", nullable=True)
    context_summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    summary_generated_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    summary_stale: Mapped[bool] = mapped_column(Boolean, default=True)
    # Depth where the last model prompt's verbatim history began (see sessions/history.py):
    # kept until the budget forces a cut, so the prompt prefix stays cached.
    prompt_window_start: Mapped[int | None] = mapped_column(Integer, nullable=True)
    evidence_from_branch_id: Mapped[uuid.UUID | None] = fk_column(
        "session_branches.id", "SET NULL", nullable=True
    )
    evidence_description: Mapped[str | None] = mapped_column(Text, nullable=True)
    # When the engineer last left this branch: "what changed elsewhere since you were here".
    last_active_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    head_message_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("session_messages.id", ondelete="SET NULL", use_alter=True),
        nullable=True,
    )
    forked_from_message_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("session_messages.id", ondelete="SET NULL", use_alter=True),
        nullable=True,
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class SessionMessage(IdMixin, CreatedMixin, Base):
    __tablename__ = "session_messages"
    __table_args__ = (
        CheckConstraint("role IN ('user', 'assistant', 'system')", name="role"),
        Index("ix_session_messages_session_created", "session_id", "created_at"),
        # Session search through the conversation (`q=`, sessions/search.py): a term among
        # the account's messages (btree_gin + pg_trgm), or the newest of them first.
        Index(
            "ix_session_messages_account_content_trgm",
            "account_id",
            "content",
            postgresql_using="gin",
            postgresql_ops={"content": "gin_trgm_ops"},
        ),
        Index("ix_session_messages_account_created", "account_id", "created_at"),
    )

    session_id: Mapped[uuid.UUID] = fk_column("ai_sessions.id")
    account_id: Mapped[uuid.UUID] = fk_column("accounts.id")
    parent_id: Mapped[uuid.UUID | None] = fk_column(
        "session_messages.id", nullable=True, index=True
    )
    branch_id: Mapped[uuid.UUID] = fk_column("session_branches.id", index=True)
    # The user message an assistant message answers (usually its parent; not always when
    # two engineers send at once and turns interleave).
    reply_to_id: Mapped[uuid.UUID | None] = fk_column(
        "session_messages.id", "SET NULL", nullable=True, index=True
    )
    depth: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    author_id: Mapped[uuid.UUID | None] = fk_column("users.id", "SET NULL", nullable=True)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    meta: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_read_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_write_tokens: Mapped[int] = mapped_column(Integer, default=0)
    # An engineer's message whose follow-up (its reports on open suggestions, the model's
    # reading of it) has not run yet: set when it is saved, cleared by the follow-up that
    # claims it (conversation/follow_up.py), so a turn cut short leaves it to Retry.
    follow_up_due: Mapped[bool] = mapped_column(Boolean, default=False)


class AISessionStep(IdMixin, CreatedMixin, Base):
    """One structured record per assistant turn (and per intake analysis, fork, …)."""

    __tablename__ = "ai_session_steps"
    __table_args__ = (
        CheckConstraint(f"step_type IN {STEP_TYPES}", name="step_type"),
        CheckConstraint(f"state IN {STEP_STATES}", name="state"),
        UniqueConstraint("session_id", "step_number"),
        Index("ix_ai_session_steps_branch_state", "branch_id", "state"),
    )

    session_id: Mapped[uuid.UUID] = fk_column("ai_sessions.id", index=True)
    account_id: Mapped[uuid.UUID] = fk_column("accounts.id")
    branch_id: Mapped[uuid.UUID | None] = fk_column(
        "session_branches.id", "SET NULL", nullable=True, index=True
    )
    message_id: Mapped[uuid.UUID | None] = fk_column(
        "session_messages.id", "SET NULL", nullable=True
    )
    step_number: Mapped[int] = mapped_column(Integer)
    step_type: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300), default="")
    content: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    is_fork_point: Mapped[bool] = mapped_column(Boolean, default=False)
    fork_point_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)
    provider: Mapped[str] = mapped_column(String(30), default="")
    model: Mapped[str] = mapped_column(String(120), default="")
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_read_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_write_tokens: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20), default="record")
    # The engineer's report on a suggestion: their words, who, when, from which message.
    result: Mapped[str] = mapped_column(Text, default="")
    reported_by: Mapped[uuid.UUID | None] = fk_column("users.id", "SET NULL", nullable=True)
    reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    report_message_id: Mapped[uuid.UUID | None] = fk_column(
        "session_messages.id", "SET NULL", nullable=True
    )
    report_source: Mapped[str] = mapped_column(String(20), default="")  # message | engineer


class HistoryChunk(IdMixin, CreatedMixin, Base):
    """A digest of one fixed run of messages on a path (depths k*C … k*C+C-1), keyed by the
    run's last message. Immutable: messages never change and a path above a message is
    unique, so it is written once (by a job) and read by every later turn. Prompts past the
    history budget carry digests instead of the cut messages, so their prefix changes only
    when another whole chunk is cut; guidance reads each chunk's evidence and guide marks
    instead of re-reading every old message."""

    __tablename__ = "history_chunks"

    session_id: Mapped[uuid.UUID] = fk_column("ai_sessions.id", index=True)
    account_id: Mapped[uuid.UUID] = fk_column("accounts.id")
    last_message_id: Mapped[uuid.UUID] = fk_column("session_messages.id", unique=True)
    # The message just before the chunk's first one (None for the chunk at the root).
    previous_message_id: Mapped[uuid.UUID | None] = fk_column("session_messages.id", nullable=True)
    first_depth: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # [{"depth": d, "slug": …, "step_id": …, "fix_cause": …}] for each guided reply.
    guides: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)


class WorkInterval(IdMixin, Base):
    """One engineer actively working one session, from start to end (open while active)."""

    __tablename__ = "session_work_intervals"
    __table_args__ = (Index("ix_session_work_intervals_session", "session_id", "started_at"),)

    session_id: Mapped[uuid.UUID] = fk_column("ai_sessions.id")
    account_id: Mapped[uuid.UUID] = fk_column("accounts.id")
    user_id: Mapped[uuid.UUID | None] = fk_column("users.id", "SET NULL", nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
