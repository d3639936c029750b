"""Resolution output shapes (names follow the seed plan)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

OutputType = Literal["psa_ticket_notes", "knowledge_base", "client_summary"]
OutputStatus = Literal["draft", "approved", "pushed", "rejected"]


PushResult = Literal["queued", "retrying", "ok", "failed"]
PushDestination = Literal["psa", "kb_library", "clipboard", "email", "hudu", "itglue"]


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
    work_type: str | None = None
    billable: bool | None = None
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
    # psa, notes with time: the time entry's work type (ConnectWise: a name or id; Autotask:
    # a billing code id; HaloPSA: none) and whether it is billable. Default: the
    # connection's work_type / billable settings.
    work_type: str | None = Field(default=None, min_length=1, max_length=100)
    billable: bool | None = None

    @field_validator("work_type")
    @classmethod
    def _plain_work_type(cls, value: str | None) -> str | None:
        if value is not None and (
            any(c in value for c in '"\\') or not value.isprintable() or not value.strip()
        ):
            raise ValueError("a work type is its name or id, without quotes or backslashes")
        return value.strip() if value is not None else None


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


# ── what a model is asked to write (typed contracts; validated on return) ─────────────────


class PsaNotesDoc(BaseModel):
    summary: str = Field(max_length=4000, description="The issue, one or two sentences")
    cause: str = Field("", max_length=1000, description="The confirmed cause, if any")
    work_performed: list[str] = Field(default_factory=list, max_length=80)
    ruled_out: list[str] = Field(default_factory=list, max_length=40)
    resolution: str = Field(max_length=4000, description="What fixed it, as reported")
    follow_up: str = Field("None.", max_length=2000)
    time_minutes: int = Field(0, ge=0, le=1_000_000)
    time_by_engineer: dict[str, int] = Field(default_factory=dict)


class KbArticleDoc(BaseModel):
    title: str = Field(max_length=200, description="Names the symptom; no client, no ticket")
    symptoms: list[str] = Field(max_length=20)
    environment: dict[str, str] = Field(default_factory=dict)
    root_cause: str = Field(max_length=2000, description="The cause, distinct from the fix")
    resolution_steps: list[str] = Field(max_length=30)
    rule_out_first: list[str] = Field(default_factory=list, max_length=20)
    tags: list[str] = Field(default_factory=list, max_length=15)
    domain: str = Field("General", max_length=120)


class ClientSummaryDoc(BaseModel):
    problem: str = Field(max_length=1000, description="What the client reported, plainly")
    what_we_found: str = Field(max_length=1500)
    what_we_did: str = Field(max_length=1500)
    needed_from_you: str = Field("Nothing for now.", max_length=800)
    time_minutes: int = Field(0, ge=0, le=1_000_000)


DOCUMENT_MODELS: dict[str, type[BaseModel]] = {
    "psa_ticket_notes": PsaNotesDoc,
    "knowledge_base": KbArticleDoc,
    "client_summary": ClientSummaryDoc,
}
