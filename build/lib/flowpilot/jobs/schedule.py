"""Nightly jobs, deferred by each worker through its own open app.

procrastinate's periodic deferrer defers through the app a task was declared on. A worker here
runs a copy of that app bound to its database (`connect`), and the declared app is never open:
every worker stopped with AppNotOpen in the ten minutes after a periodic task fell due. So each
worker defers due runs itself, through procrastinate's periodic-defer query on its own
connector: the periodic_defers table keeps it at one job per scheduled time, however many
workers there are. A run missed while no worker was up is caught up when one starts.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, time, timedelta

import procrastinate
import structlog
from procrastinate import exceptions

log = structlog.get_logger(__name__)

# (task name, time of day in UTC)
NIGHTLY: tuple[tuple[str, time], ...] = (("prune_audit_events", time(3, 17)),)
EVERY_SECONDS = 300.0


def last_due(now: datetime, at: time) -> int:
    """The latest scheduled instant at or before `now`, as a Unix timestamp."""
    today = datetime.combine(now.date(), at, tzinfo=UTC)
    due = today if today <= now else today - timedelta(days=1)
    return int(due.timestamp())


async def defer_due(app: procrastinate.App, now: datetime | None = None) -> list[int]:
    """Defer every nightly job whose latest run is not deferred yet; the new job ids."""
    now = now or datetime.now(UTC)
    deferred = []
    for name, at in NIGHTLY:
        stamp = last_due(now, at)
        # Only the job's data comes from the task: it is deferred through this app's manager.
        job = app.configure_task(name, queueing_lock=name, task_kwargs={"timestamp": stamp}).job
        with contextlib.suppress(exceptions.AlreadyEnqueued):
            job_id = await app.job_manager.defer_periodic_job(
                job=job, periodic_id="", defer_timestamp=stamp
            )
            if job_id is not None:
                deferred.append(job_id)
                log.info("nightly_job_deferred", task=name, scheduled_for=stamp, job_id=job_id)
    return deferred


async def keep_scheduling(app: procrastinate.App) -> None:
    while True:
        with contextlib.suppress(Exception):  # a failed round is retried next time
            await defer_due(app)
        await asyncio.sleep(EVERY_SECONDS)
