"""Running the procrastinate worker: in-process for `serve`, or as `flowpilot worker`."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import procrastinate
import structlog

from flowpilot.ai.base import ChatProvider
from flowpilot.config import Settings, get_settings
from flowpilot.db.engine import Database
from flowpilot.jobs.recovery import keep_recovering, recover_stalled
from flowpilot.jobs.runtime import Runtime, set_runtime
from flowpilot.jobs.schedule import keep_scheduling
from flowpilot.wiring import wire_domains

log = structlog.get_logger(__name__)


class RunningWorker:
    def __init__(self, app: procrastinate.App, *tasks: asyncio.Task[None]) -> None:
        self.app = app
        self.tasks = tasks

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, timeout=10)
        await self.app.close_async()


def bound_app(
    db: Database, provider: ChatProvider, settings: Settings | None = None
) -> procrastinate.App:
    from flowpilot.jobs.app import connect, register_tasks
    from flowpilot.storage import storage_for

    register_tasks()
    wire_domains()

    set_runtime(
        Runtime(
            sessionmaker=db.sessionmaker,
            provider=provider,
            settings=settings,
            storage=storage_for(settings or get_settings()),
        )
    )
    return connect(db.libpq)


def _worker_options(settings: Settings) -> dict[str, float]:
    return {
        "update_heartbeat_interval": settings.worker_heartbeat_seconds,
        "stalled_worker_timeout": settings.stalled_after_seconds,
    }


async def start_in_process_worker(
    db: Database, provider: ChatProvider, settings: Settings | None = None
) -> RunningWorker:
    settings = settings or get_settings()
    app = bound_app(db, provider, settings)
    await app.open_async()
    await recover_stalled(app, settings.stalled_after_seconds)
    task = asyncio.create_task(
        app.run_worker_async(
            concurrency=2,
            install_signal_handlers=False,
            name="in-process",
            **_worker_options(settings),  # type: ignore[arg-type]
        )
    )
    sweeper = asyncio.create_task(keep_recovering(app, settings.stalled_after_seconds))
    scheduler = asyncio.create_task(keep_scheduling(app))
    log.info("worker_started", mode="in-process")
    return RunningWorker(app, task, sweeper, scheduler)


async def run_dedicated_worker(
    db: Database,
    provider: ChatProvider,
    concurrency: int,
    settings: Settings | None = None,
    queues: list[str] | None = None,
) -> None:
    settings = settings or get_settings()
    app = bound_app(db, provider, settings)
    async with app.open_async():
        recovered = await recover_stalled(app, settings.stalled_after_seconds)
        log.info("worker_started", mode="dedicated", concurrency=concurrency, recovered=recovered)
        sweeper = asyncio.create_task(keep_recovering(app, settings.stalled_after_seconds))
        scheduler = asyncio.create_task(keep_scheduling(app))
        try:
            options: dict[str, Any] = {**_worker_options(settings)}
            if queues:
                options["queues"] = queues
            await app.run_worker_async(concurrency=concurrency, **options)
        finally:
            sweeper.cancel()
            scheduler.cancel()
