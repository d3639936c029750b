"""Vendor wire formats for HTTP-level fakes (Anthropic Messages SSE, OpenAI chat chunks)."""

from __future__ import annotations

import json
from typing import Any


def _sse(event: str | None, data: Any) -> str:
    head = f"event: {event}\n" if event else ""
    payload = data if isinstance(data, str) else json.dumps(data)
    return f"{head}data: {payload}\n\n"


def anthropic_stream(
    pieces: list[str],
    *,
    input_tokens: int = 25,
    output_tokens: int = 15,
    cache_read: int = 0,
    cache_write: int = 0,
    model: str = "claude-test",
) -> str:
    out = [
        _sse(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_test",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {
                        "input_tokens": input_tokens,
                        "output_tokens": 1,
                        "cache_creation_input_tokens": cache_write,
                        "cache_read_input_tokens": cache_read,
                    },
                },
            },
        ),
        _sse(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
        _sse("ping", {"type": "ping"}),
    ]
    for piece in pieces:
        out.append(
            _sse(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": piece},
                },
            )
        )
    out += [
        _sse("content_block_stop", {"type": "content_block_stop", "index": 0}),
        _sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": output_tokens},
            },
        ),
        _sse("message_stop", {"type": "message_stop"}),
    ]
    return "".join(out)


def anthropic_error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


def anthropic_tool_message(name: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "msg_tool",
        "type": "message",
        "role": "assistant",
        "model": "claude-test",
        "content": [{"type": "tool_use", "id": "toolu_1", "name": name, "input": data}],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 40, "output_tokens": 20},
    }


def openai_stream(
    pieces: list[str],
    *,
    prompt_tokens: int = 30,
    completion_tokens: int = 12,
    cached: int = 0,
    model: str = "gpt-test",
) -> str:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    out = [_sse(None, chunk({"role": "assistant", "content": ""}))]
    out += [_sse(None, chunk({"content": p})) for p in pieces]
    out.append(_sse(None, chunk({}, "stop")))
    out.append(
        _sse(
            None,
            {
                "id": "chatcmpl-test",
                "object": "chat.completion.chunk",
                "created": 1_700_000_000,
                "model": model,
                "choices": [],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                    "prompt_tokens_details": {"cached_tokens": cached},
                },
            },
        )
    )
    out.append(_sse(None, "[DONE]"))
    return "".join(out)


def openai_error(message: str, kind: str = "server_error") -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def openai_completion(content: str) -> dict[str, Any]:
    """A non-streamed chat completion (what structured output requests get back)."""
    return {
        "id": "chatcmpl-structured",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "gpt-test",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 30, "completion_tokens": 12, "total_tokens": 42},
    }


def anthropic_cut(pieces: list[str]) -> str:
    """A stream that stops mid-answer: no message_delta, no message_stop."""
    full = anthropic_stream(pieces)
    return full[: full.index("event: content_block_stop")]


def anthropic_stream_error(pieces: list[str], kind: str = "overloaded_error") -> str:
    """Text, then an error event inside the 200 stream (as Anthropic sends when overloaded)."""
    return anthropic_cut(pieces) + _sse(
        "error", {"type": "error", "error": {"type": kind, "message": "Overloaded"}}
    )


def openai_cut(pieces: list[str]) -> str:
    """Chunks without a finish_reason and without [DONE]: the connection dropped."""
    full = openai_stream(pieces)
    return full[: full.index('"finish_reason": "stop"')].rsplit("data: ", 1)[0]
