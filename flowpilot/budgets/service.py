"""Monthly AI budgets: what each answer and background call costs is added to running totals
(the account's and the engineer's) as it is saved; a model turn is checked against them before
anything is written. At 80 % and at 100 % the account's admins and leads get one notice each
month; at 100 % a budget set to `block` refuses model turns with a 402 (the offline provider,
local models and models the account prices at nothing cost nothing and are never refused).
Costs are at the account's prices when the call is saved; a later price change does not
recompute totals already counted."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BindParameter, bindparam, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.ai.base import ChatProvider, Usage
from flowpilot.auth.models import User
from flowpilot.auth.service import Principal
from flowpilot.budgets.models import AiBudget, AiSpend
from flowpilot.budgets.schemas import AiBudgetIn, AiBudgetOut
from flowpilot.errors import PaymentRequired
from flowpilot.notifications.service import notify
from flowpilot.pricing.prices import SHIPPED, PriceTable, account_prices

WARN_AT = Decimal("0.8")


def this_month(now: datetime | None = None) -> date:
    now = now or datetime.now(UTC)
    return date(now.year, now.month, 1)


def costs_nothing(provider: ChatProvider) -> bool:
    """Nothing this provider does leaves the MSP (offline, a model on its own network)."""
    return provider.name == "offline" or bool(getattr(provider, "is_local", False))


async def prices_for(db: AsyncSession, account_id: uuid.UUID, provider: ChatProvider) -> PriceTable:
    """The account's prices for `provider`'s calls; nothing is read for a provider that costs
    nothing whatever the table says."""
    if costs_nothing(provider):
        return SHIPPED
    return await account_prices(db, account_id)


def cost_of(prices: PriceTable, provider: ChatProvider, model: str, usage: Usage) -> Decimal:
    """What one call cost at the account's prices; zero when nothing left the MSP (offline,
    local) or the model has no known price (counted as unpriced in the usage report)."""
    price = prices.price(provider.name, model, costs_nothing(provider))
    if price is None:
        return Decimal(0)
    dollars = price.cost(
        usage.input_tokens, usage.output_tokens, usage.cache_write_tokens, usage.cache_read_tokens
    )
    return Decimal(str(round(dollars, 6)))


_ADD = """
    INSERT INTO ai_spend_months (id, account_id, user_id, month, cost_usd)
    VALUES (:id, :account, :user, :month, :cost)
    ON CONFLICT {target} DO UPDATE SET cost_usd = ai_spend_months.cost_usd + EXCLUDED.cost_usd
    RETURNING cost_usd
"""
_ACCOUNT_ROW = _ADD.format(target="(account_id, month) WHERE user_id IS NULL")
_USER_ROW = _ADD.format(target="(account_id, month, user_id) WHERE user_id IS NOT NULL")


async def add_spend(
    db: AsyncSession, account_id: uuid.UUID, user_id: uuid.UUID | None, cost: Decimal
) -> None:
    """Add a saved call's cost to this month's totals (one atomic statement each), and send
    the 80 % / 100 % notices the first time a total crosses them."""
    if cost <= 0:
        return
    month = this_month()
    params = {"account": account_id, "month": month, "cost": cost}
    total = await db.scalar(text(_ACCOUNT_ROW), {**params, "id": uuid.uuid4(), "user": None})
    if user_id is not None:
        await db.scalar(text(_USER_ROW), {**params, "id": uuid.uuid4(), "user": user_id})
    budget = await db.get(AiBudget, account_id)
    if budget is None or total is None:
        return
    for share, flag in ((Decimal(1), "warned_100"), (WARN_AT, "warned_80")):
        if total >= budget.monthly_usd * share:
            await _notify_once(db, budget, month, flag, Decimal(total))
            break


async def _notify_once(
    db: AsyncSession, budget: AiBudget, month: date, flag: str, total: Decimal
) -> None:
    column = getattr(AiSpend, flag)
    marked = await db.scalar(
        update(AiSpend)
        .where(
            AiSpend.account_id == budget.account_id,
            AiSpend.month == month,
            AiSpend.user_id.is_(None),
            column.is_(False),
        )
        .values({flag: True, **({"warned_80": True} if flag == "warned_100" else {})})
        .returning(AiSpend.id)
    )
    if marked is None:
        return  # already told this month
    full = flag == "warned_100"
    title = (
        f"AI budget used up: ${total:.2f} of ${budget.monthly_usd:.2f} this month"
        if full
        else f"AI budget at 80 %: ${total:.2f} of ${budget.monthly_usd:.2f} this month"
    )
    body = (
        "Model turns are refused until next month or a higher budget (offline mode still works)."
        if full and budget.action == "block"
        else "Model turns carry on; change the budget in Settings > AI budget."
    )
    leads = await db.scalars(
        select(User.id).where(
            User.account_id == budget.account_id, User.is_active, User.role.in_(("admin", "lead"))
        )
    )
    await notify(db, budget.account_id, leads, kind="ai_budget", title=title, body=body)


async def _spent(
    db: AsyncSession, account_id: uuid.UUID, user_id: uuid.UUID | None, month: date
) -> Decimal:
    query = select(AiSpend.cost_usd).where(AiSpend.account_id == account_id, AiSpend.month == month)
    query = query.where(
        AiSpend.user_id.is_(None) if user_id is None else AiSpend.user_id == user_id
    )
    return Decimal(await db.scalar(query) or 0)


@dataclass(frozen=True)
class BlockingLimits:
    """An account's budget set to refuse model turns when used up."""

    monthly_usd: Decimal
    engineer_monthly_usd: Decimal | None


def blocking_limit_columns(account_id: BindParameter[uuid.UUID]) -> list[Any]:
    """The account's blocking budget as two columns another read can carry (NULL: none), so a
    chat turn reads it in the same statement as its other account settings."""
    blocking = select(AiBudget).where(AiBudget.account_id == account_id, AiBudget.action == "block")
    return [
        blocking.with_only_columns(AiBudget.monthly_usd).scalar_subquery(),
        blocking.with_only_columns(AiBudget.engineer_monthly_usd).scalar_subquery(),
    ]


def blocking_limits(monthly: Decimal | None, engineer: Decimal | None) -> BlockingLimits | None:
    """The columns of `blocking_limit_columns` as limits (monthly_usd is never NULL in a row)."""
    return None if monthly is None else BlockingLimits(monthly, engineer)


# Read before every paid turn: built once, the account a parameter.
_BLOCKING_LIMITS = select(*blocking_limit_columns(bindparam("account_id")))


async def check_turn(db: AsyncSession, principal: Principal, provider: ChatProvider) -> None:
    """Refuse a model turn (402, nothing written) when a blocking budget is used up; free
    providers and models priced at nothing are never refused."""
    if costs_nothing(provider):
        return
    monthly, engineer = (
        await db.execute(_BLOCKING_LIMITS, {"account_id": principal.account_id})
    ).one()
    await enforce_limits(db, principal, provider, blocking_limits(monthly, engineer))


async def enforce_limits(
    db: AsyncSession, principal: Principal, provider: ChatProvider, limits: BlockingLimits | None
) -> None:
    """`check_turn` with the account's blocking budget already read (None: it has none)."""
    if limits is None or costs_nothing(provider):
        return
    # A model the account prices at nothing is never refused either (read only when blocking).
    price = (await account_prices(db, principal.account_id)).price(provider.name, provider.model)
    if price is not None and price.is_free:
        return
    month = this_month()
    spent = await _spent(db, principal.account_id, None, month)
    if spent >= limits.monthly_usd:
        raise PaymentRequired(
            f"This month's AI budget is used up (${spent:.2f} of ${limits.monthly_usd:.2f}); "
            "an admin can raise it in Settings, or switch this FlowPilot to offline mode",
            spent_usd=float(spent),
            budget_usd=float(limits.monthly_usd),
        )
    if limits.engineer_monthly_usd is not None:
        mine = await _spent(db, principal.account_id, principal.user_id, month)
        if mine >= limits.engineer_monthly_usd:
            raise PaymentRequired(
                f"Your AI budget for this month is used up (${mine:.2f} of "
                f"${limits.engineer_monthly_usd:.2f}); ask an admin to raise it",
                code="ai_engineer_budget_exhausted",
                spent_usd=float(mine),
                budget_usd=float(limits.engineer_monthly_usd),
            )


async def status(db: AsyncSession, principal: Principal) -> AiBudgetOut:
    month = this_month()
    budget = await db.get(AiBudget, principal.account_id)
    spent = await _spent(db, principal.account_id, None, month)
    mine = await _spent(db, principal.account_id, principal.user_id, month)
    if budget is None:
        return AiBudgetOut(
            configured=False, month=month, spent_usd=float(spent), my_spent_usd=float(mine)
        )
    over_mine = budget.engineer_monthly_usd is not None and mine >= budget.engineer_monthly_usd
    return AiBudgetOut(
        configured=True,
        monthly_usd=float(budget.monthly_usd),
        engineer_monthly_usd=(
            float(budget.engineer_monthly_usd) if budget.engineer_monthly_usd is not None else None
        ),
        action=budget.action,  # type: ignore[arg-type]
        month=month,
        spent_usd=float(spent),
        my_spent_usd=float(mine),
        used=float(spent / budget.monthly_usd),
        blocked=budget.action == "block" and (spent >= budget.monthly_usd or over_mine),
    )


async def set_budget(db: AsyncSession, principal: Principal, body: AiBudgetIn) -> None:
    budget = await db.get(AiBudget, principal.account_id, with_for_update=True)
    if budget is None:
        budget = AiBudget(account_id=principal.account_id)
        db.add(budget)
    budget.monthly_usd = body.monthly_usd
    budget.engineer_monthly_usd = body.engineer_monthly_usd
    budget.action = body.action
    await db.flush()


async def remove_budget(db: AsyncSession, principal: Principal) -> None:
    budget = await db.get(AiBudget, principal.account_id)
    if budget is not None:
        await db.delete(budget)
        await db.flush()
