"""Running the procrastinate worker: in-process for `serve`, or as `flowpilot worker`."""

from __future__ import annotations

import asyncio
import contextlib

import procrastinate
import structlog

from flowpilot.ai.base import ChatProvider
from flowpilot.config import Settings
from flowpilot.db.engine import Database
from flowpilot.jobs.runtime import Runtime, set_runtime

log = structlog.get_logger(__name__)


class RunningWorker:
    def __init__(self, app: procrastinate.App, task: asyncio.Task[None]) -> None:
        self.app = app
        self.task = task

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(self.task, timeout=10)
        await self.app.close_async()


def bound_app(
    db: Database, provider: ChatProvider, settings: Settings | None = None
) -> procrastinate.App:
    import flowpilot.jobs.registry  # noqa: F401
    from flowpilot.jobs.app import connect

    set_runtime(Runtime(sessionmaker=db.sessionmaker, provider=provider, settings=settings))
    return connect(db.libpq)


async def start_in_process_worker(
    db: Database, provider: ChatProvider, settings: Settings | None = None
) -> RunningWorker:
    app = bound_app(db, provider, settings)
    await app.open_async()
    task = asyncio.create_task(
        app.run_worker_async(concurrency=2, install_signal_handlers=False, name="in-process")
    )
    log.info("worker_started", mode="in-process")
    return RunningWorker(app, task)


async def run_dedicated_worker(
    db: Database, provider: ChatProvider, concurrency: int, settings: Settings | None = None
) -> None:
    app = bound_app(db, provider, settings)
    async with app.open_async():
        log.info("worker_started", mode="dedicated", concurrency=concurrency)
        await app.run_worker_async(concurrency=concurrency)
