from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator

from flowpilot.pricing.prices import MAX_PER_MILLION, PriceProvider

# A price in US dollars per million tokens, to the millionth of a dollar.
PerMillion = Annotated[Decimal, Field(ge=0, le=MAX_PER_MILLION, decimal_places=6)]


class AiPriceIn(BaseModel):
    """An account's own price for a provider's models whose name starts with `model_prefix`
    (US dollars per million tokens). It replaces the shipped price for the same prefix; a
    model is priced by the row with the longest prefix it starts with."""

    provider: PriceProvider
    model_prefix: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ]
    input_per_million: PerMillion
    output_per_million: PerMillion
    cache_write_per_million: PerMillion
    cache_read_per_million: PerMillion

    @field_validator("model_prefix")
    @classmethod
    def _one_word(cls, value: str) -> str:
        if any(c.isspace() or not c.isprintable() for c in value):
            raise ValueError("a model prefix has no spaces or control characters")
        return value


class PerMillionPrices(BaseModel):
    input_per_million: float
    output_per_million: float
    cache_write_per_million: float
    cache_read_per_million: float


class AiPriceRow(PerMillionPrices):
    # The account's own price (with its id, for DELETE), or a shipped default (no id).
    source: Literal["default", "override"]
    id: uuid.UUID | None = None
    provider: str
    model_prefix: str
    # The shipped price an override replaces (what DELETE returns to); None when it adds a row.
    default: PerMillionPrices | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None


class AiPriceTable(BaseModel):
    """The prices the account's usage is worked out at: the shipped defaults merged with the
    account's own. The offline provider and models on the MSP's own network cost nothing."""

    providers: list[PriceProvider]
    max_per_million: float
    rows: list[AiPriceRow]
