from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

GroupBy = Literal["engineer", "client", "session", "day", "model"]


class UsageLine(BaseModel):
    key: str
    label: str
    turns: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    # In US dollars at the price table's rates; turns of a model without a known price are
    # counted in `unpriced_turns` and add nothing here.
    cost_usd: float
    cache_savings_usd: float
    unpriced_turns: int


class UsageReport(BaseModel):
    """Chat turns' model usage and cost (background jobs' calls are not counted yet)."""

    from_: datetime | None = None
    to: datetime | None = None
    group_by: GroupBy
    total: UsageLine
    groups: list[UsageLine]
