"""The offline provider, remembering every request it was given (to inspect prompts)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from flowpilot.ai.base import ChatEvent, ChatRequest
from flowpilot.ai.offline import OfflineProvider


class RecordingProvider(OfflineProvider):
    reads_history = True  # a model would be sent the history: record it

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[ChatRequest] = []

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatEvent]:
        self.requests.append(request)
        async for event in super().stream_chat(request):
            yield event
