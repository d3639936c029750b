"""What an engineer's message sets off besides its answer: its reports on the branch's open
suggestions (done with their words, skipped, not applicable), a model's reading of it (a job,
with a real model), and the digest job of a history chunk it completes.

A turn runs this in a short transaction of its own while the model works on its first words,
so none of it delays them, and saves the reply only after it: a suggestion the reply makes is
never taken as reported by the message before it. The message is saved marked
`follow_up_due`; the follow-up claims it by clearing the mark in the same transaction, so it
runs once, and a turn cut short (the process stopped) leaves the mark for Retry to run.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.guidance.evidence import Evidence
from flowpilot.jobs.defer import defer
from flowpilot.sessions import service
from flowpilot.sessions.history import queue_chunk_digests
from flowpilot.sessions.models import AISessionStep, SessionMessage
from flowpilot.sessions.reports import OpenSuggestion, reports_for

# How many of a branch's open suggestions a message is matched against.
OPEN_SUGGESTIONS_READ = 6


async def run_follow_up(
    db: AsyncSession,
    session_id: uuid.UUID,
    account_id: uuid.UUID,
    message_id: uuid.UUID,
    *,
    model_evidence: bool,
) -> bool:
    """Claim the message's follow-up and run it in `db`'s transaction (the caller commits).
    False when it was not due (run already, or never owed)."""
    # The writers' lock order: the session row first, then what the follow-up changes.
    await service.lock_session_row(db, session_id)
    message = await service.claim_follow_up(db, session_id, account_id, message_id)
    if message is None:
        return False
    await record_reports(db, message)
    if model_evidence:
        await defer(db, "extract_evidence", message_id=str(message.id))
    await queue_chunk_digests(db, message, [])
    await db.flush()
    return True


async def record_reports(db: AsyncSession, message: SessionMessage) -> None:
    """The engineer's message reports on the suggestions open on its branch when it was
    sent; what they never reported on stays a suggestion."""
    open_rows = list(
        await db.scalars(
            service.open_suggestions(message.branch_id, message.account_id)
            .where(AISessionStep.created_at <= message.created_at)
            .limit(OPEN_SUGGESTIONS_READ)
        )
    )
    evidence = Evidence.from_dict(message.meta.get("evidence"))
    by_id = {row.id: row for row in open_rows}
    opened = [OpenSuggestion(row.id, row.title) for row in open_rows]
    for report in reports_for(message.content, evidence, opened):
        row = by_id[report.step_id]  # type: ignore[index]
        row.state, row.result = report.state, report.result
        row.reported_by = message.author_id
        row.reported_at = datetime.now(UTC)
        row.report_message_id = message.id
        row.report_source = "message"
