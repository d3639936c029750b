"""Any OpenAI-compatible Chat Completions endpoint (OpenAI, Azure, Ollama, vLLM, llama.cpp)."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import openai

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


class OpenAIProvider:
    name = "openai"
    supports_images = True

    def __init__(
        self,
        *,
        api_key: str | None,
        model: str,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        redact: bool = True,
    ) -> None:
        self.model = model
        self.redact = redact
        # Local servers (Ollama, llama.cpp) accept any key; the SDK insists on one.
        self.client = openai.AsyncOpenAI(
            api_key=api_key or "not-needed",
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
        )
        # OpenAI's own API wants `max_completion_tokens` (its reasoning models refuse the
        # deprecated `max_tokens`); other OpenAI-compatible servers (Ollama, vLLM, llama.cpp,
        # Azure deployments) know only `max_tokens`. Read from the client's effective base
        # URL, so no base URL (or OPENAI_BASE_URL unset) counts as OpenAI's.
        self.limit_param = (
            "max_completion_tokens" if is_openai_api(str(self.client.base_url)) else "max_tokens"
        )
        # A model on this MSP's own network (Ollama, vLLM on a private address): text sent to
        # it does not leave, so client identifiers need not be hidden from it.
        self.is_local = is_private_host(self.client.base_url.host)

    def build_messages(self, request: ChatRequest) -> list[dict[str, Any]]:
        system = "\n\n".join(outbound(b.text, self.redact) for b in request.system)
        out: list[dict[str, Any]] = [{"role": "system", "content": system}]
        for msg in merge_consecutive(flatten_for_wire(request)):
            out.append(self._message(msg))
        return out

    def _message(self, msg: ChatMessage) -> dict[str, Any]:
        text = outbound(msg.text, self.redact)
        if msg.context:
            text = f"{text}\n\n---\n{outbound(msg.context, self.redact)}"
        if not msg.images or msg.role != "user":
            return {"role": msg.role, "content": text}
        parts: list[dict[str, Any]] = [{"type": "text", "text": text}]
        for img in msg.images:
            url = f"data:{img.media_type};base64,{img.data_b64}"
            parts.append({"type": "image_url", "image_url": {"url": url}})
        return {"role": "user", "content": parts}

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatEvent]:
        usage = Usage()
        finish: str | None = None
        try:
            stream = await self.client.chat.completions.create(  # type: ignore[call-overload]
                model=self.model,
                messages=self.build_messages(request),
                **{self.limit_param: request.max_tokens},
                stream=True,
                stream_options={"include_usage": True},
            )
            async for chunk in stream:
                if chunk.usage is not None:
                    usage = _usage(chunk.usage)
                for choice in chunk.choices:
                    if choice.delta and choice.delta.content:
                        yield TextDelta(choice.delta.content)
                    if choice.finish_reason:
                        finish = choice.finish_reason
        except openai.APIStatusError as exc:
            raise ProviderError(
                friendly_status("The model server", exc.status_code, _message(exc)),
                status=exc.status_code,
                retryable=exc.status_code in (408, 409, 429) or exc.status_code >= 500,
            ) from exc
        except openai.APITimeoutError as exc:
            raise ProviderError("The model server did not answer in time. Try again.") from exc
        except openai.APIConnectionError as exc:
            raise ProviderError(f"Could not reach the model server: {exc}") from exc
        if finish is None:
            # No finish_reason: the stream was cut. Kept, marked partial, Retry offered.
            yield Completed(usage=usage, meta={"partial": True, "model": self.model})
            return
        yield Completed(usage=usage, meta={"stop_reason": finish, "model": self.model})

    async def structured(self, request: StructuredRequest) -> StructuredResult:
        content: list[dict[str, Any]] = [
            {"type": "text", "text": outbound(request.prompt, self.redact)}
        ]
        for img in request.images:
            url = f"data:{img.media_type};base64,{img.data_b64}"
            content.append({"type": "image_url", "image_url": {"url": url}})
        try:
            response = await self.client.chat.completions.create(  # type: ignore[call-overload]
                model=self.model,
                **{self.limit_param: request.max_tokens},
                messages=[
                    {"role": "system", "content": outbound(request.system, self.redact)},
                    {"role": "user", "content": content},
                ],
                response_format={
                    "type": "json_schema",
                    "json_schema": {
                        "name": request.name,
                        "schema": request.schema,
                        "strict": False,
                    },
                },
            )
        except openai.APIStatusError as exc:
            raise ProviderError(
                friendly_status("The model server", exc.status_code, _message(exc)),
                retryable=exc.status_code in (408, 409, 429) or exc.status_code >= 500,
                status=exc.status_code,
            ) from exc
        except (openai.APITimeoutError, openai.APIConnectionError) as exc:
            raise ProviderError(f"Could not reach the model server: {exc}") from exc
        text = response.choices[0].message.content or ""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MalformedAnswer(
                "The model returned malformed JSON for a structured answer"
            ) from exc
        if not isinstance(data, dict):
            raise MalformedAnswer("The model returned a structured answer of the wrong shape")
        return StructuredResult(
            data=data, usage=_usage(response.usage) if response.usage else Usage()
        )


def is_openai_api(base_url: str) -> bool:
    host = (urlsplit(base_url).hostname or "").lower().rstrip(".")
    return host == "api.openai.com"


def _message(exc: openai.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else body
    return str((error or {}).get("message") or exc.message)


def _usage(usage: Any) -> Usage:
    details = getattr(usage, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) or 0
    return Usage(
        input_tokens=(usage.prompt_tokens or 0) - cached,
        output_tokens=usage.completion_tokens or 0,
        cache_read_tokens=cached,
    )


def is_private_host(host: str) -> bool:
    """localhost, *.local / *.lan names and loopback, private or link-local addresses."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith((".local", ".lan", ".internal", ".localhost")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local
