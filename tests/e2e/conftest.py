"""Browser tests: FlowPilot served by uvicorn on a real port, driven in Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from flowpilot.app import STATIC_DIR
from flowpilot.auth import service as auth
from tests.conftest import PASSWORD
from tests.live import LiveServer, start_server

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    for candidate in (
        os.environ.get("CHROMIUM_PATH"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("Chromium not found: install Debian's chromium (apt-get install chromium)")


@pytest.fixture(scope="module")
def offline_server(worker_database_uri: str) -> Iterator[LiveServer]:
    if not (STATIC_DIR / "index.html").exists():
        pytest.fail("The web app is not built: run `make web` (make test does it)")
    live = start_server(DATABASE_URL=worker_database_uri, FLOWPILOT_OFFLINE_STREAM_DELAY_MS=25)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def server_with_worker(worker_database_uri: str, tmp_path_factory) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """A live server running jobs in-process (descriptions, documents, deliveries)."""
    if not (STATIC_DIR / "index.html").exists():
        pytest.fail("The web app is not built: run `make web` (make test does it)")
    live = start_server(
        worker=True,
        DATABASE_URL=worker_database_uri,
        FLOWPILOT_DATA_DIR=str(tmp_path_factory.mktemp("data")),
        FLOWPILOT_OFFLINE_STREAM_DELAY_MS=5,
    )
    yield live
    live.stop()


@pytest.fixture(scope="module")
def openai_server(worker_database_uri: str, vendors_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    live = start_server(
        DATABASE_URL=worker_database_uri,
        FLOWPILOT_PROVIDER="openai",
        OPENAI_BASE_URL=f"{vendors_server.url}/v1",
        FLOWPILOT_AI_MAX_RETRIES=0,
    )
    yield live
    live.stop()


async def new_account_user(
    database, role: str = "engineer", team: str | None = "Service Desk"
) -> str:  # type: ignore[no-untyped-def]
    """A committed user in a fresh account (the live server uses its own connections)."""
    suffix = uuid.uuid4().hex[:8]
    async with database.sessionmaker() as db:
        account = await auth.ensure_account(db, f"E2E {suffix}", "team")
        user = await auth.create_user(
            db, account.id, email=f"{role}-{suffix}@example.com", password=PASSWORD, role=role
        )
        if team:
            await auth.ensure_membership(db, await auth.ensure_team(db, account, team), user)
        await db.commit()
    return user.email


@pytest.fixture
async def login_user(database) -> str:  # type: ignore[no-untyped-def]
    return await new_account_user(database)


@pytest.fixture
async def page() -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        context = await browser.new_context(viewport={"width": 1200, "height": 900})
        pg = await context.new_page()
        yield pg
        await browser.close()
