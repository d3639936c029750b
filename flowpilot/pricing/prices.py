"""What model tokens cost, in US dollars per million tokens: input, output, cache write, cache
read. Shipped defaults for common hosted models (list prices), which an account's admins can
replace or add to (`ai_prices`: negotiated rates, models not listed here); the offline provider
and models on the MSP's own machines cost nothing.

`PriceTable.price` is the one place a price is looked up: the usage report, budget spend and
background-call metering each read the account's table once (`account_prices`) and price every
call from it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.pricing.models import AiPrice


@dataclass(frozen=True)
class Price:
    input: float
    output: float
    cache_write: float
    cache_read: float

    def cost(self, input_t: int, output_t: int, cache_write_t: int, cache_read_t: int) -> float:
        return (
            input_t * self.input
            + output_t * self.output
            + cache_write_t * self.cache_write
            + cache_read_t * self.cache_read
        ) / 1_000_000

    @property
    def is_free(self) -> bool:
        return self.input == self.output == self.cache_write == self.cache_read == 0

    def saved_by_cache(self, cache_read_t: int) -> float:
        """What the cached tokens would have cost as plain input."""
        return cache_read_t * (self.input - self.cache_read) / 1_000_000


FREE = Price(0, 0, 0, 0)
# Providers a price can be set for (the offline provider always costs nothing).
PriceProvider = Literal["anthropic", "openai"]
# The most a price may be set to, per million tokens (list prices today are $0.075 to $75; a
# figure far above that is a typo, e.g. a price per thousand million).
MAX_PER_MILLION = Decimal(1000)
# (provider, model prefix) -> price; the longest matching prefix wins.
DEFAULTS: dict[tuple[str, str], Price] = {
    ("anthropic", "claude-opus-4"): Price(15.0, 75.0, 18.75, 1.50),
    ("anthropic", "claude-sonnet-4"): Price(3.0, 15.0, 3.75, 0.30),
    ("anthropic", "claude-3-7-sonnet"): Price(3.0, 15.0, 3.75, 0.30),
    ("anthropic", "claude-3-5-sonnet"): Price(3.0, 15.0, 3.75, 0.30),
    ("anthropic", "claude-haiku-4"): Price(1.0, 5.0, 1.25, 0.10),
    ("anthropic", "claude-3-5-haiku"): Price(0.80, 4.0, 1.0, 0.08),
    ("openai", "gpt-4.1-mini"): Price(0.40, 1.60, 0.0, 0.10),
    ("openai", "gpt-4.1"): Price(2.0, 8.0, 0.0, 0.50),
    ("openai", "gpt-4o-mini"): Price(0.15, 0.60, 0.0, 0.075),
    ("openai", "gpt-4o"): Price(2.50, 10.0, 0.0, 1.25),
}


@dataclass(frozen=True)
class PriceTable:
    """The shipped prices with one account's own: an account's price replaces the shipped one
    for the same provider and prefix, and adds a row otherwise. A model is priced by the row
    with the longest prefix it starts with, whichever table that row came from, so a price set
    for `gpt-4o` does not reprice `gpt-4o-mini` (a row of its own)."""

    overrides: Mapping[tuple[str, str], Price] = field(default_factory=dict)
    rows: Mapping[tuple[str, str], Price] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", {**DEFAULTS, **self.overrides})

    def price(self, provider: str, model: str, local: bool = False) -> Price | None:
        """The price of a model; FREE when nothing leaves (offline, local); None when unknown."""
        if provider == "offline" or local:
            return FREE
        matches = [
            (len(prefix), price)
            for (vendor, prefix), price in self.rows.items()
            if vendor == provider and model.startswith(prefix)
        ]
        return max(matches, key=lambda m: m[0])[1] if matches else None


# The shipped prices alone: what an account without prices of its own pays, and what a
# provider that costs nothing is priced from (without reading the account's table).
SHIPPED = PriceTable()


def price_of(row: AiPrice) -> Price:
    return Price(
        float(row.input_per_million),
        float(row.output_per_million),
        float(row.cache_write_per_million),
        float(row.cache_read_per_million),
    )


_COLUMNS = (
    AiPrice.provider,
    AiPrice.model_prefix,
    AiPrice.input_per_million,
    AiPrice.output_per_million,
    AiPrice.cache_write_per_million,
    AiPrice.cache_read_per_million,
)


async def account_prices(db: AsyncSession, account_id: uuid.UUID) -> PriceTable:
    """The account's price table: one small query (an account has a handful of rows)."""
    rows = await db.execute(select(*_COLUMNS).where(AiPrice.account_id == account_id))
    return PriceTable(
        {
            (provider, prefix): Price(float(i), float(o), float(cw), float(cr))
            for provider, prefix, i, o, cw, cr in rows.tuples()
        }
    )
