"""Per-turn server overhead: a chat turn against a fixed-latency fake provider, with a branch
history of 10 vs 500 messages. Overhead = request wall time - provider latency.

    python -m bench.turn_overhead [--turns 30] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import psycopg

from flowpilot.ai.base import ChatEvent, ChatRequest, Completed, TextDelta, Usage
from flowpilot.ai.offline import OfflineProvider
from flowpilot.app import create_app
from flowpilot.auth import service as auth
from flowpilot.config import Settings
from flowpilot.db.embedded import start_embedded
from flowpilot.db.engine import Database
from flowpilot.db.migrate import load_library, upgrade_schema
from flowpilot.sessions.models import AISession, SessionBranch, SessionMessage

ROOT = Path(__file__).resolve().parents[1]


class FixedLatencyProvider(OfflineProvider):
    name = "bench"
    model = "fixed-latency"

    def __init__(self, latency_s: float) -> None:
        super().__init__()
        self.latency = latency_s
        self.prompt_messages: list[int] = []

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatEvent]:
        self.prompt_messages.append(len(request.history))
        await asyncio.sleep(self.latency)
        for word in ("Check ", "the ", "event ", "log."):
            yield TextDelta(word)
        yield Completed(usage=Usage(input_tokens=100, output_tokens=4))


async def seed_history(db: Database, session_id: uuid.UUID, account_id: uuid.UUID, n: int) -> None:
    async with db.sessionmaker() as s:
        session = await s.get(AISession, session_id)
        assert session is not None
        branch = await s.get(SessionBranch, session.active_branch_id)
        assert branch is not None
        parent: uuid.UUID | None = None
        for depth in range(n):
            mid = uuid.uuid4()
            role = "user" if depth % 2 == 0 else "assistant"
            s.add(
                SessionMessage(
                    id=mid,
                    session_id=session_id,
                    account_id=account_id,
                    parent_id=parent,
                    branch_id=branch.id,
                    depth=depth,
                    role=role,
                    attachments=[],
                    meta={},
                    content=f"{role} turn {depth}: " + "details " * 40,
                )
            )
            parent = mid
            if depth % 100 == 99:
                await s.flush()
        await s.flush()
        branch.head_message_id = parent
        await s.commit()


async def run(turns: int, latency_ms: int) -> None:
    data_dir = ROOT / ".flowpilot" / "bench"
    admin = start_embedded(data_dir, database="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "flowpilot_bench" WITH (FORCE)')
        conn.execute('CREATE DATABASE "flowpilot_bench"')
    uri = admin.replace("/postgres?", "/flowpilot_bench?")
    upgrade_schema(uri)
    db = Database(uri)
    async with db.sessionmaker() as s:
        await load_library(s)
        account = await auth.ensure_account(s, "Bench", "enterprise")
        user = await auth.create_user(
            s, account.id, email="bench@example.com", password="bench-password", role="engineer"
        )
        token, _ = await auth.issue_token(s, user, 2)
        await s.commit()
    provider = FixedLatencyProvider(latency_ms / 1000)
    app = create_app(
        Settings(_env_file=None, FLOWPILOT_SECRET_KEY="bench", FLOWPILOT_LOG_LEVEL="WARNING"),
        run_worker=False,
    )  # type: ignore[call-arg]
    app.state.sessionmaker = db.sessionmaker
    app.state.provider = provider
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    results: dict[int, list[float]] = {}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=60
    ) as client:
        for history in (10, 500):
            s = (
                await client.post(
                    "/api/v1/ai-sessions",
                    json={"problem_summary": "Event log full of disk errors"},
                    headers=headers,
                )
            ).json()
            await seed_history(db, uuid.UUID(s["id"]), account.id, history)
            url = f"/api/v1/ai-sessions/{s['id']}/messages"
            await client.post(url, json={"content": "warm-up"}, headers=headers)
            overheads = []
            for i in range(turns):
                start = time.perf_counter()
                r = await client.post(url, json={"content": f"observation {i}"}, headers=headers)
                elapsed = time.perf_counter() - start
                assert r.status_code == 200, r.text
                overheads.append((elapsed - provider.latency) * 1000)
            results[history] = overheads
    await db.dispose()

    print(f"per-turn server overhead, fixed provider latency {latency_ms} ms, {turns} turns each")
    print(f"{'history':>8} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for history, values in results.items():
        values.sort()
        p95 = values[int(len(values) * 0.95) - 1]
        print(f"{history:>8} {statistics.median(values):>10.1f} {p95:>8.1f} {values[-1]:>8.1f}")
    ratio = statistics.median(results[500]) / statistics.median(results[10])
    print(f"ratio (history 500 / history 10, median): {ratio:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(run(args.turns, args.latency_ms))
