"""Optional OpenTelemetry traces, exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT`
is set (the standard variable; `OTEL_EXPORTER_OTLP_HEADERS` and the other OTEL_* exporter
variables are read by the exporter itself). Unset, every span is the API's no-op and costs
next to nothing.

Spans: one per HTTP request (named by method and route template, never the raw path: ids
would make a name per session), one per step of a chat turn's preparation (`turn.*`: the
budget check, saving the message, the history, the library, the plan, the prompt), one per
chat turn, and one per model call inside it, with the time to the first token as an event.
Attributes carry ids, statuses and token counts, never message text: traces leave the machine.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer

__all__ = [
    "Span",
    "Status",
    "StatusCode",
    "configure",
    "export_to",
    "inside",
    "phase",
    "shutdown",
    "tracer",
]
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_NOOP: Tracer = trace.NoOpTracer()
_state: dict[str, Any] = {"tracer": _NOOP, "provider": None}


def configure(endpoint: str | None, service_name: str = "flowpilot") -> bool:
    """Start exporting to `endpoint` (the OTLP base URL; traces go to <endpoint>/v1/traces);
    None stops. Whether traces are exported."""
    if not endpoint:
        shutdown()
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    export_to(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")),
        service_name,
    )
    return True


def export_to(processor: SpanProcessor, service_name: str = "flowpilot") -> None:
    """Send spans through `processor` (the OTLP exporter, or a benchmark's own)."""
    shutdown()
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(processor)
    _state["provider"] = provider
    _state["tracer"] = provider.get_tracer("flowpilot")


def shutdown() -> None:
    """Send what is buffered and stop (the server's shutdown)."""
    provider: TracerProvider | None = _state["provider"]
    _state["provider"] = None
    _state["tracer"] = _NOOP
    if provider is not None:
        provider.shutdown()


def inside(parent: Span) -> Context:
    """A context whose current span is `parent`: for a span started by hand under it."""
    return trace.set_span_in_context(parent)


def tracer() -> Tracer:
    tracer_: Tracer = _state["tracer"]
    return tracer_


def phase(name: str) -> AbstractContextManager[Span]:
    """A span for one step of a request (inside the current span): where a turn's time goes."""
    return tracer().start_as_current_span(name)


class TracingMiddleware:
    """One server span per HTTP request, named "METHOD /route/{template}"."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or tracer() is _NOOP or scope["path"] == "/metrics":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with tracer().start_as_current_span(
            method, kind=SpanKind.SERVER, attributes={"http.request.method": method}
        ) as current:
            try:
                await self.app(scope, receive, sending)
            finally:
                route = getattr(scope.get("route"), "path", None)
                if route:
                    current.update_name(f"{method} {route}")
                    current.set_attribute("http.route", route)
                current.set_attribute("http.response.status_code", status)
                if status >= 500:
                    current.set_status(Status(StatusCode.ERROR))
