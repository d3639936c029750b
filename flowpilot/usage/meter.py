"""Counting what background model calls spend, to store with the job's own write."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.ai.base import (
    ChatEvent,
    ChatProvider,
    ChatRequest,
    StructuredRequest,
    StructuredResult,
)
from flowpilot.budgets import service as budgets
from flowpilot.sessions.models import AISession
from flowpilot.usage.models import UsageEvent


class MeteredProvider:
    """Passes calls through and keeps each structured call's usage until `record`."""

    def __init__(self, inner: ChatProvider) -> None:
        self.inner = inner
        self.name = inner.name
        self.model = inner.model
        self.supports_images = inner.supports_images
        self.reads_history = getattr(inner, "reads_history", True)
        self.spent: list[tuple[str, StructuredResult]] = []

    def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatEvent]:
        return self.inner.stream_chat(request)  # chat answers store their own tokens

    async def structured(self, request: StructuredRequest) -> StructuredResult:
        result = await self.inner.structured(request)
        self.spent.append((request.name, result))
        return result


def metered(provider: ChatProvider) -> MeteredProvider:
    return MeteredProvider(provider)


async def record(
    db: AsyncSession, session_id: uuid.UUID, account_id: uuid.UUID, provider: ChatProvider
) -> None:
    """Store the calls a metered provider made (nothing for the offline provider: no cost)."""
    if (
        not isinstance(provider, MeteredProvider)
        or provider.name == "offline"
        or not provider.spent
    ):
        return
    # A background call counts against the budget of the session's owner (as in the report).
    owner = await db.scalar(select(AISession.owner_id).where(AISession.id == session_id))
    prices = await budgets.prices_for(db, account_id, provider)  # once for all the job's calls
    for name, result in provider.spent:
        u = result.usage
        await budgets.add_spend(
            db, account_id, owner, budgets.cost_of(prices, provider, provider.model, u)
        )
        db.add(
            UsageEvent(
                account_id=account_id,
                session_id=session_id,
                kind=name[:40],
                provider=provider.name,
                model=provider.model[:120],
                **u.columns(),
            )
        )
    provider.spent.clear()
