"""What a running task needs (database, provider), set once per process by app or worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flowpilot.ai.base import ChatProvider, ProviderError, StructuredRequest, StructuredResult
from flowpilot.config import Settings
from flowpilot.storage import Storage


@dataclass
class Runtime:
    sessionmaker: async_sessionmaker[AsyncSession]
    provider: ChatProvider
    settings: Settings | None = None
    storage: Storage | None = None


log = structlog.get_logger(__name__)

_current: Runtime | None = None


def set_runtime(rt: Runtime) -> None:
    global _current
    _current = rt


def runtime() -> Runtime:
    if _current is None:
        raise RuntimeError("job runtime not initialised (start via `flowpilot serve` or `worker`)")
    return _current


async def structured_or_skip(
    provider: ChatProvider, request: StructuredRequest, **log_fields: Any
) -> StructuredResult | None:
    """A background job's model call: None when the provider refuses for good (the job is
    skipped and logged); a retryable failure is raised so the job is retried."""
    try:
        return await provider.structured(request)
    except ProviderError as exc:
        if exc.retryable:
            raise
        log.warning(f"{request.name}_skipped", detail=exc.detail, **log_fields)
        return None
