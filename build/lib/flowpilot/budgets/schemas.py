from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

BudgetAction = Literal["warn", "block"]


class AiBudgetIn(BaseModel):
    """The account's monthly AI budget in US dollars (at the price table's rates)."""

    monthly_usd: Decimal = Field(gt=0, le=Decimal("1000000"), decimal_places=2)
    engineer_monthly_usd: Decimal | None = Field(
        default=None, gt=0, le=Decimal("1000000"), decimal_places=2
    )
    action: BudgetAction = "warn"


class AiBudgetOut(BaseModel):
    configured: bool
    monthly_usd: float | None = None
    engineer_monthly_usd: float | None = None
    action: BudgetAction | None = None
    month: date
    # This month so far: the account's priced model use, and the signed-in engineer's.
    spent_usd: float
    my_spent_usd: float
    # Share of the account budget used (0..), None without a budget.
    used: float | None = None
    blocked: bool = False
