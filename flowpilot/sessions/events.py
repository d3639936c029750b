"""What other domains do when a session changes status, in the same transaction.

Sessions know nothing about the domains built on them (handoffs, for one, settles its open
handoff when a parked session moves on). A domain that must react registers a hook here when
the application is assembled (`flowpilot.wiring.wire_domains`), so the dependency runs one
way: handoffs → sessions, never back.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.sessions.models import AISession


@dataclass(frozen=True)
class StatusChange:
    session: AISession
    old: str
    new: str
    actor: uuid.UUID | None


StatusHook = Callable[[AsyncSession, StatusChange], Awaitable[None]]
_STATUS_HOOKS: dict[str, StatusHook] = {}


def on_status_change(name: str, hook: StatusHook) -> None:
    """Register (or replace) a named hook: assembling the app twice registers it once."""
    _STATUS_HOOKS[name] = hook


async def status_changed(db: AsyncSession, change: StatusChange) -> None:
    for hook in _STATUS_HOOKS.values():
        await hook(db, change)
