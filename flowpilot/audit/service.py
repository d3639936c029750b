"""Recording audit events (in the caller's transaction: an action rolled back leaves no row)
and reading them (an account's admins only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.audit.context import CLIENT_IP
from flowpilot.audit.models import AuditEvent


class Actor(Protocol):
    """Who acted (auth's Principal fits). Audit sits below auth, which records sign-ins."""

    @property
    def user_id(self) -> uuid.UUID: ...
    @property
    def account_id(self) -> uuid.UUID: ...
    @property
    def email(self) -> str: ...


ACTIONS = (
    "auth.sign_in",
    "auth.sign_in_failed",
    "session.read",
    "upload.read",
    "ticket.preview",
    "output.approve",
    "output.push",
    "output.copy",
    "handoff.assign",
    "handoff.claim",
    "settings.psa_connection",
    "settings.psa_person",
    "settings.smtp",
    "settings.hudu",
    "settings.itglue",
    "settings.ai_privacy",
    "settings.ai_budget",
    "settings.ai_price",
    "user.create",
    "user.role",
    "user.deactivate",
    "user.teams",
    "team.change",
)


async def record(
    db: AsyncSession,
    *,
    account_id: uuid.UUID,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: object = "",
    detail: dict[str, Any] | None = None,
    actor_email: str = "",
) -> None:
    assert action in ACTIONS, action
    db.add(
        AuditEvent(
            account_id=account_id,
            actor_id=actor.user_id if actor else None,
            actor_email=(actor.email if actor else actor_email)[:320],
            action=action,
            object_type=object_type,
            object_id=str(object_id or "")[:64],
            ip=CLIENT_IP.get()[:64],
            detail=detail or {},
        )
    )
    await db.flush()


async def audit(db: AsyncSession, principal: Actor, action: str, object_type: str,
                object_id: object = "", **detail: Any) -> None:  # fmt: skip
    """The common case: the signed-in user acting in their own account."""
    await record(
        db,
        account_id=principal.account_id,
        actor=principal,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
    )


def events_of(account_id: uuid.UUID) -> Select[AuditEvent]:
    return select(AuditEvent).where(AuditEvent.account_id == account_id)


async def search(
    db: AsyncSession,
    account_id: uuid.UUID,
    *,
    action: str | None,
    actor_id: uuid.UUID | None,
    object_id: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[AuditEvent], int]:
    query = events_of(account_id)
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    if object_id:
        query = query.where(AuditEvent.object_id == object_id)
    if since:
        query = query.where(AuditEvent.created_at >= since)
    if until:
        query = query.where(AuditEvent.created_at < until)
    total = await db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await db.scalars(
        query.order_by(AuditEvent.created_at.desc(), AuditEvent.id).limit(limit).offset(offset)
    )
    return list(rows), total
