"""An account's monthly AI budget, and what it spent each month (the account and each engineer),
kept as running totals so checking a turn reads one row."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Index,
    Numeric,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from flowpilot.db.base import Base, IdMixin, fk_column

ACTIONS = ("warn", "block")


class AiBudget(Base):
    __tablename__ = "ai_budgets"
    __table_args__ = (
        CheckConstraint(f"action IN {ACTIONS}", name="action"),
        CheckConstraint("monthly_usd > 0", name="monthly_positive"),
        CheckConstraint("engineer_monthly_usd IS NULL OR engineer_monthly_usd > 0", name="eng"),
    )

    account_id: Mapped[uuid.UUID] = fk_column("accounts.id", primary_key=True)
    monthly_usd: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    # Optional: the most one engineer's turns may cost in a month.
    engineer_monthly_usd: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    # At 100 %: "warn" notifies and carries on; "block" refuses model turns (402).
    action: Mapped[str] = mapped_column(String(10), default="warn")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class AiSpend(IdMixin, Base):
    """One month of priced model use: the account's row has no user; each engineer's has one.
    Added to atomically as answers and background calls are saved."""

    __tablename__ = "ai_spend_months"
    __table_args__ = (
        Index(
            "uq_ai_spend_account_month",
            "account_id",
            "month",
            unique=True,
            postgresql_where=text("user_id IS NULL"),
        ),
        Index(
            "uq_ai_spend_user_month",
            "account_id",
            "month",
            "user_id",
            unique=True,
            postgresql_where=text("user_id IS NOT NULL"),
        ),
    )

    account_id: Mapped[uuid.UUID] = fk_column("accounts.id")
    user_id: Mapped[uuid.UUID | None] = fk_column("users.id", nullable=True)
    month: Mapped[date] = mapped_column(Date)
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(14, 6), default=0)
    # The 80 % and 100 % notices for this month went out (once each).
    warned_80: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    warned_100: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
