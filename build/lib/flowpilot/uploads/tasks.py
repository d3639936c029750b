"""The description job: durable (PostgreSQL queue), retried with backoff, survives restarts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import structlog
from procrastinate import JobContext, RetryStrategy

from flowpilot.ai.base import ChatProvider, ImagePart, ProviderError, StructuredRequest
from flowpilot.jobs.app import job_app
from flowpilot.jobs.runtime import runtime
from flowpilot.privacy import service as privacy
from flowpilot.sessions.models import AISession
from flowpilot.uploads import analysis
from flowpilot.uploads.models import FileUpload
from flowpilot.usage.meter import metered
from flowpilot.usage.meter import record as record_usage

log = structlog.get_logger(__name__)
MAX_ATTEMPTS = 5

IMAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "shows": {"type": "string", "description": "What the screenshot shows, one sentence"},
        "error_codes": {"type": "array", "items": {"type": "string"}},
        "messages": {"type": "array", "items": {"type": "string"}},
        "product": {"type": "string", "description": "Product and version, if visible"},
    },
    "required": ["shows", "error_codes", "messages", "product"],
}
TEXT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "summary": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "string"}},
        "warnings": {"type": "array", "items": {"type": "string"}},
        "event_ids": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["summary", "errors", "warnings", "event_ids"],
}


@dataclass
class Description:
    ai_description: str
    extracted_content: str | None
    content_summary: str | None
    data: dict[str, Any]


async def describe(
    provider: ChatProvider,
    upload: FileUpload,
    data: bytes,
    limit_seconds: float = analysis.ANALYSIS_TIMEOUT_SECONDS,
) -> Description:
    """Reading the file (text extraction, analysis, OCR) runs off the event loop, each step
    limited to `limit_seconds` (analysis.AnalysisTimeout past it)."""
    if upload.kind == "image":
        return await _describe_image(provider, upload, data, limit_seconds)
    headers, facts = await analysis.read_text(upload.kind, data, limit_seconds)
    reduced = facts.pop("reduced_text")
    if headers:
        facts["email"] = headers
    offline = analysis.describe_text_offline(upload.original_name, facts)
    request = StructuredRequest(
        system=(
            "Summarise an attachment from an IT troubleshooting session: what it is, the errors "
            "and warnings that matter, event ids. Only the lines given are available."
        ),
        prompt=f"File: {upload.original_name}\nFacts: {facts}\n\nRelevant lines:\n{reduced}",
        schema=TEXT_SCHEMA,
        name="attachment_summary",
        offline_compose=lambda: {
            "summary": offline,
            "errors": facts["errors"],
            "warnings": facts["warnings"],
            "event_ids": facts["event_ids"],
        },
    )
    result = (await provider.structured(request)).data
    merged = {**facts, "model": result}
    return Description(
        ai_description=str(result.get("summary") or offline)[:2000],
        extracted_content=reduced,
        content_summary=offline,
        data=merged,
    )


async def _describe_image(
    provider: ChatProvider, upload: FileUpload, data: bytes, limit_seconds: float
) -> Description:
    meta = await analysis.run_blocking(
        "Reading the image", analysis.image_metadata, data, limit_seconds=limit_seconds
    )
    size = f"{meta['width']}x{meta['height']}" if meta["width"] else "unknown size"
    kind = upload.detected_type.split("/")[-1].upper()
    if provider.name != "offline" and provider.supports_images:
        encoded = await analysis.run_blocking(
            "Encoding the image", analysis.base64_text, data, limit_seconds=limit_seconds
        )
        image = ImagePart(upload.detected_type, encoded)
        result = (
            await provider.structured(
                StructuredRequest(
                    system="Describe a screenshot from an IT support case, reading any error text.",
                    prompt=f"Screenshot '{upload.original_name}' ({size}).",
                    schema=IMAGE_SCHEMA,
                    name="screenshot_description",
                    images=[image],
                )
            )
        ).data
        return Description(
            ai_description=str(result.get("shows", ""))[:2000],
            extracted_content="\n".join(str(m) for m in result.get("messages", [])) or None,
            content_summary=None,
            data={**meta, **result},
        )
    text = await analysis.ocr(data, limit_seconds)
    if text is None:
        described = (
            f"{kind} screenshot, {size}. Text was not read: OCR needs tesseract "
            "(apt-get install tesseract-ocr), or configure a vision-capable model."
        )
    else:
        first = " ".join(text.split())[:300]
        described = f"{kind} screenshot, {size}. Text read: {first or '(none found)'}"
    facts = await analysis.run_blocking(
        "Analysing the text read", analysis.analyse_text, text or "", limit_seconds=limit_seconds
    )
    codes = facts["error_codes"]
    return Description(
        ai_description=described,
        extracted_content=text,
        content_summary=None,
        data={**meta, "ocr": text is not None, "error_codes": codes},
    )


@job_app.task(
    name="describe_upload",
    queue="uploads",  # heavier work: can be given its own workers (`flowpilot worker --queue`)
    pass_context=True,
    retry=RetryStrategy(max_attempts=MAX_ATTEMPTS, exponential_wait=2),
)
async def describe_upload(context: JobContext, upload_id: str) -> None:
    attempt = (context.job.attempts or 0) + 1 if context.job else 1
    await run_description(upload_id, attempt)


async def run_description(upload_id: str, attempt: int = 1) -> None:
    """Describe one upload; a failure is recorded on the row and re-raised (to be retried),
    except a timeout reading the file: the same file would time out again, so the upload is
    marked failed at once (the engineer can ask again: POST …/uploads/{id}/describe).

    Read the row, then read the file and ask the model with no database session open, then
    write the description in a short transaction."""
    rt = runtime()
    assert rt.storage is not None
    limit_seconds = (
        rt.settings.upload_analysis_timeout_seconds
        if rt.settings is not None
        else analysis.ANALYSIS_TIMEOUT_SECONDS
    )
    async with rt.sessionmaker() as db:
        upload = await db.get(FileUpload, uuid.UUID(upload_id))
        if upload is None or upload.description_status == "done":
            return
        session = await db.get(AISession, upload.session_id)
        if session is None:
            return
        # Log lines name hosts, addresses and people: hidden like chat when the account says.
        guarded, _ = await privacy.guarded(db, rt.provider, session)
        account_id = session.account_id
    provider = metered(guarded)  # what the description cost is stored with it
    try:
        data = await rt.storage.get(upload.storage_key)
        result = await describe(provider, upload, data, limit_seconds)
    except analysis.AnalysisTimeout as exc:
        await _record_failure(upload_id, attempt, str(exc), final=True)
        log.warning("upload_description_timed_out", upload_id=upload_id, error=str(exc))
        return
    except Exception as exc:
        await _record_failure(upload_id, attempt, readable_reason(exc), attempt >= MAX_ATTEMPTS)
        log.warning(
            "upload_description_failed", upload_id=upload_id, attempt=attempt, error=repr(exc)
        )
        raise
    async with rt.sessionmaker() as db:
        row = await db.get(FileUpload, uuid.UUID(upload_id), with_for_update=True)
        if row is None:
            return  # deleted while it was being read
        row.ai_description = result.ai_description
        row.extracted_content = result.extracted_content
        row.content_summary = result.content_summary
        row.description_data = result.data
        row.description_status = "done"
        row.description_error = None
        row.description_attempts = attempt
        await record_usage(db, row.session_id, account_id, provider)
        await db.commit()


def readable_reason(exc: Exception) -> str:
    """What the engineer is shown: a provider's own message, or what kind of failure it was
    (the details go to the server log)."""
    if isinstance(exc, ProviderError):
        return exc.detail[:500]
    return f"The file could not be read ({exc.__class__.__name__})."


async def _record_failure(upload_id: str, attempt: int, reason: str, final: bool) -> None:
    async with runtime().sessionmaker() as db:
        row = await db.get(FileUpload, uuid.UUID(upload_id), with_for_update=True)
        if row is None or row.description_status == "done":
            return
        row.description_attempts = attempt
        row.description_error = reason[:500]
        if final:
            row.description_status = "failed"
        await db.commit()
