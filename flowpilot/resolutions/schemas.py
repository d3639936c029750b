"""Resolution output shapes (names follow the seed plan)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

OutputType = Literal["psa_ticket_notes", "knowledge_base", "client_summary"]
OutputStatus = Literal["draft", "approved", "pushed", "rejected"]


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


class AllResolutionOutputsResponse(BaseModel):
    outputs: list[ResolutionOutputResponse]


class ResolutionOutputEditRequest(BaseModel):
    edited_content: str | None = Field(default=None, min_length=1, max_length=100_000)
    status: Literal["draft", "approved", "rejected"] | None = None


class ResolutionOutputPushRequest(BaseModel):
    destination: Literal["psa", "kb_library", "clipboard", "email"]


class ResolutionOutputPushResponse(BaseModel):
    output_id: uuid.UUID
    status: OutputStatus
    pushed_to: str | None
    pushed_reference: str | None = None
    clipboard_text: str | None = None


class OutputVersion(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    version: int
    source: Literal["generated", "edited"]
    content: str
    created_at: datetime
