"""Jobs whose worker died (killed, machine lost) are put back in the queue.

A worker that stops sending heartbeats is stalled; its running jobs are retried. Every worker
does this when it starts and then every minute while it runs."""

from __future__ import annotations

import asyncio
import contextlib

import procrastinate
import structlog

log = structlog.get_logger(__name__)
EVERY_SECONDS = 60.0


async def recover_stalled(app: procrastinate.App, stalled_after_seconds: float) -> int:
    jobs = list(
        await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after_seconds)
    )
    for job in jobs:
        await app.job_manager.retry_job(job)
        log.warning("stalled_job_requeued", job_id=job.id, task=job.task_name)
    return len(jobs)


async def keep_recovering(app: procrastinate.App, stalled_after_seconds: float) -> None:
    while True:
        await asyncio.sleep(EVERY_SECONDS)
        with contextlib.suppress(Exception):  # a failed sweep is retried next minute
            await recover_stalled(app, stalled_after_seconds)
