"""One provider per process, chosen from the configuration."""

from __future__ import annotations

from flowpilot.ai.anthropic import AnthropicProvider
from flowpilot.ai.base import ChatProvider
from flowpilot.ai.offline import OfflineProvider
from flowpilot.ai.openai_compat import OpenAIProvider
from flowpilot.config import Settings


def build_provider(settings: Settings) -> ChatProvider:
    name = settings.resolved_provider
    if name == "anthropic":
        return AnthropicProvider(
            api_key=settings.anthropic_api_key or "",
            model=settings.anthropic_model,
            base_url=settings.anthropic_base_url,
            timeout=settings.ai_timeout_seconds,
            max_retries=settings.ai_max_retries,
            redact=settings.redact_secrets,
        )
    if name == "openai":
        return OpenAIProvider(
            api_key=settings.openai_api_key,
            model=settings.openai_model,
            base_url=settings.openai_base_url,
            timeout=settings.ai_timeout_seconds,
            max_retries=settings.ai_max_retries,
            redact=settings.redact_secrets,
        )
    return OfflineProvider(stream_delay_ms=settings.offline_stream_delay_ms)
