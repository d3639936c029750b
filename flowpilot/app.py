"""The FastAPI application."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from flowpilot import telemetry
from flowpilot.ai.base import ChatProvider
from flowpilot.ai.registry import build_provider
from flowpilot.auth.audit_router import router as audit_router
from flowpilot.auth.router import auth_router, teams_router, users_router
from flowpilot.branching.router import router as branches_router
from flowpilot.budgets.router import router as budgets_router
from flowpilot.config import Settings, get_settings
from flowpilot.conversation.router import branch_router as branch_chat_router
from flowpilot.conversation.router import router as chat_router
from flowpilot.db.engine import Database
from flowpilot.error_docs import install_error_docs
from flowpilot.errors import install_error_handlers
from flowpilot.handoffs.router import queue_router
from flowpilot.handoffs.router import router as handoffs_router
from flowpilot.headers import SecurityHeadersMiddleware
from flowpilot.integrations import outbound
from flowpilot.integrations.router import router as integrations_router
from flowpilot.integrations.service import close_adapters
from flowpilot.library.retrieval import library_index
from flowpilot.library.router import router as library_router
from flowpilot.logs import (
    BodySizeLimitMiddleware,
    ControlCharacterMiddleware,
    RequestIdMiddleware,
    configure_logging,
)
from flowpilot.metrics import install_metrics
from flowpilot.notifications.router import router as notifications_router
from flowpilot.pricing.router import router as pricing_router
from flowpilot.privacy.router import router as privacy_router
from flowpilot.resolutions.router import router as outputs_router
from flowpilot.sessions.router import router as sessions_router
from flowpilot.storage import storage_for
from flowpilot.telemetry import TracingMiddleware
from flowpilot.uploads.router import router as uploads_router
from flowpilot.usage.router import router as usage_router
from flowpilot.wiring import wire_domains

log = structlog.get_logger(__name__)
STATIC_DIR = Path(__file__).parent / "static"


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    provider: ChatProvider | None = None,
    run_worker: bool | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_format, settings.log_level)
    outbound.configure(settings.outbound_allow)
    wire_domains()
    telemetry.configure(settings.otel_endpoint, settings.otel_service_name)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from flowpilot.db.url import libpq_url
        from flowpilot.worker import start_in_process_worker

        db = database or Database(
            libpq_url(settings),
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
        app.state.database = db
        app.state.sessionmaker = db.sessionmaker
        app.state.provider = provider or build_provider(settings)
        worker = None
        if run_worker if run_worker is not None else settings.worker_in_process:
            worker = await start_in_process_worker(db, app.state.provider, settings)
        log.info("started", provider=app.state.provider.name, model=app.state.provider.model)
        if settings.settle_heap:
            await settle_heap(db)
        try:
            yield
        finally:
            if worker is not None:
                await worker.stop()
            await close_adapters()  # the PSA adapters' HTTP clients
            if database is None:
                await db.dispose()
            telemetry.shutdown()  # what is buffered is sent

    app = FastAPI(title="FlowPilot", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.storage = storage_for(settings)
    install_error_handlers(app)
    install_error_docs(app)
    app.add_middleware(ControlCharacterMiddleware)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        # Multipart uploads: up to 10 files of the per-file limit (each file is checked again).
        large_bytes=settings.upload_max_bytes * 10 + 1_000_000,
        large_suffixes=("/uploads",),
    )
    app.add_middleware(SecurityHeadersMiddleware)
    install_metrics(app, settings.metrics_token)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(TracingMiddleware)
    for router in (
        auth_router,
        users_router,
        teams_router,
        queue_router,  # before /ai-sessions/{session_id}, which would swallow "queue"
        sessions_router,
        branches_router,
        chat_router,
        branch_chat_router,
        handoffs_router,
        notifications_router,
        uploads_router,
        outputs_router,
        library_router,
        integrations_router,
        audit_router,
        privacy_router,
        usage_router,
        pricing_router,
        budgets_router,
    ):
        app.include_router(router)
    _add_health(app)
    _add_frontend(app)
    return app


async def settle_heap(db: Database) -> None:
    """Build what every turn reads (the starter library's search index), then move everything
    alive (modules, models, the app, the index) out of the cyclic garbage collector's view: a
    full collection then walks only what requests create, instead of pausing a turn for tens
    of milliseconds to re-scan objects that live as long as the process (measured with
    `bench.bounded --only model`)."""
    with contextlib.suppress(Exception):  # a database not ready yet is the first turn's job
        async with db.sessionmaker() as session:
            await library_index(session, uuid.UUID(int=0))
    gc.collect()
    gc.freeze()


def _add_health(app: FastAPI) -> None:
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False, response_model=None)
    async def readyz(request: Request) -> JSONResponse:
        try:
            async with request.app.state.sessionmaker() as db:
                await asyncio.wait_for(db.execute(text("SELECT 1")), timeout=3)
        except Exception as exc:  # any failure means "not ready", reported, not raised
            return JSONResponse({"status": "unavailable", "detail": str(exc)[:200]}, 503)
        return JSONResponse({"status": "ready"})


def _add_frontend(app: FastAPI) -> None:
    """Serve the built web app; unknown non-API paths get index.html (client-side routing)."""
    assets = STATIC_DIR / "assets"
    if assets.is_dir():
        app.mount("/assets", StaticFiles(directory=assets), name="assets")

    @app.get("/{path:path}", include_in_schema=False, response_model=None)
    async def spa(path: str) -> FileResponse | JSONResponse:
        if path.startswith("api/"):
            return JSONResponse({"detail": "Not found", "code": "not_found"}, 404)
        index = STATIC_DIR / "index.html"
        if not index.exists():
            return JSONResponse(
                {"detail": "The web app is not built: run `make web`", "code": "no_frontend"}, 503
            )
        candidate = (STATIC_DIR / path).resolve()
        if path and candidate.is_file() and STATIC_DIR.resolve() in candidate.parents:
            return FileResponse(candidate)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
