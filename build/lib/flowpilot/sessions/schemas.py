from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SessionStatus = Literal["active", "paused", "escalated", "resolved", "closed"]
ConfidenceTier = Literal["discovery", "hypothesis", "confirmed"]


class SessionCreate(BaseModel):
    # Optional only when starting from a PSA ticket: the ticket then supplies it.
    problem_summary: str | None = Field(default=None, min_length=3, max_length=4000)
    title: str | None = Field(default=None, max_length=300)
    problem_domain: str | None = Field(default=None, max_length=120)
    team_id: uuid.UUID | None = None
    intake: dict[str, Any] = Field(default_factory=dict, max_length=50)
    psa_ticket_id: str | None = Field(default=None, pattern=r"^[0-9]{1,18}$")
    # Defaults to the account's default PSA connection.
    psa_connection_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _summary_or_ticket(self) -> SessionCreate:
        if not self.psa_ticket_id and not (self.problem_summary or "").strip():
            raise ValueError("Describe the problem or give a PSA ticket id")
        if self.psa_connection_id and not self.psa_ticket_id:
            raise ValueError("psa_connection_id needs a psa_ticket_id")
        return self


class SessionUpdate(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    problem_summary: str | None = Field(default=None, min_length=3, max_length=4000)
    problem_domain: str | None = Field(default=None, max_length=120)
    confidence_tier: ConfidenceTier | None = None
    status: SessionStatus | None = None
    status_reason: str | None = Field(default=None, max_length=2000)


class UsageOut(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


class BranchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    label: str
    status: str
    branch_order: int
    parent_branch_id: uuid.UUID | None
    head_message_id: uuid.UUID | None


MatchField = Literal[
    "title", "problem", "client", "site", "contact", "device", "ticket", "message", "reply"
]


class SearchMatch(BaseModel):
    """Why a session came up in a search: where the terms were found (`message`: an
    engineer's message, `reply`: the assistant's), a short snippet of that text, and which of
    the search's terms it holds."""

    field: MatchField
    snippet: str
    terms: list[str]


class SessionOut(BaseModel):
    id: uuid.UUID
    title: str
    problem_summary: str
    problem_domain: str | None
    intake: dict[str, Any]
    status: SessionStatus
    confidence_tier: ConfidenceTier
    psa_connection_id: uuid.UUID | None = None
    psa_ticket_id: str | None = None
    # The PSA ticket's company, else the intake's client (as the client filter reads it).
    client: str | None = None
    owner_id: uuid.UUID
    owner_name: str
    assignee_id: uuid.UUID | None
    team_id: uuid.UUID | None
    team_name: str | None
    is_branching: bool
    active_branch_id: uuid.UUID | None
    turn_count: int
    step_count: int
    handoff_count: int
    total_active_seconds: int
    total_parked_seconds: int
    usage: UsageOut
    can_write: bool
    created_at: datetime
    updated_at: datetime
    status_changed_at: datetime
    status_reason: str | None = None
    resolved_at: datetime | None
    # Only in a search's results (`q=`).
    match: SearchMatch | None = None


class SessionPage(BaseModel):
    items: list[SessionOut]
    # Counted up to 1,000; past that total is 1000 and total_capped true ("1,000+").
    total: int
    total_capped: bool = False
    limit: int
    offset: int
    # The search's terms as read from `q` (common words left out), for highlighting.
    terms: list[str] = Field(default_factory=list)


class ClientNames(BaseModel):
    items: list[str]


class MessageCreate(BaseModel):
    content: str = Field(min_length=1, max_length=32_000)
    upload_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10)


class MessageEdit(BaseModel):
    content: str = Field(min_length=1, max_length=32_000)


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    session_id: uuid.UUID
    parent_id: uuid.UUID | None
    branch_id: uuid.UUID
    reply_to_id: uuid.UUID | None
    role: Literal["user", "assistant", "system"]
    content: str
    author_id: uuid.UUID | None
    attachments: list[dict[str, Any]]
    meta: dict[str, Any]
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    created_at: datetime
    # A user message with no answer yet (the call failed or was stopped): the UI offers retry.
    awaiting_reply: bool = False


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    step_number: int
    step_type: str
    title: str
    content: str
    branch_id: uuid.UUID | None
    message_id: uuid.UUID | None
    data: dict[str, Any]
    provider: str
    model: str
    latency_ms: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    created_at: datetime
    # suggested until the engineer reports: done (result in their words) / skipped /
    # not_applicable; "record" steps (intake, fork, notes, stopped replies) propose nothing.
    state: Literal["suggested", "done", "skipped", "not_applicable", "record"]
    result: str
    reported_by: uuid.UUID | None
    reported_by_name: str | None = None
    reported_at: datetime | None
    report_source: str


class StepReportIn(BaseModel):
    """The engineer's word on a suggestion (corrects whatever was read from their messages)."""

    state: Literal["suggested", "done", "skipped", "not_applicable"]
    result: str = Field("", max_length=2000)


class TurnResult(BaseModel):
    """The JSON answer to POST …/messages when the client asks for application/json."""

    user_message: MessageOut
    assistant_message: MessageOut
    step: StepOut
    usage: UsageOut
