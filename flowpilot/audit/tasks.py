"""Audit retention: events older than FLOWPILOT_AUDIT_RETENTION_DAYS are removed nightly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from flowpilot.audit.models import AuditEvent
from flowpilot.config import get_settings
from flowpilot.jobs.app import job_app
from flowpilot.jobs.runtime import runtime


# Nightly at 03:17 UTC: deferred by flowpilot.jobs.schedule (not procrastinate's periodic
# deferrer, which defers through an app that is never open).
@job_app.task(name="prune_audit_events", queueing_lock="prune_audit_events")
async def prune_audit_events(timestamp: int) -> None:  # noqa: ARG001 (the scheduled time: one job per night)
    rt = runtime()
    # The worker's own settings (as given to it), read from the environment only without.
    settings = rt.settings or get_settings()
    async with rt.sessionmaker() as db:
        await prune(db, settings.audit_retention_days)
        await db.commit()


async def prune(db, days: int) -> int:  # type: ignore[no-untyped-def]
    cutoff = datetime.now(UTC) - timedelta(days=days)
    result = await db.execute(delete(AuditEvent).where(AuditEvent.created_at < cutoff))
    return int(result.rowcount or 0)
