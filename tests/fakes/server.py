"""A local HTTP server that speaks the vendors' wire formats, scripted by tests.

The SDKs talk real HTTP to it, so adapters are tested through the same code paths (retries,
streaming parsers, headers) as against the real vendors.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes.llm import anthropic_stream, openai_stream


@dataclass
class Canned:
    status: int = 200
    body: str | dict[str, Any] = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Script:
    """Responses for one endpoint: queued ones first, then the default."""

    default: Canned
    queue: deque[Canned] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def push(self, *responses: Canned) -> None:
        with self.lock:
            self.queue.extend(responses)

    def next(self, payload: dict[str, Any]) -> Canned:
        with self.lock:
            self.requests.append(payload)
            return self.queue.popleft() if self.queue else self.default

    def reset(self, default: Canned) -> None:
        with self.lock:
            self.queue.clear()
            self.requests.clear()
            self.default = default


def anthropic_ok(*pieces: str, **usage: int) -> Canned:
    return Canned(
        200,
        anthropic_stream(list(pieces) or ["Fake ", "Anthropic ", "reply."], **usage),
        {"content-type": "text/event-stream"},
    )


def openai_ok(*pieces: str, **usage: Any) -> Canned:
    return Canned(
        200,
        openai_stream(list(pieces) or ["Fake ", "OpenAI ", "reply."], **usage),
        {"content-type": "text/event-stream"},
    )


class FakeVendors:
    def __init__(self) -> None:
        self.anthropic = Script(anthropic_ok())
        self.openai = Script(openai_ok())
        self.webhook = Script(Canned(200, {"ok": True}))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = Starlette(
            routes=[
                Route("/v1/messages", self._handler(self.anthropic), methods=["POST"]),
                Route("/v1/chat/completions", self._handler(self.openai), methods=["POST"]),
                # OpenAI's own API: reasoning models (o-series, gpt-5) refuse `max_tokens`
                # ("Unsupported parameter: 'max_tokens' is not supported with this model.
                # Use 'max_completion_tokens' instead."); the API reference marks it
                # deprecated in favour of `max_completion_tokens`
                # (https://platform.openai.com/docs/api-reference/chat/create).
                Route(
                    "/openai-official/v1/chat/completions",
                    self._handler(self.openai, refuse=OPENAI_ONLY_NEW_LIMIT),
                    methods=["POST"],
                ),
                Route("/webhook", self._handler(self.webhook), methods=["POST"]),
            ]
        )
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def _handler(self, script: Script, refuse: Any = None):  # type: ignore[no-untyped-def]
        async def handle(request: Request) -> Response:
            payload = await request.json()
            payload["_headers"] = dict(request.headers)
            if refuse is not None and (refused := refuse(payload)) is not None:
                script.requests.append(payload)
                return Response(json.dumps(refused), 400, media_type="application/json")
            canned = script.next(payload)
            if canned.delay:
                import asyncio

                await asyncio.sleep(canned.delay)
            body = canned.body if isinstance(canned.body, str) else json.dumps(canned.body)
            headers = {"content-type": "application/json", **canned.headers}
            return Response(body, canned.status, headers=headers)

        return handle

    def reset(self) -> None:
        self.anthropic.reset(anthropic_ok())
        self.openai.reset(openai_ok())
        self.webhook.reset(Canned(200, {"ok": True}))

    def start(self) -> FakeVendors:
        self.thread.start()
        deadline = time.time() + 10
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("fake vendor server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


def OPENAI_ONLY_NEW_LIMIT(payload: dict[str, Any]) -> dict[str, Any] | None:  # noqa: N802
    """OpenAI's answer to `max_tokens` on a reasoning model (its error body shape)."""
    if "max_tokens" not in payload:
        return None
    return {
        "error": {
            "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            "type": "invalid_request_error",
            "param": "max_tokens",
            "code": "unsupported_parameter",
        }
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
