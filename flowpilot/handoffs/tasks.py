"""Escalation notifications: e-mail (SMTP) and a webhook, sent by a retried job.

`notification_sent` is true only when every configured channel accepted the message."""

from __future__ import annotations

import uuid

import httpx
import structlog
from procrastinate import RetryStrategy
from sqlalchemy import select

from flowpilot.auth.models import TeamMembership, User
from flowpilot.auth.service import display_name
from flowpilot.config import get_settings
from flowpilot.handoffs.models import SessionHandoff
from flowpilot.integrations import service as integrations
from flowpilot.integrations.delivery import DeliveryError
from flowpilot.integrations.email import send_mail
from flowpilot.integrations.service import mail_config_for
from flowpilot.jobs.app import job_app
from flowpilot.jobs.runtime import runtime
from flowpilot.notifications.service import notify
from flowpilot.sessions.models import AISession

log = structlog.get_logger(__name__)


@job_app.task(
    name="send_handoff_notifications",
    retry=RetryStrategy(max_attempts=6, exponential_wait=5),
)
async def send_handoff_notifications(handoff_id: str) -> None:
    rt = runtime()
    settings = rt.settings or get_settings()
    async with rt.sessionmaker() as db:
        handoff = await db.get(SessionHandoff, uuid.UUID(handoff_id))
        if handoff is None or handoff.notification_sent:
            return
        session = await db.get(AISession, handoff.session_id)
        assert session is not None
        team_id = handoff.target_team_id or session.team_id
        recipients = (
            list(
                await db.scalars(
                    select(User.email)
                    .join(TeamMembership, TeamMembership.user_id == User.id)
                    .where(
                        TeamMembership.team_id == team_id,
                        User.is_active,
                        User.id != handoff.handed_off_by,
                    )
                )
            )
            if team_id
            else []
        )
        link = f"{settings.public_url.rstrip('/')}/sessions/{session.id}"
        # A named assignee is one of the team's members: the same message names them, to
        # everyone (whoever covers for them sees who it was meant for).
        assignee = await display_name(db, handoff.assignee_id)
        named = f", assigned to {assignee}" if assignee else ""
        subject = f"[FlowPilot] Escalated ({handoff.priority}{named}): {session.title}"
        body = "\n\n".join(
            part
            for part in (
                f"{session.problem_summary}",
                f"Assigned to {assignee}; anyone in the team can still claim it."
                if assignee
                else "",
                handoff.ai_assessment or "",
                f"Notes: {handoff.engineer_notes}" if handoff.engineer_notes else "",
                f"Open the queue to claim it: {link}",
            )
            if part
        )
        errors = []
        try:
            mail = await mail_config_for(db, session.account_id, settings)
        except DeliveryError as exc:
            mail, errors = None, [f"e-mail: {exc.message}"]
        if mail is not None and recipients:
            try:
                await send_mail(mail, recipients, subject, body)
            except DeliveryError as exc:
                errors.append(f"e-mail: {exc.message}")
        if settings.escalation_webhook_url:
            payload = {
                "text": f"{subject}\n{link}",
                "session_id": str(session.id),
                "handoff_id": str(handoff.id),
                "priority": handoff.priority,
                "title": session.title,
                "assessment": handoff.ai_assessment_data,
                "url": link,
            }
            try:
                async with httpx.AsyncClient(timeout=15) as client:
                    response = await client.post(settings.escalation_webhook_url, json=payload)
                    response.raise_for_status()
            except httpx.HTTPError as exc:
                errors.append(f"webhook: {exc}")
        configured = bool((mail and recipients) or settings.escalation_webhook_url)
        handoff.notification_error = "; ".join(errors) or None
        handoff.notification_sent = configured and not errors
        await db.commit()
        if errors:
            log.warning("handoff_notification_failed", handoff_id=handoff_id, errors=errors)
            raise RuntimeError("; ".join(errors))  # procrastinate retries with backoff


@job_app.task(name="park_reminder", retry=RetryStrategy(max_attempts=3, exponential_wait=5))
async def park_reminder(handoff_id: str) -> None:
    """At the parked session's "remind me at": tell whoever parked it, if it is still parked."""
    rt = runtime()
    async with rt.sessionmaker() as db:
        handoff = await db.get(SessionHandoff, uuid.UUID(handoff_id))
        if handoff is None or handoff.status != "open" or handoff.handed_off_by is None:
            return
        session = await db.get(AISession, handoff.session_id)
        assert session is not None
        await notify(
            db,
            handoff.account_id,
            [handoff.handed_off_by],
            kind="park_reminder",
            title=f"Reminder: {session.title}",
            body=f"Still parked, waiting on: {handoff.waiting_on or 'not recorded'}",
            session_id=session.id,
            handoff_id=handoff.id,
        )
        await db.commit()


class RetryablePsaError(Exception):
    """Raised to let procrastinate retry a PSA note after a temporary failure."""


def handoff_note(handoff: SessionHandoff) -> str:
    if handoff.intent == "escalate":
        head = f"FlowPilot: escalated ({handoff.priority}) for another engineer to pick up."
    else:
        head = "FlowPilot: parked" + (
            f", waiting on {handoff.waiting_on}." if handoff.waiting_on else "."
        )
    parts = [head, handoff.ai_assessment or ""]
    if handoff.engineer_notes:
        parts.append(f"Engineer notes: {handoff.engineer_notes}")
    return "\n\n".join(p for p in parts if p)


@job_app.task(
    name="push_handoff_note",
    queue="deliveries",
    retry=RetryStrategy(max_attempts=5, exponential_wait=2, retry_exceptions={RetryablePsaError}),
)
async def push_handoff_note(handoff_id: str) -> None:
    rt = runtime()
    settings = rt.settings or get_settings()
    async with rt.sessionmaker() as db:
        handoff = await db.get(SessionHandoff, uuid.UUID(handoff_id), with_for_update=True)
        if handoff is None or handoff.psa_note_pushed:
            return
        session = await db.get(AISession, handoff.session_id)
        if session is None or not session.psa_ticket_id or not session.psa_connection_id:
            return
        retry = False
        try:
            connection = await integrations.get_connection(
                db, session.account_id, session.psa_connection_id
            )
            psa = integrations.adapter(connection, settings.resolved_secret_key())
            # An earlier run may have been cut off after the vendor took the note: look for
            # it by its reference before writing (one read; handoff notes are rare).
            reference = f"FP-{handoff.id.hex[:12]}"
            note_id = await psa.find_note(session.psa_ticket_id, reference)
            if note_id is None:
                note_id = await psa.add_note(
                    session.psa_ticket_id,
                    handoff_note(handoff),
                    internal=True,
                    resolution=False,
                    hours=None,
                    reference=reference,
                )
        except DeliveryError as exc:
            handoff.psa_note_error = exc.message
            retry = exc.retryable
        else:
            handoff.psa_note_pushed = True
            handoff.psa_note_id = note_id
            handoff.psa_note_error = None
        await db.commit()
        if retry:
            raise RetryablePsaError(handoff.psa_note_error)
