"""Write the three resolution documents when a session is resolved."""

from __future__ import annotations

import uuid

from procrastinate import RetryStrategy

from flowpilot.config import get_settings
from flowpilot.errors import Conflict
from flowpilot.jobs.app import job_app
from flowpilot.jobs.runtime import runtime
from flowpilot.resolutions import delivery, service
from flowpilot.sessions.models import AISession


@job_app.task(
    name="generate_resolution_outputs",
    retry=RetryStrategy(max_attempts=5, exponential_wait=2),
)
async def generate_resolution_outputs(session_id: str) -> None:
    rt = runtime()
    async with rt.sessionmaker() as db:
        session = await db.get(AISession, uuid.UUID(session_id))
        if session is None or session.status not in ("resolved", "closed"):
            return
        if await db.scalar(service.outputs_of(session).limit(1)) is not None:
            return  # written already (by hand or an earlier run); regenerate is explicit
        try:
            # No lock while the model writes; generate() locks and checks again before saving.
            await service.generate(db, rt.provider, session, only_if_none=True)
        except Conflict:
            return  # reopened meanwhile: nothing to write
        await db.commit()


@job_app.task(name="push_resolution_output", queue="deliveries")
async def push_resolution_output(push_id: str) -> None:
    """One attempt; retries are scheduled by run_push itself (with the vendor's Retry-After)."""
    rt = runtime()
    settings = rt.settings or get_settings()
    async with rt.sessionmaker() as db:
        await delivery.run_push(db, push_id, settings.resolved_secret_key())
