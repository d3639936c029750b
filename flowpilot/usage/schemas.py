from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

GroupBy = Literal["engineer", "client", "session", "day", "model"]


class UsageLine(BaseModel):
    key: str
    label: str
    turns: int
    # Background model calls (summaries, intake and evidence readings, resolution documents,
    # escalation assessments, briefings, upload descriptions).
    job_calls: int = 0
    unpriced_job_calls: int = 0
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
    """Model usage and cost: chat answers and background calls (branch summaries, intake and
    evidence readings, resolution documents, escalation assessments, briefings and upload
    descriptions)."""

    from_: datetime | None = None
    to: datetime | None = None
    group_by: GroupBy
    total: UsageLine
    groups: list[UsageLine]
