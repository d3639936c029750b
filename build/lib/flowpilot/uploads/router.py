"""/api/v1/ai-sessions/{id}/uploads."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from flowpilot.audit.service import audit
from flowpilot.auth.deps import CurrentUser
from flowpilot.db.deps import DBSession
from flowpilot.jobs.defer import defer
from flowpilot.sessions import service as sessions
from flowpilot.uploads import service, sniff
from flowpilot.uploads.models import FileUpload
from flowpilot.uploads.schemas import UploadOut

router = APIRouter(prefix="/api/v1/ai-sessions/{session_id}/uploads", tags=["uploads"])
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}


def _storage(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.storage


@router.post("", response_model=list[UploadOut], status_code=201)
async def upload_files(
    session_id: uuid.UUID,
    request: Request,
    principal: CurrentUser,
    db: DBSession,
    files: Annotated[list[UploadFile], File(description="One or more files")],
    branch_id: Annotated[uuid.UUID | None, Form()] = None,
) -> list[UploadOut]:
    limit = request.app.state.settings.upload_max_bytes
    incoming = [service.Incoming(f.filename or "", await f.read(limit + 1)) for f in files]
    rows = await service.accept(
        db, principal, _storage(request), session_id, incoming, branch_id, limit
    )
    return [UploadOut.model_validate(r) for r in rows]


@router.get("", response_model=list[UploadOut])
async def list_uploads(
    session_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> list[UploadOut]:
    session = await sessions.get_session(db, principal, session_id)
    rows = await db.scalars(service.uploads_of(session).order_by(FileUpload.created_at))
    return [UploadOut.model_validate(r) for r in rows]


@router.get("/{upload_id}", response_model=UploadOut)
async def get_upload(
    session_id: uuid.UUID, upload_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> UploadOut:
    return UploadOut.model_validate(await service.get_upload(db, principal, session_id, upload_id))


@router.get("/{upload_id}/content", response_class=Response)
async def get_content(
    session_id: uuid.UUID,
    upload_id: uuid.UUID,
    request: Request,
    principal: CurrentUser,
    db: DBSession,
) -> Response:
    """The bytes, with the type FlowPilot detected: images and PDFs inline, all else as an
    attachment; never sniffed by the browser, never rendered as HTML."""
    upload = await service.get_upload(db, principal, session_id, upload_id)
    await audit(db, principal, "upload.read", "upload", upload.id, session_id=str(session_id))
    data = await _storage(request).get(upload.storage_key)
    inline = upload.detected_type in INLINE_TYPES
    charset = sniff.text_encoding(data[: sniff.TEXT_PROBE]) or "utf-8"
    media = upload.detected_type if inline else f"text/plain; charset={charset}"
    if upload.kind == "email":
        media = "message/rfc822"
    disposition = "inline" if inline else "attachment"
    filename = quote(upload.original_name)
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{filename}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=300",
        },
    )


@router.post("/{upload_id}/describe", response_model=UploadOut)
async def describe_again(
    session_id: uuid.UUID, upload_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> UploadOut:
    """Queue the description again (after it failed, or to refresh it)."""
    await sessions.get_writable_session(db, principal, session_id)
    upload = await service.get_upload(db, principal, session_id, upload_id)
    upload.description_status = "pending"
    upload.description_error = None
    await db.flush()
    await defer(db, "describe_upload", upload_id=str(upload.id))
    return UploadOut.model_validate(upload)


@router.delete("/{upload_id}", status_code=204)
async def delete_upload(
    session_id: uuid.UUID,
    upload_id: uuid.UUID,
    request: Request,
    principal: CurrentUser,
    db: DBSession,
) -> None:
    session = await sessions.get_writable_session(db, principal, session_id)
    upload = await service.get_upload(db, principal, session.id, upload_id)
    await db.delete(upload)
    await db.flush()
    await db.commit()  # the row goes first; a file without a row is harmless, not the reverse
    await _storage(request).delete(upload.storage_key)
