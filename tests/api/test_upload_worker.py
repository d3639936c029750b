"""A description job survives its worker being killed mid-job (real worker processes)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from flowpilot.ai.offline import OfflineProvider
from tests.conftest import committed_client, committed_team
from tests.fakes.llm import anthropic_tool_message
from tests.fakes.server import Canned

SUMMARY = {
    "summary": "Disk 7 bad blocks",
    "errors": ["bad block"],
    "warnings": [],
    "event_ids": ["7"],
}


def start_worker(uri: str, vendors_url: str, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": uri,
        "FLOWPILOT_DATA_DIR": str(data_dir),
        "FLOWPILOT_PROVIDER": "anthropic",
        "ANTHROPIC_API_KEY": "k",
        "ANTHROPIC_BASE_URL": vendors_url,
        "FLOWPILOT_AI_MAX_RETRIES": "0",
        "FLOWPILOT_WORKER_HEARTBEAT_SECONDS": "0.5",
        "FLOWPILOT_STALLED_AFTER_SECONDS": "2",
        "FLOWPILOT_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flowpilot.cli",
            "worker",
            "--queue",
            "uploads",
            "--concurrency",
            "1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


async def _wait(database, sql: str, params: dict[str, str], want: object, seconds: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        async with database.sessionmaker() as db:
            got = await db.scalar(text(sql), params)
        if got == want:
            return
        assert time.monotonic() < deadline, f"waited for {want!r}, still {got!r}"
        await asyncio.sleep(0.2)


async def test_killed_worker_job_is_recovered_by_the_next_worker(
    database, worker_database_uri, vendors, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    member = (await committed_team(database))[0]
    async with committed_client(
        database, OfflineProvider(), uploads_dir=tmp_path / "uploads"
    ) as client:
        sid = (
            await client.post(
                "/api/v1/ai-sessions",
                json={"problem_summary": "Disk errors"},
                headers=member.headers,
            )
        ).json()["id"]
        r = await client.post(
            f"/api/v1/ai-sessions/{sid}/uploads",
            files=[
                (
                    "files",
                    ("System.txt", b"Event ID: 7\nLevel: Error\nSource: Disk\n", "text/plain"),
                )
            ],
            headers=member.headers,
        )
        upload_id = r.json()[0]["id"]
    job_sql = (
        "SELECT status::text FROM procrastinate_jobs"
        " WHERE task_name = 'describe_upload' AND args->>'upload_id' = :u"
    )
    status_sql = "SELECT description_status FROM file_uploads WHERE id = :u"
    params = {"u": upload_id}

    # The model is slow: the first worker is mid-job when it dies.
    vendors.anthropic.reset(
        Canned(200, anthropic_tool_message("attachment_summary", SUMMARY), delay=60)
    )
    first = start_worker(worker_database_uri, vendors.url, tmp_path)
    try:
        await _wait(database, job_sql, params, "doing", 60)
        deadline = time.monotonic() + 30
        while not vendors.anthropic.requests:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)

    vendors.anthropic.reset(Canned(200, anthropic_tool_message("attachment_summary", SUMMARY)))
    await asyncio.sleep(2.5)  # the dead worker's heartbeat goes stale
    second = start_worker(worker_database_uri, vendors.url, tmp_path)
    try:
        await _wait(database, status_sql, params, "done", 60)
        await _wait(database, job_sql, params, "succeeded", 10)
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=15)
    async with database.sessionmaker() as db:
        description = await db.scalar(
            text("SELECT ai_description FROM file_uploads WHERE id = :u"), params
        )
    assert description == "Disk 7 bad blocks"
