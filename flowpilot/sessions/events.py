"""What other domains add to sessions: what they do when a session changes status (in the
same transaction), and who else may read a session.

Sessions know nothing about the domains built on them (handoffs, for one, settles its open
handoff when a parked session moves on). A domain that must react registers a hook here when
the application is assembled (`flowpilot.wiring.wire_domains`), so the dependency runs one
way: handoffs → sessions, never back.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement
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


# A condition on AISession under which members of these teams may read it (handoffs: the
# session is escalated to one of their teams). Read by the scoping query on every session read.
TeamReadRule = Callable[[Sequence[uuid.UUID]], ColumnElement[bool]]
_TEAM_READ_RULES: dict[str, TeamReadRule] = {}


def on_team_read(name: str, rule: TeamReadRule) -> None:
    """Register (or replace) a named rule widening what a team's members may read."""
    _TEAM_READ_RULES[name] = rule


def team_read_rules(team_ids: Sequence[uuid.UUID]) -> list[ColumnElement[bool]]:
    return [rule(team_ids) for rule in _TEAM_READ_RULES.values()]
