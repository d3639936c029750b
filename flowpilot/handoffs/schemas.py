"""Handoff API shapes (names follow the seed plan)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Intent = Literal["park", "escalate"]
Priority = Literal["normal", "elevated"]
# Queue filter: named for the caller, named for nobody, or either (the default).
Assigned = Literal["me", "anyone", "unassigned"]


class Assessment(BaseModel):
    likely_cause: str = Field(max_length=2000)
    confidence: Literal["low", "medium", "high"]
    ruled_out: list[str] = Field(default_factory=list, max_length=20)
    suggested_steps: list[str] = Field(default_factory=list, max_length=20)
    risks: list[str] = Field(default_factory=list, max_length=20)


class Briefing(BaseModel):
    briefing: str = Field(min_length=1, max_length=12000)


class HandoffCreateRequest(BaseModel):
    intent: Intent
    engineer_notes: str | None = Field(default=None, max_length=8000)
    priority: Priority = "normal"
    waiting_on: str | None = Field(default=None, max_length=1000)
    remind_at: datetime | None = None
    # Due time (e.g. the client's SLA): in the future, within a year, with a time zone.
    due_at: datetime | None = None
    target_team_id: uuid.UUID | None = None
    # A named colleague: an active member of the team it goes to (the target team, else the
    # session's team), not the author. Anyone in that team may still claim it.
    assignee_id: uuid.UUID | None = None
    # The assessment shown in the preview (possibly edited); generated when absent.
    assessment: Assessment | None = None

    @field_validator("due_at")
    @classmethod
    def _due_ahead(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("give the due time with a time zone (e.g. 2026-12-01T17:00:00Z)")
        now = datetime.now(UTC)
        if value <= now:
            raise ValueError("the due time is in the past")
        if value > now + timedelta(days=366):
            raise ValueError("the due time is more than a year away")
        return value


class HandoffPreviewRequest(BaseModel):
    intent: Intent
    waiting_on: str | None = Field(default=None, max_length=1000)
    engineer_notes: str | None = Field(default=None, max_length=8000)


class HandoffPreview(BaseModel):
    snapshot: dict[str, Any]
    assessment: Assessment | None
    ai_assessment: str | None


class HandoffResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    session_id: uuid.UUID
    handed_off_by: uuid.UUID | None
    handed_off_by_name: str = ""
    intent: Intent
    status: Literal["open", "claimed", "cancelled"]
    source_branch_id: uuid.UUID | None
    snapshot: dict[str, Any]
    ai_assessment: str | None
    ai_assessment_data: dict[str, Any] | None
    artifacts: list[dict[str, Any]]
    engineer_notes: str | None
    priority: Priority
    waiting_on: str | None
    remind_at: datetime | None
    due_at: datetime | None = None
    target_team_id: uuid.UUID | None
    assignee_id: uuid.UUID | None = None
    assignee_name: str = ""
    claimed_by: uuid.UUID | None
    claimed_by_name: str = ""
    claimed_at: datetime | None
    claim_note: str | None = None
    psa_note_pushed: bool
    psa_note_id: str | None = None
    psa_note_error: str | None = None
    notification_sent: bool
    notification_error: str | None
    created_at: datetime


class HandoffBriefingResponse(BaseModel):
    briefing: str
    generated_at: datetime | None
    handoff: HandoffResponse


class QueueItemResponse(BaseModel):
    handoff_id: uuid.UUID
    session_id: uuid.UUID
    title: str
    intent: Intent
    problem_summary: str | None
    problem_domain: str | None
    priority: Priority
    handed_off_by: uuid.UUID | None
    handed_off_by_name: str | None
    engineer_notes: str | None
    waiting_on: str | None
    target_team_name: str | None
    branch_count: int = 0
    waiting_seconds: int
    created_at: datetime
    due_at: datetime | None = None
    overdue: bool = False
    claimed_by: uuid.UUID | None = None
    claimed_at: datetime | None = None
    assignee_id: uuid.UUID | None = None
    assignee_name: str | None = None


class QueuePage(BaseModel):
    items: list[QueueItemResponse]
    # Counted up to 1,000; past that total is 1000 and total_capped true ("1,000+").
    total: int
    total_capped: bool = False
    limit: int
    offset: int


class WorkIntervalOut(BaseModel):
    user_id: uuid.UUID | None
    user_name: str
    started_at: datetime
    ended_at: datetime | None
    seconds: int


class EngineerTime(BaseModel):
    user_id: uuid.UUID | None
    user_name: str
    seconds: int


class SessionTimeResponse(BaseModel):
    total_active_seconds: int
    total_parked_seconds: int
    per_engineer: list[EngineerTime]
    intervals: list[WorkIntervalOut]
