from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class UploadOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    session_id: uuid.UUID
    original_name: str
    detected_type: str
    kind: Literal["image", "text", "pdf", "email"]
    size_bytes: int
    sha256: str
    uploaded_by: uuid.UUID | None
    uploaded_on_branch_id: uuid.UUID | None
    uploaded_at_step_id: uuid.UUID | None
    description_status: Literal["pending", "done", "failed"]
    # Why the last attempt failed, in words for the engineer (None once described).
    description_error: str | None
    ai_description: str | None
    content_summary: str | None
    description_data: dict[str, Any] | None
    created_at: datetime
