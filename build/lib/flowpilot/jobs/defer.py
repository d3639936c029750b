"""Defer a job inside the caller's transaction: if the request rolls back, no job exists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.jobs.app import job_app, register_tasks


async def defer(
    db: AsyncSession,
    task_name: str,
    *,
    _queueing_lock: str | None = None,
    _schedule_at: datetime | None = None,
    **kwargs: Any,
) -> int:
    """Raises procrastinate's AlreadyEnqueued when `_queueing_lock` already has a pending job."""
    register_tasks()
    task = job_app.tasks[task_name]
    connection = await db.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    options: dict[str, Any] = {"connection": raw}
    if _queueing_lock:
        options["queueing_lock"] = _queueing_lock
    if _schedule_at is not None:
        options["schedule_at"] = _schedule_at
    # A savepoint: a refused insert (duplicate queueing lock) must not abort the caller's
    # transaction. psycopg nests it inside the transaction SQLAlchemy already opened.
    async with raw.transaction():
        job_id: int = await task.configure(**options).defer_async(**kwargs)
    return job_id
