"""Model usage and its cost, from the tokens stored on each answer (chat turns)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Date, cast, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from flowpilot.auth.service import Principal, display_names
from flowpilot.sessions import service as sessions
from flowpilot.sessions.models import AISession, SessionMessage
from flowpilot.usage.models import UsageEvent
from flowpilot.usage.prices import price_for
from flowpilot.usage.schemas import GroupBy, UsageLine, UsageReport

Asked = aliased(SessionMessage)


def _key(group_by: GroupBy) -> Any:
    if group_by == "engineer":
        return Asked.author_id
    if group_by == "session":
        return SessionMessage.session_id
    if group_by == "day":
        return cast(SessionMessage.created_at, Date)
    if group_by == "client":
        company = AISession.intake["psa_ticket"]["company"].astext
        return func.coalesce(company, AISession.intake["client"].astext, "")
    return func.concat(
        SessionMessage.meta["provider"].astext, "/", SessionMessage.meta["model"].astext
    )


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
    readable = sessions.readable_sessions(principal).subquery()
    key = _key(group_by).label("key")
    query = (
        select(
            key,
            SessionMessage.meta["provider"].astext,
            SessionMessage.meta["model"].astext,
            func.count(),
            func.sum(SessionMessage.input_tokens),
            func.sum(SessionMessage.output_tokens),
            func.sum(SessionMessage.cache_read_tokens),
            func.sum(SessionMessage.cache_write_tokens),
        )
        .join(AISession, AISession.id == SessionMessage.session_id)
        .join(readable, readable.c.id == AISession.id)
        .outerjoin(Asked, Asked.id == SessionMessage.reply_to_id)
        .where(
            SessionMessage.account_id == principal.account_id,
            SessionMessage.role == "assistant",
        )
        # By position: JSON paths repeated in GROUP BY would be new bind parameters.
        .group_by(text("1, 2, 3"))
    )
    if not principal.is_lead and session_id is None:
        query = query.where(Asked.author_id == principal.user_id)
    if session_id is not None:
        query = query.where(SessionMessage.session_id == session_id)
    if start is not None:
        query = query.where(SessionMessage.created_at >= start)
    if end is not None:
        query = query.where(SessionMessage.created_at < end)
    lines: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    answers = [("turns", row) for row in (await db.execute(query)).tuples()]
    jobs = [
        ("job_calls", row)
        for row in (
            await db.execute(_job_query(principal, group_by, readable, start, end, session_id))
        ).tuples()
    ]
    for counter, (k, provider, model, turns, i, o, cr, cw) in answers + jobs:
        line = lines[str(k or "")]
        price = price_for(provider or "offline", model or "")
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


def _job_query(
    principal: Principal,
    group_by: GroupBy,
    readable: Any,
    start: datetime | None,
    end: datetime | None,
    session_id: uuid.UUID | None,
) -> Any:
    """Background calls, grouped like the answers (their engineer: the session's owner)."""
    keys = {
        "engineer": AISession.owner_id,
        "session": UsageEvent.session_id,
        "day": cast(UsageEvent.created_at, Date),
        "client": func.coalesce(
            AISession.intake["psa_ticket"]["company"].astext,
            AISession.intake["client"].astext,
            "",
        ),
        "model": func.concat(UsageEvent.provider, "/", UsageEvent.model),
    }
    query: Any = (
        select(
            keys[group_by].label("key"),
            UsageEvent.provider,
            UsageEvent.model,
            func.count(),
            func.sum(UsageEvent.input_tokens),
            func.sum(UsageEvent.output_tokens),
            func.sum(UsageEvent.cache_read_tokens),
            func.sum(UsageEvent.cache_write_tokens),
        )
        .join(AISession, AISession.id == UsageEvent.session_id)
        .join(readable, readable.c.id == AISession.id)
        .where(UsageEvent.account_id == principal.account_id)
        .group_by(text("1, 2, 3"))
    )
    if not principal.is_lead and session_id is None:
        query = query.where(AISession.owner_id == principal.user_id)
    if session_id is not None:
        query = query.where(UsageEvent.session_id == session_id)
    if start is not None:
        query = query.where(UsageEvent.created_at >= start)
    if end is not None:
        query = query.where(UsageEvent.created_at < end)
    return query


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
