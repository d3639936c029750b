"""An account's own model prices (the shipped ones are in prices.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, Numeric, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from flowpilot.db.base import Base, IdMixin, fk_column

PRICE_COLUMNS = ("input", "output", "cache_write", "cache_read")


class AiPrice(IdMixin, Base):
    """An account's own price for a provider's models whose name starts with `model_prefix`, in
    US dollars per million tokens; it replaces the shipped price for the same prefix (see
    flowpilot/pricing/prices.py)."""

    __tablename__ = "ai_prices"
    __table_args__ = (
        UniqueConstraint("account_id", "provider", "model_prefix"),
        CheckConstraint(
            " AND ".join(f"{c}_per_million >= 0" for c in PRICE_COLUMNS), name="non_negative"
        ),
    )

    account_id: Mapped[uuid.UUID] = fk_column("accounts.id")
    provider: Mapped[str] = mapped_column(String(30))
    model_prefix: Mapped[str] = mapped_column(String(100))
    input_per_million: Mapped[Decimal] = mapped_column(Numeric(12, 6))
    output_per_million: Mapped[Decimal] = mapped_column(Numeric(12, 6))
    cache_write_per_million: Mapped[Decimal] = mapped_column(Numeric(12, 6))
    cache_read_per_million: Mapped[Decimal] = mapped_column(Numeric(12, 6))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    updated_by: Mapped[uuid.UUID | None] = fk_column("users.id", ondelete="SET NULL", nullable=True)
