"""ResolutionOutputGenerator and the output lifecycle: generate (all three at once), edit,
approve, reject, push. Every read goes through the session's scope."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.ai.base import ChatProvider, ProviderError
from flowpilot.ai.contracts import call_structured
from flowpilot.auth.service import Principal, display_name, display_names
from flowpilot.db.deps import end_reads
from flowpilot.errors import Conflict, NotFound, ProviderFailed, UnprocessableInput
from flowpilot.guidance.advisor import says_fixed
from flowpilot.guidance.evidence import Evidence, merge_all
from flowpilot.handoffs.record import build_snapshot
from flowpilot.integrations import people
from flowpilot.integrations import service as integrations
from flowpilot.integrations.models import PsaConnection
from flowpilot.integrations.psa.registry import ADAPTERS, KB_VENDORS, can_close_tickets
from flowpilot.jobs.defer import defer
from flowpilot.library import service as library
from flowpilot.library.models import LibraryEntry
from flowpilot.privacy import service as privacy
from flowpilot.privacy.scrub import Identifiers, scrub, scrub_fields, without_placeholders
from flowpilot.resolutions.compose import COMPOSERS, identifiers, symptom_title
from flowpilot.resolutions.models import (
    OUTPUT_TYPES,
    ResolutionOutputVersion,
    ResolutionPushLog,
    SessionResolutionOutput,
)
from flowpilot.resolutions.plain import PLAIN_ENOUGH, flesch, needs_rewrite
from flowpilot.resolutions.schemas import DOCUMENT_MODELS
from flowpilot.resolutions.schemas import ResolutionOutputPushRequest as PushRequest
from flowpilot.sessions import service as sessions
from flowpilot.sessions.models import (
    AISession,
    AISessionStep,
    SessionBranch,
    SessionMessage,
    WorkInterval,
)
from flowpilot.usage.meter import metered
from flowpilot.usage.meter import record as record_usage

PROMPTS = {
    "psa_ticket_notes": "PSA ticket notes for the technician record: what was done, in order, "
    "with time, what was ruled out and the resolution. Internal, factual.",
    "knowledge_base": "A KB article: symptoms, environment, root cause, resolution steps, and "
    "'rule out first' built from the dead-end branches. Reusable by other engineers.",
    "client_summary": "A plain-language summary for the client: no internal jargon, no "
    "hostnames, IPs, account names or secrets.",
}


async def build_record(db: AsyncSession, session: AISession) -> dict[str, Any]:
    """What was actually done: steps with the engineer's reports (suggestions nobody acted on
    are marked as such), the engineer's own reported actions, and real work time."""
    snapshot = await build_snapshot(db, session)
    labels = {
        b.id: b.label
        for b in await db.scalars(
            select(SessionBranch).where(SessionBranch.session_id == session.id)
        )
    }
    steps = list(
        await db.scalars(
            sessions.steps_of(session)
            .where(AISessionStep.state != "record")
            .order_by(AISessionStep.step_number)
        )
    )
    messages = list(
        await db.scalars(
            select(SessionMessage)
            .where(
                SessionMessage.session_id == session.id,
                SessionMessage.account_id == session.account_id,
                SessionMessage.role == "user",
            )
            .order_by(SessionMessage.created_at)
        )
    )
    intervals = await sessions.work_intervals(db, session)
    names = await display_names(
        db,
        [s.reported_by for s in steps]
        + [m.author_id for m in messages]
        + [i.user_id for i in intervals],
    )
    step_rows = [
        {
            "number": s.step_number,
            "branch": labels.get(s.branch_id, "?") if s.branch_id else "?",
            "title": s.title,
            "state": s.state,
            "result": s.result,
            "who": names.get(s.reported_by, "") if s.reported_by else "",
            "when": s.reported_at.isoformat() if s.reported_at else "",
        }
        for s in steps
    ]
    results = " ".join(str(r["result"]) for r in step_rows if r["state"] == "done").lower()
    reports = []
    for m in messages:
        evidence = Evidence.from_dict(m.meta.get("evidence"))
        for line in evidence.done:
            if line.lower() not in results:
                reports.append(
                    {
                        "branch": labels.get(m.branch_id, "?"),
                        "who": names.get(m.author_id, "") if m.author_id else "",
                        "when": m.created_at.isoformat(),
                        "text": line,
                    }
                )
    # "It works again" messages: what the engineer said fixed it (their done-report when the
    # message has one, e.g. "the vendor replaced the fuser unit", else the message).
    fixed = [
        "; ".join(Evidence.from_dict(m.meta.get("evidence")).done) or m.content
        for m in messages
        if says_fixed(m.content)
    ]
    evidence = merge_all([Evidence.from_dict(m.meta.get("evidence")) for m in messages])
    ids = Identifiers.of(
        session.intake or {}, await sessions.account_companies(db, session.account_id)
    )
    return {
        **snapshot,
        "evidence": {
            "codes": evidence.codes,
            "products": evidence.products,
            "versions": evidence.versions,
        },
        "scrub_names": list(ids.names),
        "scrub_domains": list(ids.domains),
        "intake": session.intake,
        "active_seconds": session.total_active_seconds,
        "engineer_seconds": engineer_seconds(intervals, names),
        "steps": step_rows,
        "performed": [r for r in step_rows if r["state"] == "done"],
        "reports": reports,
        "fixed_reports": fixed[-2:],
    }


def engineer_seconds(intervals: list[WorkInterval], names: dict[uuid.UUID, str]) -> dict[str, int]:
    now = datetime.now(UTC)
    out: dict[str, int] = {}
    for i in intervals:
        who = names.get(i.user_id, "an engineer") if i.user_id else "an engineer"
        out[who] = out.get(who, 0) + int(((i.ended_at or now) - i.started_at).total_seconds())
    return out


# What the record says, never the model: who did what and for how long.
RECORD_FIELDS = {
    "psa_ticket_notes": ("work_performed", "ruled_out", "time_minutes", "time_by_engineer"),
    "knowledge_base": ("rule_out_first",),
    "client_summary": ("time_minutes",),
}


async def _write_one(
    provider: ChatProvider, output_type: str, record: dict[str, Any]
) -> tuple[str, dict[str, Any], str]:
    compose, render = COMPOSERS[output_type]
    offline = compose(record)
    doc_model = DOCUMENT_MODELS[output_type]
    written = await call_structured(
        provider,
        model=doc_model,
        name=output_type,
        system=(
            f"Write {PROMPTS[output_type]} Use only facts from the record. 'performed' lists "
            "the steps the engineer reported doing, with their results; 'reports' what they "
            "said they did; suggestions that nobody reported on were not performed and must "
            "never be described as done."
        ),
        prompt="Session record:\n" + json.dumps(record, default=str)[:20_000],
        compose=lambda: doc_model.model_validate(offline),
    )
    data = {**offline, **written.value.model_dump()}
    for key in RECORD_FIELDS[output_type]:
        data[key] = offline[key]
    if output_type in ("knowledge_base", "client_summary"):
        # What a model writes for the library or the client is scrubbed like the draft.
        data = scrub_fields(data, identifiers(record))
    if output_type == "client_summary":
        data = for_the_client(data, offline, render)
    if written.note:
        data["generation_note"] = written.note
    return output_type, data, render(data)


def for_the_client(data: dict[str, Any], offline: dict[str, Any], render: Any) -> dict[str, Any]:
    """A model's client summary, field by field: one that carries codes or identifiers gives
    way to the plain composition; the whole gives way when it does not read plainly."""
    fields = {
        k: (offline[k] if isinstance(v, str) and needs_rewrite(v) else v) for k, v in data.items()
    }
    return fields if flesch(render(fields)) >= PLAIN_ENOUGH else offline


async def generate(
    db: AsyncSession,
    provider: ChatProvider,
    session: AISession,
    *,
    only_if_none: bool = False,
) -> list[SessionResolutionOutput]:
    """All three documents, written concurrently; a regenerate replaces the draft in place
    (new version, the previous text kept), never a second row.

    The model writes with no transaction open and no row locked; the session is then locked
    and checked again: its status unchanged, and (for the job, `only_if_none`) still without
    documents (else [] is returned)."""
    status_before = session.status
    record = await build_record(db, session)
    guarded, vault = await privacy.guarded(db, provider, session)
    sender = metered(guarded)
    await end_reads(db)
    try:
        written = await asyncio.gather(*[_write_one(sender, t, record) for t in OUTPUT_TYPES])
    except ProviderError as exc:
        raise ProviderFailed(f"Could not write the documents: {exc.detail}") from exc
    await db.refresh(session, with_for_update={"key_share": True})
    if session.status != status_before:
        raise Conflict(
            f"The session became {session.status} while the documents were written",
            code="session_changed",
        )
    existing = {o.output_type: o for o in await db.scalars(outputs_of(session).with_for_update())}
    if only_if_none and existing:
        return []
    await privacy.remember(db, session.id, session.account_id, vault)
    await record_usage(db, session.id, session.account_id, sender)
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
    output: SessionResolutionOutput | None = await db.scalar(
        outputs_of(session).where(SessionResolutionOutput.id == output_id)
    )
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


PSA_TYPES = ("psa_ticket_notes", "client_summary", "knowledge_base")
IN_FLIGHT = ("queued", "retrying")


async def push(
    db: AsyncSession,
    principal: Principal,
    session_id: uuid.UUID,
    output_id: uuid.UUID,
    request: PushRequest,
) -> tuple[SessionResolutionOutput, ResolutionPushLog | None, str | None]:
    """kb_library publishes now; psa and email queue a delivery job; the clipboard only
    returns the text (nothing on the server pretends it was pushed)."""
    session = await sessions.get_writable_session(db, principal, session_id)
    output = await get_output(db, session, output_id)
    text = current_text(output)
    if request.destination == "clipboard":
        return output, None, text
    if output.status == "rejected":
        raise Conflict("A rejected document cannot be pushed", code="output_rejected")
    if request.destination == "kb_library":
        return output, await _publish(db, session, output, text, principal), None
    if output.status not in ("approved", "pushed"):
        raise Conflict(
            "Approve the document first: nothing reaches a client's ticket or inbox unreviewed",
            code="approval_required",
        )
    await _refuse_duplicate(db, output, request.destination, text)
    if request.destination == "psa":
        log = await _queue_psa(db, principal, session, output, text, request)
    elif request.destination in KB_EXPORTS:
        log = await _queue_kb_export(db, principal, session, output, text, request.destination)
    else:
        log = await _queue_email(db, principal, session, output, text, request)
    db.add(log)
    await db.flush()
    await defer(db, "push_resolution_output", push_id=str(log.id))
    return output, log, None


async def _refuse_duplicate(
    db: AsyncSession, output: SessionResolutionOutput, destination: str, text: str
) -> None:
    rows = await db.scalars(
        pushes_of(output).where(
            ResolutionPushLog.destination == destination,
            ResolutionPushLog.result.in_((*IN_FLIGHT, "ok")),
        )
    )
    for row in rows:
        if row.result in IN_FLIGHT:
            raise Conflict(
                "This document is already being delivered there", code="push_in_progress"
            )
        if row.content == text:
            raise Conflict(
                f"This exact text was already delivered ({row.external_id}); edit it to send again",
                code="already_pushed",
            )


async def _queue_psa(
    db: AsyncSession,
    principal: Principal,
    session: AISession,
    output: SessionResolutionOutput,
    text: str,
    request: PushRequest,
) -> ResolutionPushLog:
    if output.output_type not in PSA_TYPES:
        raise Conflict("This document does not go to the PSA", code="wrong_destination")
    kb = output.output_type == "knowledge_base"
    connection_id = request.psa_connection_id or session.psa_connection_id
    ticket_id = request.ticket_id or session.psa_ticket_id
    if ticket_id is None and not kb:
        raise UnprocessableInput(
            "This session is not linked to a PSA ticket: give the ticket id",
            code="ticket_required",
        )
    connection = await integrations.chosen_connection(db, session.account_id, connection_id)
    if kb:
        if connection.vendor not in KB_VENDORS:
            raise Conflict(
                f"{connection.name} has no knowledge base FlowPilot can publish to "
                "(HaloPSA has); publish to the KB library instead",
                code="wrong_destination",
            )
        summary = f"KB article in {connection.name}"
        return _log(output, principal, "psa", text, summary, psa_connection_id=connection.id)
    if request.close_ticket and not can_close_tickets(connection.vendor, connection.settings):
        raise Conflict(
            f"{connection.name} has no resolved status configured: an admin sets it in Settings",
            code="close_not_configured",
        )
    timed = await _time_attribution(db, principal, session, output, connection, request)
    if session.psa_ticket_id is None:
        session.psa_ticket_id, session.psa_connection_id = ticket_id, connection.id
    kind = "internal note" if output.output_type == "psa_ticket_notes" else "resolution note"
    closing = " and close it" if request.close_ticket else ""
    return _log(
        output,
        principal,
        "psa",
        text,
        f"{kind} on {connection.name} ticket #{ticket_id}{closing}{timed}",
        psa_connection_id=connection.id,
        ticket_id=ticket_id,
        close_ticket=request.close_ticket,
        work_type=request.work_type,
        billable=request.billable,
    )


async def _time_attribution(
    db: AsyncSession,
    principal: Principal,
    session: AISession,
    output: SessionResolutionOutput,
    connection: PsaConnection,
    request: PushRequest,
) -> str:
    """A push that logs time says whose it will be, and is refused (before anything is
    queued) when the engineer has no person on the connection and there is no fixed one."""
    vendor = ADAPTERS[connection.vendor]
    if request.work_type is not None and not vendor.sets_work_type:
        raise UnprocessableInput(
            f"{connection.name} takes no work type from FlowPilot (HaloPSA's charge rate "
            "comes from the ticket); leave work_type out",
            code="work_type_not_supported",
        )
    autotask_work = request.work_type is not None and connection.vendor == "autotask"
    if autotask_work and not str(request.work_type).isdigit():
        raise UnprocessableInput(
            "An Autotask work type is the id of its billing code (a number)",
            code="invalid_work_type",
        )
    if output.output_type != "psa_ticket_notes" or session.total_active_seconds <= 0:
        return ""
    found = await people.attribution(db, connection, principal.user_id)
    try:
        person = people.time_person(connection, found, await display_name(db, principal.user_id))
    except people.Unattributed as exc:
        raise Conflict(exc.message, code="psa_person_unmapped") from exc
    whose = "yours" if found.own is not None else "the connection's fixed person"
    return f"; time as {person.name or person.id} ({whose})"


async def _queue_email(
    db: AsyncSession,
    principal: Principal,
    session: AISession,
    output: SessionResolutionOutput,
    text: str,
    request: PushRequest,
) -> ResolutionPushLog:
    if output.output_type != "client_summary":
        raise Conflict("Only the client summary is e-mailed", code="wrong_destination")
    if await integrations.smtp_settings(db, session.account_id) is None:
        raise Conflict(
            "No mail server is set up: an admin adds one under Settings",
            code="smtp_not_configured",
        )
    recipients = [str(r) for r in request.recipients or []]
    if not recipients:
        contact = str((session.intake.get("psa_ticket") or {}).get("contact_email") or "")
        recipients = [contact] if contact else []
    if not recipients:
        raise UnprocessableInput(
            "No recipient: the PSA ticket has no contact e-mail, so type one in",
            code="recipients_required",
        )
    log = _log(output, principal, "email", text, f"e-mail to {', '.join(recipients)}")
    log.recipients = recipients
    return log


# IT documentation tools a KB article is exported to: destination → (name, its settings).
KB_EXPORTS: dict[str, tuple[str, Callable[[AsyncSession, uuid.UUID], Awaitable[object]]]] = {
    "hudu": ("Hudu", integrations.hudu_settings),
    "itglue": ("IT Glue", integrations.itglue_settings),
}


async def _queue_kb_export(
    db: AsyncSession,
    principal: Principal,
    session: AISession,
    output: SessionResolutionOutput,
    text: str,
    destination: str,
) -> ResolutionPushLog:
    name, settings_of = KB_EXPORTS[destination]
    if output.output_type != "knowledge_base":
        raise Conflict(f"Only the KB article is exported to {name}", code="wrong_destination")
    if await settings_of(db, session.account_id) is None:
        raise Conflict(
            f"{name} is not set up: an admin adds it under Settings",
            code=f"{destination}_not_configured",
        )
    return _log(output, principal, destination, text, f"KB article in {name}")


def _log(
    output: SessionResolutionOutput,
    principal: Principal,
    destination: str,
    text: str,
    summary: str,
    **extra: Any,
) -> ResolutionPushLog:
    log = ResolutionPushLog(
        output_id=output.id,
        account_id=output.account_id,
        destination=destination,
        request_summary=summary,
        result="queued",
        attempts=0,
        content=text,
        requested_by_id=principal.user_id,
        **extra,
    )
    return log


async def _publish(
    db: AsyncSession,
    session: AISession,
    output: SessionResolutionOutput,
    text: str,
    principal: Principal,
) -> ResolutionPushLog:
    if output.output_type != "knowledge_base":
        raise Conflict(
            "Only the KB article can be published to the KB library", code="wrong_destination"
        )
    entry = await publish_to_library(db, session, output, text)
    mark_pushed(output, "kb_library", str(entry.id))
    log = _log(output, principal, "kb_library", text, f"publish '{entry.title}'")
    log.result, log.attempts, log.external_id = "ok", 1, str(entry.id)
    db.add(log)
    await db.flush()
    return log


def mark_pushed(output: SessionResolutionOutput, destination: str, reference: str) -> None:
    output.status = "pushed"
    output.pushed_to = destination
    output.pushed_at = datetime.now(UTC)
    output.pushed_reference = reference


def pushes_of(output: SessionResolutionOutput):  # type: ignore[no-untyped-def]
    return select(ResolutionPushLog).where(
        ResolutionPushLog.output_id == output.id,
        ResolutionPushLog.account_id == output.account_id,
    )


def versions_of(output: SessionResolutionOutput):  # type: ignore[no-untyped-def]
    return select(ResolutionOutputVersion).where(
        ResolutionOutputVersion.output_id == output.id,
        ResolutionOutputVersion.account_id == output.account_id,
    )


async def recent_pushes(
    db: AsyncSession, outputs: list[SessionResolutionOutput], per_output: int = 20
) -> dict[uuid.UUID, list[ResolutionPushLog]]:
    """Each output's deliveries, newest first, for all outputs in one query."""
    logs = await db.scalars(
        select(ResolutionPushLog)
        .where(
            ResolutionPushLog.output_id.in_([o.id for o in outputs]),
            ResolutionPushLog.account_id.in_({o.account_id for o in outputs}),
        )
        .order_by(ResolutionPushLog.created_at.desc())
    )
    by_output: dict[uuid.UUID, list[ResolutionPushLog]] = {}
    for entry in logs:
        found = by_output.setdefault(entry.output_id, [])
        if len(found) < per_output:
            found.append(entry)
    return by_output


async def publish_to_library(
    db: AsyncSession, session: AISession, output: SessionResolutionOutput, text: str
) -> LibraryEntry:
    """The reviewed article into the account's library, scrubbed again (an edit may have put
    a client name back); it is then retrieved like a playbook, under its symptom title."""
    data = output.structured_data or {}
    ids = Identifiers.of(
        session.intake or {}, await sessions.account_companies(db, session.account_id)
    )
    clean = scrub(text, ids).text
    title = without_placeholders(
        scrub(str(data.get("title") or symptom_title(session.problem_summary)), ids).text
    )
    article = {
        "title": title,
        "domain": str(data.get("domain") or session.problem_domain or "General"),
        "symptoms": [scrub(str(x), ids).text for x in data.get("symptoms", [])],
        "cause": scrub(str(data.get("root_cause", "")), ids).text,
        "resolution": [scrub(str(x), ids).text for x in data.get("resolution_steps", [])],
        "rule_out_first": [scrub(str(x), ids).text for x in data.get("rule_out_first", [])],
        "tags": [str(t) for t in data.get("tags", [])],
    }
    return await library.publish_article(
        db, session.account_id, f"kb-{_slug(title)}-{str(session.id)[:8]}", article, clean
    )
