"""The offline provider: no network, deterministic, grounded in the playbook library.

It answers from the turn's guide plan (the playbook that fits the branch's evidence and what
it says to do next), says plainly that it is running offline, and says so when nothing fits.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

from flowpilot.ai.base import (
    ChatEvent,
    ChatRequest,
    Completed,
    ProviderError,
    StructuredRequest,
    StructuredResult,
    TextDelta,
    Usage,
)
from flowpilot.guidance.compose import BANNER, compose, compose_no_fit
from flowpilot.guidance.evidence import Evidence
from flowpilot.guidance.plan import GuidePlan

__all__ = ["BANNER", "OfflineProvider"]


class OfflineProvider:
    name = "offline"
    model = "offline-playbooks"
    supports_images = False
    # It answers from the turn's guide plan and sends no prompt: the chat runner skips
    # reading the history window a model would be sent.
    reads_history = False

    def __init__(self, stream_delay_ms: int = 0) -> None:
        self.delay = stream_delay_ms / 1000

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatEvent]:
        plan = request.guide
        if isinstance(plan, GuidePlan):
            text, meta = compose(plan)
        else:
            text = compose_no_fit(GuidePlan(evidence=Evidence(), candidates=[]))
            meta = {"offline": True, "step_type": "info_request"}
        for piece in re.findall(r"\S+\s*|\s+", text):
            yield TextDelta(piece)
            if self.delay:
                await asyncio.sleep(self.delay)
        yield Completed(usage=Usage(), meta=meta)

    async def structured(self, request: StructuredRequest) -> StructuredResult:
        if request.offline_compose is None:
            raise ProviderError(f"Offline mode cannot produce '{request.name}'", retryable=False)
        return StructuredResult(data=request.offline_compose(), usage=Usage())
