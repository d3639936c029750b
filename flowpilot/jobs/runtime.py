"""What a running task needs (database, provider), set once per process by app or worker."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flowpilot.ai.base import ChatProvider
from flowpilot.config import Settings
from flowpilot.uploads.storage import Storage


@dataclass
class Runtime:
    sessionmaker: async_sessionmaker[AsyncSession]
    provider: ChatProvider
    settings: Settings | None = None
    storage: Storage | None = None


_current: Runtime | None = None


def set_runtime(rt: Runtime) -> None:
    global _current
    _current = rt


def runtime() -> Runtime:
    if _current is None:
        raise RuntimeError("job runtime not initialised (start via `flowpilot serve` or `worker`)")
    return _current
