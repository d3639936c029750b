"""Jobs are deferred in the request's transaction and run by a real procrastinate worker."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import text

from flowpilot.ai.offline import OfflineProvider
from flowpilot.jobs.defer import defer
from flowpilot.library.loader import DATA_DIR
from flowpilot.library.playbook_format import read_file
from flowpilot.worker import bound_app
from tests.conftest import committed_client, committed_team


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
    headers = (await committed_team(database))[0].headers
    async with committed_client(database, OfflineProvider()) as client:
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
        steps = (await client.get(f"/api/v1/ai-sessions/{s['id']}/steps", headers=headers)).json()
        assert steps[0]["step_type"] == "intake_analysis"
        top = read_file(DATA_DIR / f"{steps[0]['data']['playbooks'][0]}.toml")
        assert got["problem_domain"] == top["domain"]
        assert "backup" in top["slug"] or "vss" in top["slug"]
        assert steps[0]["content"].startswith("- " + top["steps"][0]["title"])
    async with database.sessionmaker() as db:
        status = await db.scalar(
            text("SELECT status FROM procrastinate_jobs WHERE args->>'session_id' = :s"),
            {"s": s["id"]},
        )
        assert status == "succeeded"
