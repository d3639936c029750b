"""Scale-out as the README describes it: two `flowpilot serve --no-worker` processes and one
`flowpilot worker` on one PostgreSQL, sharing the upload storage. A turn started on one is
stopped from the other, jobs deferred by either are run by the worker, a claim race across the
two has one winner, and an upload stored through one is served by the other."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from flowpilot.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.conftest import _admin_uri, _database_uri
from tests.fakes.server import _free_port

ROOT = Path(__file__).resolve().parents[2]
JSON = {"Accept": "application/json"}


def _wait_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"process exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not start")


@pytest.fixture
def cluster(worker_id: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    admin = _admin_uri()
    name = f"flowpilot_scale_{worker_id}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "DATABASE_URL": _database_uri(admin, name),
        "FLOWPILOT_PROVIDER": "offline",
        # Both servers must read each other's tokens and encrypted settings.
        "FLOWPILOT_SECRET_KEY": "scale-out-test",
        "FLOWPILOT_DATA_DIR": str(tmp_path),  # the shared upload storage
        "FLOWPILOT_LOG_LEVEL": "WARNING",
        "FLOWPILOT_DB_POOL_SIZE": "2",
        # Slow offline streaming, so a turn is still running when the other server stops it.
        "FLOWPILOT_OFFLINE_STREAM_DELAY_MS": "40",
    }
    processes: list[subprocess.Popen[bytes]] = []

    def start(*args: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "flowpilot.cli", *args],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        processes.append(process)
        return process

    urls = []
    try:
        for _ in range(2):  # one after the other: the first migrates and seeds the demo
            port = _free_port()
            process = start("serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port))
            urls.append(f"http://127.0.0.1:{port}")
            _wait_up(urls[-1], process)
        start("worker", "--concurrency", "2")
        yield urls[0], urls[1]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


async def _login(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def _eventually(check, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError("timed out")


async def test_two_servers_and_a_worker_on_one_database(cluster: tuple[str, str]) -> None:
    url_a, url_b = cluster
    async with (
        httpx.AsyncClient(base_url=url_a, timeout=30) as a,
        httpx.AsyncClient(base_url=url_b, timeout=30) as b,
    ):
        demo = await _login(a, DEMO_EMAIL)
        sam = await _login(a, "sam@flowpilot.local")
        lee = await _login(b, "lee@flowpilot.local")

        # A session opened on A: its intake job runs in the worker, B reads the result.
        r = await a.post(
            "/api/v1/ai-sessions",
            json={"problem_summary": "Printer on the second floor shows offline for everyone"},
            headers=demo,
        )
        assert r.status_code == 201, r.text
        sid = r.json()["id"]

        async def intake_done() -> bool:
            steps = (await b.get(f"/api/v1/ai-sessions/{sid}/steps", headers=demo)).json()
            return any(s["step_type"] == "intake_analysis" for s in steps)

        await _eventually(intake_done)

        # A streamed turn on A is stopped through B; A keeps what was written so far.
        events: list[tuple[str, dict]] = []  # type: ignore[type-arg]
        async with a.stream(
            "POST",
            f"/api/v1/ai-sessions/{sid}/messages",
            json={"content": "The queue shows 40 jobs stuck; spooler restarted, no change"},
            headers={**demo, "Accept": "text/event-stream"},
        ) as stream:
            name = ""
            async for line in stream.aiter_lines():
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    events.append((name, json.loads(line[6:])))
                    if name == "message":
                        message_id = events[-1][1]["user_message"]["id"]
                    if name == "delta" and sum(e[0] == "delta" for e in events) == 3:
                        stop = await b.post(
                            f"/api/v1/ai-sessions/{sid}/messages/{message_id}/stop",
                            headers=demo,
                        )
                        assert stop.status_code == 202, stop.text
        done = [data for kind, data in events if kind == "done"]
        assert done and done[0]["assistant_message"]["meta"].get("stopped") is True

        # A claim race across the two servers: exactly one winner.
        r = await a.post(
            f"/api/v1/ai-sessions/{sid}/handoff",
            json={"intent": "escalate", "engineer_notes": "Needs on-site"},
            headers=demo,
        )
        assert r.status_code == 201, r.text
        claim = f"/api/v1/ai-sessions/{sid}/handoffs/{r.json()['id']}/claim"
        first, second = await asyncio.gather(
            a.post(claim, json={}, headers=sam), b.post(claim, json={}, headers=lee)
        )
        assert sorted([first.status_code, second.status_code]) == [200, 409]
        loser = first if first.status_code == 409 else second
        assert loser.json()["code"] == "already_claimed"

        # An upload stored through B is served by A.
        winner = sam if first.status_code == 200 else lee
        log = b"Event 7: The device \\Device\\Harddisk1\\DR1 has a bad block.\n" * 10
        r = await b.post(
            f"/api/v1/ai-sessions/{sid}/uploads",
            files=[("files", ("System.log", log, "text/plain"))],
            headers=winner,
        )
        assert r.status_code == 201, r.text
        upload = r.json()[0]["id"]
        served = await a.get(f"/api/v1/ai-sessions/{sid}/uploads/{upload}/content", headers=winner)
        assert served.status_code == 200 and served.content == log

        # …and described by the worker, whichever server took it.
        async def described() -> bool:
            got = await a.get(f"/api/v1/ai-sessions/{sid}/uploads/{upload}", headers=winner)
            return got.json()["description_status"] == "done"

        await _eventually(described)
