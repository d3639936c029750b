"""Jobs are deferred in the request's transaction and run by a real procrastinate worker."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from sqlalchemy import text

from flowpilot.ai.offline import OfflineProvider
from flowpilot.app import create_app
from flowpilot.auth import service as auth
from flowpilot.jobs.defer import defer
from flowpilot.jobs.worker import bound_app
from tests.conftest import make_settings


async def test_rolled_back_transaction_defers_nothing(maker) -> None:  # type: ignore[no-untyped-def]
    marker = str(uuid.uuid4())
    async with maker() as db:
        await defer(db, "analyse_intake", session_id=marker)
        seen = await db.scalar(
            text("SELECT count(*) FROM procrastinate_jobs WHERE args->>'session_id' = :m"),
            {"m": marker},
        )
        assert seen == 1
        await db.rollback()
    async with maker() as db:
        gone = await db.scalar(
            text("SELECT count(*) FROM procrastinate_jobs WHERE args->>'session_id' = :m"),
            {"m": marker},
        )
        assert gone == 0


async def test_worker_runs_the_intake_job(database) -> None:  # type: ignore[no-untyped-def]
    suffix = uuid.uuid4().hex[:8]
    async with database.sessionmaker() as db:
        account = await auth.ensure_account(db, f"Jobs {suffix}", "pro")
        user = await auth.create_user(
            db,
            account.id,
            email=f"jobs-{suffix}@example.com",
            password="pw-long-enough",
            role="engineer",
        )
        token, _ = await auth.issue_token(db, user, 1)
        await db.commit()
    headers = {"Authorization": f"Bearer {token}"}
    app = create_app(make_settings(), run_worker=False)
    app.state.sessionmaker = database.sessionmaker
    app.state.provider = OfflineProvider()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        s = (
            await client.post(
                "/api/v1/ai-sessions",
                json={"problem_summary": "Backup job failed with VSS writer error"},
                headers=headers,
            )
        ).json()
        assert s["problem_domain"] is None
        jobs = bound_app(database, OfflineProvider())
        async with jobs.open_async():
            await asyncio.wait_for(
                jobs.run_worker_async(
                    wait=False, install_signal_handlers=False, listen_notify=False
                ),
                timeout=30,
            )
        got = (await client.get(f"/api/v1/ai-sessions/{s['id']}", headers=headers)).json()
        assert got["problem_domain"] == "Backup / DR"
        steps = (await client.get(f"/api/v1/ai-sessions/{s['id']}/steps", headers=headers)).json()
        assert (
            steps[0]["step_type"] == "intake_analysis"
            and "Read the job error" in steps[0]["content"]
        )
    async with database.sessionmaker() as db:
        status = await db.scalar(
            text("SELECT status FROM procrastinate_jobs WHERE args->>'session_id' = :s"),
            {"s": s["id"]},
        )
        assert status == "succeeded"
