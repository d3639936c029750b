"""A chat provider that sends a cloud model redacted text and returns restored text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

from flowpilot.ai.base import (
    ChatEvent,
    ChatMessage,
    ChatProvider,
    ChatRequest,
    Completed,
    StructuredRequest,
    StructuredResult,
    SystemBlock,
    TextDelta,
)
from flowpilot.privacy.vault import StreamRestorer, Vault


def is_cloud(provider: ChatProvider) -> bool:
    """Whether text sent to the provider leaves this MSP's own machines."""
    return provider.name != "offline" and not getattr(provider, "is_local", False)


class RedactingProvider:
    def __init__(self, inner: ChatProvider, vault: Vault) -> None:
        self.inner = inner
        self.vault = vault
        self.name = inner.name
        self.model = inner.model
        # A screenshot cannot be redacted: it is read locally (OCR) instead.
        self.supports_images = False
        self.reads_history = getattr(inner, "reads_history", True)

    def redact_request(self, request: ChatRequest) -> ChatRequest:
        v = self.vault
        return replace(
            request,
            system=[SystemBlock(v.redact(b.text), b.stable) for b in request.system],
            history=[
                ChatMessage(m.role, v.redact(m.text), m.images, m.meta, v.redact(m.context))
                for m in request.history
            ],
            volatile_context=v.redact(request.volatile_context),
        )

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatEvent]:
        restorer = StreamRestorer(self.vault)
        async for event in self.inner.stream_chat(self.redact_request(request)):
            if isinstance(event, TextDelta):
                text = restorer.feed(event.text)
                if text:
                    yield TextDelta(text)
                continue
            if isinstance(event, Completed):
                tail = restorer.finish()
                if tail:
                    yield TextDelta(tail)
            yield event

    async def structured(self, request: StructuredRequest) -> StructuredResult:
        sent = replace(
            request,
            system=self.vault.redact(request.system),
            prompt=self.vault.redact(request.prompt),
        )
        result = await self.inner.structured(sent)
        return replace(result, data=self.vault.restore_fields(result.data))
