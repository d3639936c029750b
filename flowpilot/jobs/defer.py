"""Defer a job inside the caller's transaction: if the request rolls back, no job exists."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.jobs.app import job_app


async def defer(db: AsyncSession, task_name: str, **kwargs: Any) -> int:
    import flowpilot.jobs.registry  # noqa: F401  (registers the tasks)

    task = job_app.tasks[task_name]
    connection = await db.connection()
    raw = await connection.get_raw_connection()
    job_id: int = await task.configure(connection=raw.driver_connection).defer_async(**kwargs)
    return job_id
