"""ResolutionOutputGenerator and the output lifecycle: generate (all three at once), edit,
approve, reject, push. Every read goes through the session's scope."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.ai.base import ChatProvider, ProviderError, StructuredRequest
from flowpilot.auth.service import Principal
from flowpilot.errors import Conflict, NotFound, ProviderFailed
from flowpilot.handoffs.record import build_snapshot
from flowpilot.library.models import LibraryEntry
from flowpilot.resolutions.compose import COMPOSERS
from flowpilot.resolutions.models import (
    OUTPUT_TYPES,
    ResolutionOutputVersion,
    ResolutionPushLog,
    SessionResolutionOutput,
)
from flowpilot.sessions import service as sessions
from flowpilot.sessions.models import AISession, AISessionStep, SessionBranch

PROMPTS = {
    "psa_ticket_notes": "PSA ticket notes for the technician record: what was done, in order, "
    "with time, what was ruled out and the resolution. Internal, factual.",
    "knowledge_base": "A KB article: symptoms, environment, root cause, resolution steps, and "
    "'rule out first' built from the dead-end branches. Reusable by other engineers.",
    "client_summary": "A plain-language summary for the client: no internal jargon, no "
    "hostnames, IPs, account names or secrets.",
}


async def build_record(db: AsyncSession, session: AISession) -> dict[str, Any]:
    snapshot = await build_snapshot(db, session)
    labels = {
        b.id: b.label
        for b in await db.scalars(
            select(SessionBranch).where(SessionBranch.session_id == session.id)
        )
    }
    steps = await db.scalars(
        select(AISessionStep)
        .where(AISessionStep.session_id == session.id)
        .order_by(AISessionStep.step_number)
    )
    return {
        **snapshot,
        "intake": session.intake,
        "active_seconds": session.total_active_seconds,
        "steps": [
            {
                "number": s.step_number,
                "branch": labels.get(s.branch_id, "?") if s.branch_id else "?",
                "title": s.title,
            }
            for s in steps
            if s.step_type not in ("fork", "intake_analysis")
        ],
    }


async def _write_one(
    provider: ChatProvider, output_type: str, record: dict[str, Any]
) -> tuple[str, dict[str, Any], str]:
    compose, render = COMPOSERS[output_type]
    offline = compose(record)
    request = StructuredRequest(
        system=f"Write {PROMPTS[output_type]} Use only facts from the record.",
        prompt="Session record:\n"
        + json.dumps(record, default=str)[:20_000]
        + "\n\nFill the fields of this structure:\n"
        + json.dumps(offline, default=str)[:4000],
        schema={
            "type": "object",
            "properties": {k: {} for k in offline},
            "required": list(offline),
        },
        name=output_type,
        offline_compose=lambda: offline,
    )
    result = await provider.structured(request)
    data = {**offline, **{k: v for k, v in result.data.items() if k in offline}}
    return output_type, data, render(data)


async def generate(
    db: AsyncSession, provider: ChatProvider, session: AISession
) -> list[SessionResolutionOutput]:
    """All three documents, written concurrently; a regenerate replaces the draft in place
    (new version, the previous text kept), never a second row."""
    record = await build_record(db, session)
    try:
        written = await asyncio.gather(*[_write_one(provider, t, record) for t in OUTPUT_TYPES])
    except ProviderError as exc:
        raise ProviderFailed(f"Could not write the documents: {exc.detail}") from exc
    existing = {o.output_type: o for o in await db.scalars(outputs_of(session).with_for_update())}
    out = []
    for output_type, data, content in written:
        current = existing.get(output_type)
        if current is None:
            current = SessionResolutionOutput(
                session_id=session.id,
                account_id=session.account_id,
                output_type=output_type,
                version=1,
                generated_content=content,
                structured_data=data,
                status="draft",
                generated_by_model=provider.model,
            )
            db.add(current)
        else:
            current.version += 1
            current.generated_content = content
            current.structured_data = data
            current.edited_content = None
            current.status = "draft"
            current.generated_by_model = provider.model
        await db.flush()
        db.add(
            ResolutionOutputVersion(
                output_id=current.id,
                account_id=session.account_id,
                version=current.version,
                source="generated",
                content=content,
            )
        )
        out.append(current)
    await db.flush()
    return out


def outputs_of(session: AISession):  # type: ignore[no-untyped-def]
    return select(SessionResolutionOutput).where(
        SessionResolutionOutput.session_id == session.id,
        SessionResolutionOutput.account_id == session.account_id,
    )


async def get_output(
    db: AsyncSession, session: AISession, output_id: uuid.UUID
) -> SessionResolutionOutput:
    output = await db.scalar(outputs_of(session).where(SessionResolutionOutput.id == output_id))
    if output is None:
        raise NotFound("Output not found")
    return output


def current_text(output: SessionResolutionOutput) -> str:
    return output.edited_content or output.generated_content


async def update(
    db: AsyncSession,
    principal: Principal,
    session_id: uuid.UUID,
    output_id: uuid.UUID,
    edited_content: str | None,
    status: str | None,
) -> SessionResolutionOutput:
    session = await sessions.get_writable_session(db, principal, session_id)
    output = await get_output(db, session, output_id)
    if output.status == "pushed" and edited_content is not None:
        raise Conflict("This document was already pushed; regenerate to start a new draft")
    if edited_content is not None and edited_content != current_text(output):
        output.edited_content = edited_content
        output.version += 1
        output.status = "draft"  # an edit needs a fresh approval
        db.add(
            ResolutionOutputVersion(
                output_id=output.id,
                account_id=output.account_id,
                version=output.version,
                source="edited",
                content=edited_content,
            )
        )
    if status is not None and status != output.status:
        if output.status == "pushed":
            raise Conflict("A pushed document cannot change status", code="illegal_transition")
        output.status = status
    await db.flush()
    return output


def _slug(title: str) -> str:
    return (re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "article")[:80]


async def push(
    db: AsyncSession,
    principal: Principal,
    session_id: uuid.UUID,
    output_id: uuid.UUID,
    destination: str,
) -> tuple[SessionResolutionOutput, str | None]:
    """Returns the output and, for the clipboard, the text to copy (no status change)."""
    session = await sessions.get_writable_session(db, principal, session_id)
    output = await get_output(db, session, output_id)
    text = current_text(output)
    if destination == "clipboard":
        return output, text
    if destination in ("psa", "email"):
        raise Conflict(
            f"Pushing to {'a PSA' if destination == 'psa' else 'e-mail'} is not available yet: "
            "no connection is configured in this version of FlowPilot. Copy the text instead.",
            code="destination_unavailable",
        )
    if output.output_type != "knowledge_base":
        raise Conflict("Only the KB article can be published to the KB library")
    if output.status == "rejected":
        raise Conflict("A rejected document cannot be published")
    entry = await publish_to_library(db, session, output, text)
    output.status = "pushed"
    output.pushed_to = "kb_library"
    output.pushed_at = datetime.now(UTC)
    output.pushed_reference = str(entry.id)
    db.add(
        ResolutionPushLog(
            output_id=output.id,
            account_id=output.account_id,
            destination="kb_library",
            request_summary=f"publish '{entry.title}'",
            result="ok",
            external_id=str(entry.id),
        )
    )
    await db.flush()
    return output, None


async def publish_to_library(
    db: AsyncSession, session: AISession, output: SessionResolutionOutput, text: str
) -> LibraryEntry:
    data = output.structured_data or {}
    title = str(data.get("title") or session.title)
    slug = f"kb-{_slug(title)}-{str(session.id)[:8]}"
    steps = [
        {
            "title": f"Rule out: {r.split(':')[0]}",
            "instruction": r,
            "expect": "",
            "kind": "verification",
        }
        for r in data.get("rule_out_first", [])
    ] + [
        {"title": str(s)[:120], "instruction": str(s), "expect": "", "kind": "action"}
        for s in data.get("resolution_steps", [])
    ]
    entry = await db.scalar(
        select(LibraryEntry).where(
            LibraryEntry.account_id == session.account_id, LibraryEntry.slug == slug
        )
    )
    if entry is None:
        entry = LibraryEntry(account_id=session.account_id, slug=slug, kind="kb_article")
        db.add(entry)
    entry.title = title
    entry.domain = str(data.get("domain") or session.problem_domain or "General")
    entry.summary = f"Root cause: {data.get('root_cause', '')}"[:1000]
    entry.keywords_text = " ".join(data.get("tags", []))
    entry.body = text
    entry.steps = steps or [
        {
            "title": "Apply the documented fix",
            "instruction": text[:1000],
            "expect": "",
            "kind": "action",
        }
    ]
    entry.content_hash = ""
    await db.flush()
    return entry
