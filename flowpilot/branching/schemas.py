"""Branch API shapes (names follow the seed plan)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from flowpilot.sessions.schemas import MessageOut, StepOut

BranchStatus = Literal["active", "dead_end", "solved", "untried", "revived"]


class ContextSummary(BaseModel):
    tried: list[str] = Field(default_factory=list)
    concluded: str = ""
    artifacts: list[str] = Field(default_factory=list)


class BranchResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    session_id: uuid.UUID
    parent_branch_id: uuid.UUID | None
    fork_point_step_id: uuid.UUID | None
    forked_from_message_id: uuid.UUID | None
    head_message_id: uuid.UUID | None
    branch_order: int
    label: str
    status: BranchStatus
    status_reason: str | None
    status_changed_at: datetime | None
    status_changed_by: uuid.UUID | None
    context_summary: ContextSummary | None
    summary_generated_at: datetime | None
    summary_stale: bool
    evidence_from_branch_id: uuid.UUID | None
    evidence_description: str | None
    step_count: int = 0
    message_count: int = 0
    is_root: bool = False
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="after")
    def _root_has_no_parent(self) -> BranchResponse:
        self.is_root = self.parent_branch_id is None
        return self


class ForkOptionOut(BaseModel):
    label: str
    description: str
    branch_id: uuid.UUID
    status: BranchStatus


class ForkPointResponse(BaseModel):
    id: uuid.UUID
    session_id: uuid.UUID
    parent_branch_id: uuid.UUID
    trigger_step_id: uuid.UUID | None
    trigger_message_id: uuid.UUID | None
    fork_reason: str
    options: list[ForkOptionOut]
    created_at: datetime


class BranchTreeResponse(BaseModel):
    branches: list[BranchResponse]
    active_branch_id: uuid.UUID | None
    fork_points: list[ForkPointResponse]
    plan: str
    branch_limit: int | None
    hypothesis_count: int


class ForkOption(BaseModel):
    label: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=500)


class ForkCreateRequest(BaseModel):
    fork_reason: str = Field(min_length=5, max_length=2000)
    options: list[ForkOption] = Field(min_length=2, max_length=10)
    from_message_id: uuid.UUID | None = None


class ForkCreateResponse(BaseModel):
    fork_point: ForkPointResponse
    branches: list[BranchResponse]
    active_branch_id: uuid.UUID


class BranchUpdate(BaseModel):
    status: BranchStatus | None = None
    status_reason: str | None = Field(default=None, max_length=2000)
    label: str | None = Field(default=None, min_length=1, max_length=200)
    # Marking a branch solved can resolve the whole session in the same step.
    resolve_session: bool = False


class BranchChange(BaseModel):
    branch_id: uuid.UUID
    label: str
    status: BranchStatus
    status_reason: str | None
    concluded: str
    changed_at: datetime | None


class TransitionContext(BaseModel):
    since: datetime | None
    changes: list[BranchChange]


class BranchSwitchResponse(BaseModel):
    active_branch_id: uuid.UUID
    branch: BranchResponse
    messages: list[MessageOut]
    conversation_messages: list[dict[str, Any]]
    transition: TransitionContext


class ReviveRequest(BaseModel):
    evidence_from_branch_id: uuid.UUID
    evidence_description: str = Field(min_length=5, max_length=2000)


class BranchMessageRequest(BaseModel):
    message: str = Field(min_length=1, max_length=32_000)
    upload_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10)


class BranchSide(BaseModel):
    branch: BranchResponse
    steps: list[StepOut]
    conclusion: ContextSummary
    evidence: str | None


class BranchCompareResponse(BaseModel):
    a: BranchSide
    b: BranchSide
    common_ancestor_message_id: uuid.UUID | None
