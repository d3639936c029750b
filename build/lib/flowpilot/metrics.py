"""Prometheus metrics for operators: GET /metrics (text format), per process.

Requests by route and status with latency; chat turns, first streamed words, provider
failures and tokens by provider and model; open answer streams; and, read at scrape time, the
job queue (depth and age of the oldest waiting job per queue, failed jobs per task) and the
database pool. Served only with FLOWPILOT_METRICS_TOKEN as a bearer token, or without one
only to a loopback address (a scraper on the same host, or through an operator's tunnel).
"""

from __future__ import annotations

import hmac
import time
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REGISTRY = CollectorRegistry()
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

HTTP_REQUESTS = Counter(
    "flowpilot_http_requests_total", "HTTP requests", ["method", "route", "status"],
    registry=REGISTRY,
)  # fmt: skip
HTTP_SECONDS = Histogram(
    "flowpilot_http_request_seconds", "HTTP request latency (to the end of the response)",
    ["method", "route"], buckets=LATENCY_BUCKETS, registry=REGISTRY,
)  # fmt: skip
TURN_SECONDS = Histogram(
    "flowpilot_chat_turn_seconds", "A chat turn, from its start to the saved reply",
    ["provider"], buckets=LATENCY_BUCKETS, registry=REGISTRY,
)  # fmt: skip
FIRST_TOKEN_SECONDS = Histogram(
    "flowpilot_chat_first_token_seconds", "A chat turn's start to the first words relayed",
    ["provider"], buckets=LATENCY_BUCKETS, registry=REGISTRY,
)  # fmt: skip
PROVIDER_ERRORS = Counter(
    "flowpilot_provider_errors_total", "Failed model calls", ["provider"], registry=REGISTRY
)
TOKENS = Counter(
    "flowpilot_tokens_total", "Model tokens by kind (input, output, cache_read, cache_write)",
    ["provider", "model", "kind"], registry=REGISTRY,
)  # fmt: skip
ACTIVE_STREAMS = Gauge(
    "flowpilot_active_streams", "Chat turns being answered right now", registry=REGISTRY
)
JOBS_WAITING = Gauge(
    "flowpilot_jobs_waiting", "Jobs queued or running", ["queue", "status"], registry=REGISTRY
)
JOB_AGE = Gauge(
    "flowpilot_job_oldest_waiting_seconds", "Age of the oldest queued job", ["queue"],
    registry=REGISTRY,
)  # fmt: skip
JOBS_FAILED = Gauge(
    "flowpilot_jobs_failed", "Jobs that failed for good, by task", ["task"], registry=REGISTRY
)
DB_POOL = Gauge(
    "flowpilot_db_pool_connections", "Database pool connections", ["state"], registry=REGISTRY
)


def count_tokens(provider: str, model: str, usage: Any) -> None:
    for kind in ("input", "output", "cache_read", "cache_write"):
        n = int(getattr(usage, f"{kind}_tokens", 0) or 0)
        if n:
            TOKENS.labels(provider, model, kind).inc(n)


class MetricsMiddleware:
    """Counts every HTTP request by its route template (never the raw path: ids would make
    a series per session)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/metrics":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"]
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_SECONDS.labels(method, route).observe(time.perf_counter() - started)


_QUEUE = text(
    """
    SELECT queue_name, status, count(*) AS n,
           EXTRACT(EPOCH FROM now() - min(COALESCE(scheduled_at, now()))) AS age
    FROM procrastinate_jobs WHERE status IN ('todo', 'doing') GROUP BY queue_name, status
    """
)
_FAILED = text(
    "SELECT task_name, count(*) FROM procrastinate_jobs WHERE status = 'failed' GROUP BY task_name"
)


async def _read_state(app: FastAPI) -> None:
    JOBS_WAITING.clear()
    JOB_AGE.clear()
    JOBS_FAILED.clear()
    async with app.state.sessionmaker() as db:
        for queue, status, n, age in (await db.execute(_QUEUE)).tuples():
            JOBS_WAITING.labels(queue, status).set(n)
            if status == "todo":
                JOB_AGE.labels(queue).set(max(0.0, float(age or 0)))
        for task, n in (await db.execute(_FAILED)).tuples():
            JOBS_FAILED.labels(task).set(n)
    database = getattr(app.state, "database", None)
    pool = getattr(getattr(database, "engine", None), "pool", None)
    if pool is not None and hasattr(pool, "checkedout"):
        DB_POOL.labels("in_use").set(pool.checkedout())
        DB_POOL.labels("idle").set(pool.checkedin())


def _allowed(request: Request, token: str | None) -> bool:
    if token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    host = request.client.host if request.client else ""
    return host in ("127.0.0.1", "::1", "localhost")


def install_metrics(app: FastAPI, token: str | None) -> None:
    app.add_middleware(MetricsMiddleware)

    @app.get("/metrics", include_in_schema=False, response_model=None)
    async def metrics(request: Request) -> Response:
        if not _allowed(request, token):
            return Response(status_code=404)  # not advertised to whoever is not an operator
        await _read_state(request.app)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
