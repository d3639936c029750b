"""Deliver one queued push (PSA note / e-mail / KB export to Hudu or IT Glue). Runs in the
job, one attempt per run; a retryable failure schedules the next attempt (honouring the
vendor's Retry-After) and the document becomes `pushed` only once the vendor handed back an id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import structlog
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.auth.service import display_name
from flowpilot.integrations import people
from flowpilot.integrations import service as integrations
from flowpilot.integrations.delivery import DeliveryError
from flowpilot.integrations.email import send_mail
from flowpilot.integrations.html import markdown_to_html
from flowpilot.jobs.defer import defer
from flowpilot.resolutions.models import ResolutionPushLog, SessionResolutionOutput
from flowpilot.resolutions.service import IN_FLIGHT, mark_pushed
from flowpilot.sessions.models import AISession

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 5
MAX_WAIT_SECONDS = 15 * 60


class Target(NamedTuple):
    push: ResolutionPushLog
    output: SessionResolutionOutput
    session: AISession


def backoff_seconds(attempt: int) -> float:
    return float(min(2 ** (attempt + 1), MAX_WAIT_SECONDS))


async def run_push(db: AsyncSession, push_id: str, secret_key: str) -> None:
    # The attempt is on record before anything is sent: a process that dies after the vendor
    # took a note leaves attempts > 1 behind, and the next attempt looks the note up first.
    started = await db.scalar(
        update(ResolutionPushLog)
        .where(ResolutionPushLog.id == push_id, ResolutionPushLog.result.in_(IN_FLIGHT))
        .values(attempts=ResolutionPushLog.attempts + 1)
        .returning(ResolutionPushLog.id)
    )
    await db.commit()
    if started is None:
        return  # delivered, given up, or deleted with its session
    push = await db.get(ResolutionPushLog, push_id, with_for_update=True, populate_existing=True)
    if push is None or push.result not in IN_FLIGHT:
        return  # another run finished it meanwhile
    output = await db.get(SessionResolutionOutput, push.output_id)
    session = await db.get(AISession, output.session_id) if output else None
    if output is None or session is None:
        return
    target = Target(push, output, session)
    try:
        reference = await _deliver(db, target, secret_key)
    except DeliveryError as exc:
        await _failed(db, push, exc)
    except Exception as exc:  # an unexpected vendor answer must not leave "sending…" forever
        log.exception("push_crashed", destination=push.destination)
        await _failed(db, push, DeliveryError(f"Unexpected error: {exc!r}", retryable=True))
    else:
        push.result = "ok"
        push.error = None
        push.next_attempt_at = None
        push.external_id = reference
        mark_pushed(output, push.destination, reference)
        log.info("push_delivered", destination=push.destination, reference=reference)
    await db.commit()


async def _failed(db: AsyncSession, push: ResolutionPushLog, exc: DeliveryError) -> None:
    if exc.retryable and push.attempts < MAX_ATTEMPTS:
        wait = min(exc.retry_after or backoff_seconds(push.attempts), MAX_WAIT_SECONDS)
        push.result = "retrying"
        push.next_attempt_at = datetime.now(UTC) + timedelta(seconds=wait)
        push.error = f"{exc.message} (attempt {push.attempts} of {MAX_ATTEMPTS})"
        await defer(
            db, "push_resolution_output", push_id=str(push.id), _schedule_at=push.next_attempt_at
        )
    else:
        push.result = "failed"
        push.next_attempt_at = None
        push.error = exc.message + (
            f" (gave up after {push.attempts} attempts)" if exc.retryable else ""
        )
    log.warning("push_failed", destination=push.destination, error=push.error)


async def _deliver(db: AsyncSession, target: Target, secret_key: str) -> str:
    if target.push.destination == "psa":
        return await _deliver_to_psa(db, target, secret_key)
    if target.push.destination == "hudu":
        return await _deliver_to_hudu(db, target, secret_key)
    if target.push.destination == "itglue":
        return await _deliver_to_itglue(db, target, secret_key)
    return await _deliver_email(db, target, secret_key)


async def _deliver_to_hudu(db: AsyncSession, target: Target, secret_key: str) -> str:
    push, output, session = target
    row = await integrations.hudu_settings(db, push.account_id)
    if row is None:
        raise DeliveryError("The Hudu settings were removed; an admin must add them")
    title = str((output.structured_data or {}).get("title") or session.title)
    client = integrations.hudu_client(row, secret_key)
    html = markdown_to_html(push.content)
    return f"hudu:{await client.create_article(title, html, row.company_id, row.folder_id)}"


async def _deliver_to_itglue(db: AsyncSession, target: Target, secret_key: str) -> str:
    push, output, session = target
    row = await integrations.itglue_settings(db, push.account_id)
    if row is None:
        raise DeliveryError("The IT Glue settings were removed; an admin must add them")
    title = str((output.structured_data or {}).get("title") or session.title)
    client = integrations.itglue_client(row, secret_key)
    asset_id = await client.create_article(
        organization_id=row.organization_id,
        type_id=row.flexible_asset_type_id,
        title_trait=row.title_trait,
        body_trait=row.body_trait,
        title=title,
        html=markdown_to_html(push.content),
    )
    return f"itglue:{asset_id}"


async def _deliver_to_psa(db: AsyncSession, target: Target, secret_key: str) -> str:
    push, output, session = target
    if push.psa_connection_id is None:
        raise DeliveryError("The PSA connection was deleted; push again to pick another")
    connection = await integrations.get_connection(db, push.account_id, push.psa_connection_id)
    psa = integrations.adapter(connection, secret_key)
    if output.output_type == "knowledge_base":
        data = output.structured_data or {}
        title = str(data.get("title") or session.title)
        tags = [str(t) for t in data.get("tags", [])]
        return f"kb:{await psa.add_kb_article(title, push.content, tags)}"
    if push.ticket_id is None:
        raise DeliveryError("No PSA ticket to write to")
    notes = output.output_type == "psa_ticket_notes"
    logs_time = notes and session.total_active_seconds > 0
    # Written as the engineer who pushed: their mapping on the connection; their time, when
    # they have none, as the connection's fixed person. Checked before anything is written:
    # time is never logged as someone else.
    found = await people.attribution(db, connection, push.requested_by_id)
    person = None
    if logs_time:
        try:
            person = people.time_person(
                connection, found, await display_name(db, push.requested_by_id)
            )
        except people.Unattributed as exc:
            raise DeliveryError(f"{exc.message}. Nothing was written.") from exc
    billing = integrations.billing_for(connection, push.work_type, push.billable)
    hours = session.total_active_seconds / 3600 if notes else None
    # A note that went through on an earlier attempt is not written twice: recorded, or
    # (when an attempt ended before its id was recorded) found on the ticket by reference.
    reference = delivery_reference(push)
    again = push.attempts > 1
    note_id = _part(push.external_id, "note")
    if note_id is None and again:
        note_id = await psa.find_note(push.ticket_id, reference)
    if note_id is None:
        note_id = await psa.add_note(
            push.ticket_id,
            push.content,
            internal=notes,
            resolution=not notes,
            hours=hours,
            by=person if psa.time_on_note and logs_time else found.own,
            billing=billing,
            reference=reference,
        )
    if _part(push.external_id, "note") is None:
        push.external_id = f"note:{note_id}"
        await db.flush()
    if logs_time and person is not None and _part(push.external_id, "time") is None:
        end = session.resolved_at or datetime.now(UTC)
        start = end - timedelta(seconds=session.total_active_seconds)
        time_notes = f"FlowPilot: {session.title} [{reference}]"
        entry = await psa.find_time_entry(push.ticket_id, reference) if again else None
        if entry is None:
            entry = await psa.add_time_entry(
                push.ticket_id, start, end, time_notes, by=person, billing=billing
            )
        if entry is not None:
            push.external_id = f"{push.external_id} time:{entry}"
            await db.flush()
    if push.close_ticket and _part(push.external_id, "status") is None:
        status_id = await psa.resolved_status(push.ticket_id)
        await psa.set_status(
            push.ticket_id, status_id, resolution=resolution_text(output, push.content)
        )
        push.external_id = f"{push.external_id} status:{status_id}"
    return push.external_id or f"note:{note_id}"


def delivery_reference(push: ResolutionPushLog) -> str:
    """Short, unique per push, written into what is posted so a retry can find it."""
    return f"FP-{push.id.hex[:12]}"


def resolution_text(output: SessionResolutionOutput, content: str) -> str:
    """What goes into a ticket's own resolution field when it is closed: the client summary
    as pushed (written for the client), or the notes' Resolution line (the notes themselves
    are internal)."""
    if output.output_type != "psa_ticket_notes":
        return content
    for line in content.splitlines():
        if line.strip().lower().startswith("resolution:"):
            found = line.strip()[len("resolution:") :].strip()
            if found:
                return found
    return str((output.structured_data or {}).get("resolution") or "")


def _part(reference: str | None, name: str) -> str | None:
    for part in (reference or "").split():
        key, _, value = part.partition(":")
        if key == name:
            return value
    return None


async def _deliver_email(db: AsyncSession, target: Target, secret_key: str) -> str:
    push, output, session = target
    row = await integrations.smtp_settings(db, push.account_id)
    if row is None:
        raise DeliveryError("The mail server settings were removed; an admin must add them")
    title = str((output.structured_data or {}).get("title") or "your support request")
    ticket = f"[Ticket #{session.psa_ticket_id}] " if session.psa_ticket_id else ""
    return await send_mail(
        integrations.smtp_config(row, secret_key),
        push.recipients or [],
        f"{ticket}Resolved: {title}"[:200],
        push.content,
    )
