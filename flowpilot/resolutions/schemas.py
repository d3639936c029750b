"""Resolution output shapes (names follow the seed plan)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

OutputType = Literal["psa_ticket_notes", "knowledge_base", "client_summary"]
OutputStatus = Literal["draft", "approved", "pushed", "rejected"]


PushResult = Literal["queued", "retrying", "ok", "failed"]
PushDestination = Literal["psa", "kb_library", "clipboard", "email", "hudu"]


class PushLogOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    output_id: uuid.UUID
    destination: PushDestination
    result: PushResult
    request_summary: str
    external_id: str | None
    error: str | None
    attempts: int
    recipients: list[str] | None
    ticket_id: str | None
    close_ticket: bool
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ResolutionOutputResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    session_id: uuid.UUID
    output_type: OutputType
    generated_content: str
    structured_data: dict[str, Any] | None
    edited_content: str | None
    status: OutputStatus
    version: int
    pushed_to: str | None
    pushed_at: datetime | None
    pushed_reference: str | None
    generated_by_model: str
    created_at: datetime
    updated_at: datetime
    pushes: list[PushLogOut] = Field(default_factory=list, description="Newest first")


class AllResolutionOutputsResponse(BaseModel):
    outputs: list[ResolutionOutputResponse]


class ResolutionOutputEditRequest(BaseModel):
    edited_content: str | None = Field(default=None, min_length=1, max_length=100_000)
    status: Literal["draft", "approved", "rejected"] | None = None


class ResolutionOutputPushRequest(BaseModel):
    destination: PushDestination
    # psa: the ticket to write to, when the session was not started from one (it is then
    # linked to the session, so later pushes go to the same ticket).
    ticket_id: str | None = Field(default=None, pattern=r"^[0-9]{1,18}$")
    psa_connection_id: uuid.UUID | None = None
    # psa: also set the ticket to the connection's resolved status (if it has one).
    close_ticket: bool = False
    # email: defaults to the PSA ticket's contact.
    recipients: list[EmailStr] | None = Field(default=None, min_length=1, max_length=20)


class ResolutionOutputPushResponse(BaseModel):
    output_id: uuid.UUID
    status: OutputStatus
    pushed_to: str | None
    pushed_reference: str | None = None
    clipboard_text: str | None = None
    push: PushLogOut | None = Field(
        default=None, description="The delivery (queued for psa/email: poll the outputs list)"
    )


class OutputVersion(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    version: int
    source: Literal["generated", "edited"]
    content: str
    created_at: datetime
