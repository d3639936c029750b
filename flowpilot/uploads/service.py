"""Accepting, listing, serving and deleting uploads. Reads go through the session scope."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.auth.service import Principal
from flowpilot.errors import DomainError, NotFound, PayloadTooLarge
from flowpilot.jobs.defer import defer
from flowpilot.sessions import service as sessions
from flowpilot.sessions.models import AISession, AISessionStep, SessionBranch
from flowpilot.storage import Storage
from flowpilot.uploads.models import FileUpload
from flowpilot.uploads.sniff import Detected, Unsupported, sniff

MAX_FILES = 10


class UnsupportedType(DomainError):
    status_code = 415
    code = "unsupported_media_type"


@dataclass
class Incoming:
    name: str
    data: bytes


def display_name(raw: str | None) -> str:
    """The name as shown to people: no directories, no control characters, bounded."""
    name = (raw or "").replace("\\", "/").split("/")[-1]
    # Control characters, and bidi overrides that make "exe.pdf" look like "fdp.exe".
    name = re.sub(r"[\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", name)
    name = name.strip().lstrip(".") or "upload"
    return name[:255]


def uploads_of(session: AISession):  # type: ignore[no-untyped-def]
    return select(FileUpload).where(
        FileUpload.session_id == session.id, FileUpload.account_id == session.account_id
    )


async def get_upload(
    db: AsyncSession, principal: Principal, session_id: uuid.UUID, upload_id: uuid.UUID
) -> FileUpload:
    session = await sessions.get_session(db, principal, session_id)
    upload: FileUpload | None = await db.scalar(
        uploads_of(session).where(FileUpload.id == upload_id)
    )
    if upload is None:
        raise NotFound("Upload not found")
    return upload


def check_files(files: list[Incoming], max_bytes: int) -> list[Detected]:
    """Validate every file before storing any: one bad file rejects the request whole."""
    if not files:
        raise DomainError("Attach at least one file (field 'files')", code="no_files")
    if len(files) > MAX_FILES:
        raise DomainError(f"At most {MAX_FILES} files per upload", code="too_many_files")
    detected = []
    for f in files:
        if len(f.data) > max_bytes:
            raise PayloadTooLarge(
                f"'{display_name(f.name)}' is larger than the {max_bytes // 1_000_000} MB limit",
                limit_bytes=max_bytes,
            )
        if not f.data:
            raise DomainError(f"'{display_name(f.name)}' is empty", code="empty_file")
        try:
            detected.append(sniff(f.data[:65536]))
        except Unsupported as exc:
            raise UnsupportedType(f"'{display_name(f.name)}': {exc}") from exc
    return detected


async def accept(
    db: AsyncSession,
    principal: Principal,
    storage: Storage,
    session_id: uuid.UUID,
    files: list[Incoming],
    branch_id: uuid.UUID | None,
    max_bytes: int,
) -> list[FileUpload]:
    session = await sessions.get_writable_session(db, principal, session_id)
    branch_id = branch_id or session.active_branch_id
    branch = await db.scalar(
        select(SessionBranch.id).where(
            SessionBranch.id == branch_id, SessionBranch.session_id == session.id
        )
    )
    if branch is None:
        raise NotFound("Branch not found")
    detected = check_files(files, max_bytes)
    # The step the branch had reached when the file arrived: where it belongs in the story.
    # (A branch with no step of its own yet: the latest step of the session.)
    at_step = await db.scalar(
        select(AISessionStep.id)
        .where(AISessionStep.session_id == session.id)
        .order_by((AISessionStep.branch_id == branch).desc(), AISessionStep.step_number.desc())
        .limit(1)
    )
    stored: list[str] = []
    rows = []
    try:
        for f, kind in zip(files, detected, strict=True):
            key = f"{session.account_id}/{uuid.uuid4()}"
            await storage.put(key, f.data)
            stored.append(key)
            row = FileUpload(
                account_id=session.account_id,
                session_id=session.id,
                uploaded_by=principal.user_id,
                original_name=display_name(f.name),
                detected_type=kind.mime,
                kind=kind.kind,
                size_bytes=len(f.data),
                sha256=hashlib.sha256(f.data).hexdigest(),
                storage_key=key,
                uploaded_on_branch_id=branch,
                uploaded_at_step_id=at_step,
                description_status="pending",
            )
            db.add(row)
            rows.append(row)
        await db.flush()
    except BaseException:
        for key in stored:  # nothing half-written survives a failed request
            await storage.delete(key)
        raise
    if not session.has_uploads:
        session.has_uploads = True
    for row in rows:
        await defer(db, "describe_upload", upload_id=str(row.id))
        await db.refresh(row)
    return rows
