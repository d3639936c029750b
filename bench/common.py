"""Shared set-up for benchmarks: a fresh database in the embedded server, a user, an app."""

from __future__ import annotations

import statistics
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from flowpilot.ai.base import ChatProvider
from flowpilot.app import create_app
from flowpilot.auth import service as auth
from flowpilot.config import Settings
from flowpilot.db.embedded import start_embedded
from flowpilot.db.engine import Database
from flowpilot.db.migrate import upgrade_schema
from flowpilot.guidance.evidence import extract
from flowpilot.library.loader import load_library
from flowpilot.sessions.models import AISession, SessionBranch, SessionMessage

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Bench:
    db: Database
    client: httpx.AsyncClient
    headers: dict[str, str]
    account_id: uuid.UUID

    async def close(self) -> None:
        await self.client.aclose()
        await self.db.dispose()


DATA_DIR = ROOT / ".flowpilot" / "bench"


def fresh_database(name: str) -> str:
    """A new, migrated database in the benchmarks' embedded server; its URI."""
    admin = start_embedded(DATA_DIR, database="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    uri = admin.replace("/postgres?", f"/{name}?")
    upgrade_schema(uri)
    return uri


async def setup(name: str, provider: ChatProvider) -> Bench:
    db = Database(fresh_database(name))
    async with db.sessionmaker() as s:
        await load_library(s)
        account = await auth.ensure_account(s, "Bench", "enterprise")
        user = await auth.create_user(
            s, account.id, email="bench@example.com", password="bench-password", role="engineer"
        )
        token, _ = await auth.issue_token(s, user, 2)
        await s.commit()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        FLOWPILOT_SECRET_KEY="bench",
        FLOWPILOT_LOG_LEVEL="WARNING",
        # The benches' vendor fakes listen on loopback.
        FLOWPILOT_OUTBOUND_ALLOW="127.0.0.0/8,::1,localhost",
    )
    app = create_app(settings, run_worker=False)
    app.state.sessionmaker = db.sessionmaker
    app.state.provider = provider
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=120
    )
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    return Bench(db, client, headers, account.id)


async def seed_history(bench: Bench, session_id: uuid.UUID, n: int) -> None:
    """Append n alternating user/assistant messages to the session's active branch."""
    async with bench.db.sessionmaker() as s:
        session = await s.get(AISession, session_id)
        assert session is not None
        branch = await s.get(SessionBranch, session.active_branch_id)
        assert branch is not None
        parent: uuid.UUID | None = branch.head_message_id
        head = await s.get(SessionMessage, parent) if parent else None
        start = head.depth + 1 if head else 0
        for depth in range(start, start + n):
            mid = uuid.uuid4()
            role = "user" if depth % 2 == 0 else "assistant"
            text = f"{role} turn {depth}: " + "details " * 40
            s.add(
                SessionMessage(
                    id=mid,
                    session_id=session_id,
                    account_id=bench.account_id,
                    parent_id=parent,
                    branch_id=branch.id,
                    depth=depth,
                    role=role,
                    attachments=[],
                    # As the app stores them: engineer messages with their evidence.
                    meta={"evidence": extract(text).as_dict()} if role == "user" else {},
                    content=text,
                )
            )
            parent = mid
            if depth % 200 == 199:
                await s.flush()
        await s.flush()
        branch.head_message_id = parent
        await s.commit()


def percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p95 = ordered[max(0, int(round(len(ordered) * 0.95)) - 1)]
    return statistics.median(ordered), p95, ordered[-1]
