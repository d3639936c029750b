"""`flowpilot serve` runs its job worker in a child process: jobs get done, a dead worker is
restarted, and stopping the server stops the worker too."""

from __future__ import annotations

import contextlib
import json
import os
import signal
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


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text().split()
        found |= {int(p) for p in text}
    return found


def wait_for(check, seconds: float = 30):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.fixture
def server(worker_id: str, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    admin = _admin_uri()
    name = f"flowpilot_serve_{worker_id}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_uri(admin, name),
        "FLOWPILOT_PROVIDER": "offline",
        "FLOWPILOT_SECRET_KEY": "serve-test",
        "FLOWPILOT_DATA_DIR": str(tmp_path),
        "FLOWPILOT_LOG_LEVEL": "WARNING",
        "FLOWPILOT_DB_POOL_SIZE": "2",
        # Slow offline answers: a stream is still open when the server is told to stop.
        "FLOWPILOT_OFFLINE_STREAM_DELAY_MS": "60",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flowpilot.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, 60)
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_jobs_run_in_a_child_worker_that_is_restarted_and_stopped(
    server: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, url = server
    worker = wait_for(lambda: children(process.pid))
    assert len(worker) == 1
    token = httpx.post(
        f"{url}/api/v1/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    ).json()["access_token"]
    h = {"Authorization": f"Bearer {token}"}

    def intake_done(sid: str) -> bool:
        steps = httpx.get(f"{url}/api/v1/ai-sessions/{sid}/steps", headers=h).json()
        return any(s["step_type"] == "intake_analysis" for s in steps)

    def new_session() -> str:
        r = httpx.post(
            f"{url}/api/v1/ai-sessions",
            json={"problem_summary": "Printer on the second floor shows offline for everyone"},
            headers=h,
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    # The intake analysis is a job: the child process does it.
    sid = new_session()
    wait_for(lambda: intake_done(sid))

    # A worker that dies is started again, and jobs keep being done.
    (first,) = worker
    os.kill(first, signal.SIGKILL)
    restarted = wait_for(lambda: children(process.pid) - {first}, 20)
    assert len(restarted) == 1
    sid = new_session()
    wait_for(lambda: intake_done(sid))

    # Stopping the server stops its worker.
    (child,) = restarted
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=20)
    wait_for(lambda: not Path(f"/proc/{child}").exists() or _zombie(child), 15)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except FileNotFoundError:
        return True


def test_serve_stops_within_5_s_of_sigint_with_an_answer_streaming(
    server: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, url = server
    token = httpx.post(
        f"{url}/api/v1/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    ).json()["access_token"]
    h = {"Authorization": f"Bearer {token}"}
    sid = httpx.post(
        f"{url}/api/v1/ai-sessions", json={"problem_summary": "Outlook prompts"}, headers=h
    ).json()["id"]
    with (
        httpx.Client(timeout=30) as client,
        client.stream(
            "POST",
            f"{url}/api/v1/ai-sessions/{sid}/messages",
            json={"content": "Outlook keeps asking for the password since this morning"},
            headers={**h, "Accept": "text/event-stream"},
        ) as stream,
    ):
        lines = stream.iter_lines()
        while "event: delta" not in next(lines):
            pass  # the answer is streaming (slowly: FLOWPILOT_OFFLINE_STREAM_DELAY_MS)
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        rest = []
        with contextlib.suppress(httpx.HTTPError):
            rest = list(lines)  # the server ends the stream when it stops
        process.wait(timeout=10)
        assert time.monotonic() - started < 5
    # …with an event the web app understands (the message is saved; Retry asks again).
    assert "event: error" in rest, rest[-5:]
    error = json.loads(rest[rest.index("event: error") + 1].removeprefix("data: "))
    assert error["code"] == "server_stopping" and error["retryable"] is True
