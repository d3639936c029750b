"""Session jobs: the digests of cut history chunks."""

from __future__ import annotations

import uuid

from procrastinate import RetryStrategy

from flowpilot.jobs.app import job_app
from flowpilot.jobs.runtime import runtime
from flowpilot.sessions import history
from flowpilot.sessions.models import SessionMessage


@job_app.task(name="store_history_chunk", retry=RetryStrategy(max_attempts=3, exponential_wait=2))
async def store_history_chunk(last_message_id: str) -> None:
    """Write the digest of the chunk that ends at this message (once; see history.py)."""
    rt = runtime()
    async with rt.sessionmaker() as db:
        message = await db.get(SessionMessage, uuid.UUID(last_message_id))
        if message is None or message.depth % history.CHUNK != history.CHUNK - 1:
            return
        chunk = await history.digest_chunk(
            db, message.session_id, message.id, message.depth - history.CHUNK + 1
        )
        await history.store_chunk(db, message.session_id, message.account_id, chunk)
        await db.commit()
