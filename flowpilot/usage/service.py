"""Model usage and its cost, from the tokens stored on each answer (chat turns) and background
call, priced when the report is read."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Date, cast, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from flowpilot.auth.service import Principal, display_names
from flowpilot.pricing.prices import (
    account_prices,
)
from flowpilot.sessions import service as sessions
from flowpilot.sessions.models import AISession, SessionMessage
from flowpilot.usage.models import UsageEvent
from flowpilot.usage.schemas import (
    GroupBy,
    UsageLine,
    UsageReport,
)

Asked = aliased(SessionMessage)
TOKEN_KINDS = ("input", "output", "cache_read", "cache_write")


@dataclass(frozen=True)
class _Scope:
    principal: Principal
    group_by: GroupBy
    readable: Any
    start: datetime | None
    end: datetime | None
    session_id: uuid.UUID | None


def _grouped(entity: Any, provider: Any, model: Any, engineer: Any, scope: _Scope) -> Any:
    """Tokens of `entity` rows (answers or background calls, both with the session, account,
    time and token columns) per group key, provider and model, in the caller's view."""
    keys = {
        "engineer": engineer,
        "session": entity.session_id,
        "day": cast(entity.created_at, Date),
        "client": func.coalesce(
            AISession.intake["psa_ticket"]["company"].astext, AISession.intake["client"].astext, ""
        ),
        "model": func.concat(provider, "/", model),
    }
    query = (
        select(
            keys[scope.group_by].label("key"),
            provider,
            model,
            func.count(),
            *(func.sum(getattr(entity, f"{kind}_tokens")) for kind in TOKEN_KINDS),
        )
        .select_from(entity)
        .join(AISession, AISession.id == entity.session_id)
        .join(scope.readable, scope.readable.c.id == AISession.id)
        .where(entity.account_id == scope.principal.account_id)
        # By position: JSON paths repeated in GROUP BY would be new bind parameters.
        .group_by(text("1, 2, 3"))
    )
    if not scope.principal.is_lead and scope.session_id is None:
        query = query.where(engineer == scope.principal.user_id)
    if scope.session_id is not None:
        query = query.where(entity.session_id == scope.session_id)
    if scope.start is not None:
        query = query.where(entity.created_at >= scope.start)
    if scope.end is not None:
        query = query.where(entity.created_at < scope.end)
    return query


async def report(
    db: AsyncSession,
    principal: Principal,
    group_by: GroupBy,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    session_id: uuid.UUID | None = None,
) -> UsageReport:
    """Answers and background model calls. Leads and admins see the account; an engineer sees
    their own (answers to their messages, calls for sessions they own), or everything of one
    session they may read (`session_id`)."""
    scope = _Scope(
        principal,
        group_by,
        sessions.readable_sessions(principal).subquery(),
        start,
        end,
        session_id,
    )
    provider, model = SessionMessage.meta["provider"].astext, SessionMessage.meta["model"].astext
    # An answer's engineer wrote the message it answers.
    answered = (
        _grouped(SessionMessage, provider, model, Asked.author_id, scope)
        .outerjoin(Asked, Asked.id == SessionMessage.reply_to_id)
        .where(SessionMessage.role == "assistant")
    )
    # A background call's engineer is the session's owner.
    background = _grouped(
        UsageEvent, UsageEvent.provider, UsageEvent.model, AISession.owner_id, scope
    )
    # Costs are worked out now from the stored tokens, at the account's current prices.
    prices = await account_prices(db, principal.account_id)
    lines: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    answers = [("turns", row) for row in (await db.execute(answered)).tuples()]
    jobs = [("job_calls", row) for row in (await db.execute(background)).tuples()]
    for counter, (k, provider, model, turns, i, o, cr, cw) in answers + jobs:
        line = lines[str(k or "")]
        price = prices.price(provider or "offline", model or "")
        line[counter] += turns
        line["input_tokens"] += i or 0
        line["output_tokens"] += o or 0
        line["cache_read_tokens"] += cr or 0
        line["cache_write_tokens"] += cw or 0
        if price is None:
            line["unpriced_turns" if counter == "turns" else "unpriced_job_calls"] += turns
        else:
            line["cost_usd"] += price.cost(i or 0, o or 0, cw or 0, cr or 0)
            line["cache_savings_usd"] += price.saved_by_cache(cr or 0)
    labels = await _labels(db, principal, group_by, list(lines))
    groups = [_line(k, labels.get(k, k), v) for k, v in lines.items()]
    groups.sort(key=lambda g: (-g.cost_usd, -g.turns, g.label))
    total: dict[str, float] = defaultdict(float)
    for values in lines.values():
        for field, value in values.items():
            total[field] += value
    return UsageReport(
        from_=start, to=end, group_by=group_by, total=_line("total", "Total", total), groups=groups
    )


def _line(key: str, label: str, v: dict[str, float]) -> UsageLine:
    return UsageLine(
        key=key,
        label=label,
        turns=int(v.get("turns", 0)),
        job_calls=int(v.get("job_calls", 0)),
        unpriced_job_calls=int(v.get("unpriced_job_calls", 0)),
        input_tokens=int(v.get("input_tokens", 0)),
        output_tokens=int(v.get("output_tokens", 0)),
        cache_read_tokens=int(v.get("cache_read_tokens", 0)),
        cache_write_tokens=int(v.get("cache_write_tokens", 0)),
        cost_usd=round(v.get("cost_usd", 0.0), 6),
        cache_savings_usd=round(v.get("cache_savings_usd", 0.0), 6),
        unpriced_turns=int(v.get("unpriced_turns", 0)),
    )


async def _labels(
    db: AsyncSession, principal: Principal, group_by: GroupBy, keys: list[str]
) -> dict[str, str]:
    ids = [uuid.UUID(k) for k in keys if _is_uuid(k)]
    if group_by == "engineer":
        names = await display_names(db, set(ids))
        return {str(k): v for k, v in names.items()}
    if group_by == "session" and ids:
        rows = await db.execute(
            select(AISession.id, AISession.title).where(
                AISession.id.in_(ids), AISession.account_id == principal.account_id
            )
        )
        return {str(i): t for i, t in rows.tuples()}
    if group_by == "client":
        return {k: k or "(no client)" for k in keys}
    return {}


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
