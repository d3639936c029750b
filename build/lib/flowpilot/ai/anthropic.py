"""Anthropic Messages API via the official SDK: streaming, prompt caching, vision, tools."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic

from flowpilot.ai.base import (
    ChatEvent,
    ChatMessage,
    ChatRequest,
    Completed,
    MalformedAnswer,
    ProviderError,
    StructuredRequest,
    StructuredResult,
    TextDelta,
    Usage,
    flatten_for_wire,
)
from flowpilot.ai.wire import friendly_status, merge_consecutive, outbound

EPHEMERAL = {"type": "ephemeral"}


class AnthropicProvider:
    name = "anthropic"
    supports_images = True

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        redact: bool = True,
    ) -> None:
        self.model = model
        self.redact = redact
        self.client = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )

    def build_payload(self, request: ChatRequest) -> dict[str, Any]:
        """System blocks, then the history. Breakpoints: after the stable system text, and on
        the newest user text, before this turn's volatile context block. The next turn's
        prompt starts with exactly that prefix, so it is read from the cache."""
        system: list[dict[str, Any]] = []
        for block in request.system:
            system.append({"type": "text", "text": outbound(block.text, self.redact)})
        stable = [i for i, b in enumerate(request.system) if b.stable]
        if stable:
            system[stable[-1]]["cache_control"] = EPHEMERAL
        wire = merge_consecutive(flatten_for_wire(request))
        messages = [self._message(m) for m in wire]
        if messages:
            text_index = -2 if wire[-1].context else -1
            messages[-1]["content"][text_index]["cache_control"] = EPHEMERAL
        return {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "system": system,
            "messages": messages,
        }

    def _message(self, msg: ChatMessage) -> dict[str, Any]:
        content: list[dict[str, Any]] = [
            {
                "type": "image",
                "source": {"type": "base64", "media_type": img.media_type, "data": img.data_b64},
            }
            for img in msg.images
        ]
        content.append({"type": "text", "text": outbound(msg.text, self.redact) or "(empty)"})
        if msg.context:
            content.append({"type": "text", "text": outbound(msg.context, self.redact)})
        return {"role": msg.role, "content": content}

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatEvent]:
        payload = self.build_payload(request)
        final = None
        try:
            async with self.client.messages.stream(**payload) as stream:
                async for text in stream.text_stream:
                    yield TextDelta(text)
                try:
                    final = await stream.get_final_message()
                except (AssertionError, anthropic.APIResponseValidationError):
                    final = None  # the stream ended before message_stop
        except anthropic.APIStatusError as exc:
            raise ProviderError(
                friendly_status("Anthropic", exc.status_code, _message(exc)),
                status=exc.status_code,
                # An error event inside a 200 stream (overloaded, api_error) is worth a retry.
                retryable=exc.status_code in (408, 409, 429)
                or exc.status_code >= 500
                or _error_type(exc) in RETRYABLE_ERROR_TYPES,
            ) from exc
        except anthropic.APITimeoutError as exc:
            raise ProviderError("Anthropic did not answer in time. Try again.") from exc
        except anthropic.APIConnectionError as exc:
            raise ProviderError(f"Could not reach Anthropic: {exc}") from exc
        if final is None or final.stop_reason is None:
            # No message_stop: the answer was cut mid-way. Kept, marked partial, Retry offered.
            yield Completed(usage=Usage(), meta={"partial": True, "model": self.model})
            return
        yield Completed(
            usage=_usage(final.usage),
            meta={"stop_reason": final.stop_reason, "model": final.model},
        )

    async def structured(self, request: StructuredRequest) -> StructuredResult:
        content: list[dict[str, Any]] = [
            {
                "type": "image",
                "source": {"type": "base64", "media_type": i.media_type, "data": i.data_b64},
            }
            for i in request.images
        ]
        content.append({"type": "text", "text": outbound(request.prompt, self.redact)})
        try:
            message = await self.client.messages.create(  # type: ignore[call-overload]
                model=self.model,
                max_tokens=request.max_tokens,
                system=outbound(request.system, self.redact),
                messages=[{"role": "user", "content": content}],
                tools=[
                    {
                        "name": request.name,
                        "description": f"Record the {request.name} result.",
                        "input_schema": request.schema,
                    }
                ],
                tool_choice={"type": "tool", "name": request.name},
            )
        except anthropic.APIStatusError as exc:
            raise ProviderError(
                friendly_status("Anthropic", exc.status_code, _message(exc)),
                retryable=exc.status_code in (408, 409, 429) or exc.status_code >= 500,
                status=exc.status_code,
            ) from exc
        except (anthropic.APITimeoutError, anthropic.APIConnectionError) as exc:
            raise ProviderError(f"Could not reach Anthropic: {exc}") from exc
        for block in getattr(message, "content", None) or []:
            if getattr(block, "type", None) == "tool_use":
                return StructuredResult(data=dict(block.input), usage=_usage(message.usage))
        raise MalformedAnswer("Anthropic returned no structured result")


RETRYABLE_ERROR_TYPES = frozenset(
    {"overloaded_error", "api_error", "rate_limit_error", "timeout_error"}
)


def _error_type(exc: anthropic.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else body
    return str(error.get("type", "")) if isinstance(error, dict) else ""


def _message(exc: anthropic.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    return str(exc.message)


def _usage(usage: Any) -> Usage:
    return Usage(
        input_tokens=usage.input_tokens or 0,
        output_tokens=usage.output_tokens or 0,
        cache_read_tokens=getattr(usage, "cache_read_input_tokens", None) or 0,
        cache_write_tokens=getattr(usage, "cache_creation_input_tokens", None) or 0,
    )
