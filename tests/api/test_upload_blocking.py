"""Reading an upload never freezes the API. The description job runs on the API's own event
loop (the default in-process worker), so OCR (tesseract) and the analysis of large files run
in a subprocess or a worker thread, with a time limit: meanwhile /healthz answers at once."""

from __future__ import annotations

import asyncio
import os
import shutil
import struct
import time
import uuid
import zlib
from pathlib import Path

import httpx
import pytest

from flowpilot.ai.offline import OfflineProvider
from flowpilot.config import Settings
from flowpilot.jobs.runtime import Runtime, set_runtime
from flowpilot.uploads import analysis
from flowpilot.uploads.models import FileUpload
from flowpilot.uploads.tasks import run_description
from tests.conftest import Tenant, make_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HEALTHZ_BUDGET = 0.100  # seconds, p95 of the /healthz calls issued while the job runs
PROBE_EVERY = 0.020
EVENT = (
    "Log Name: System\nSource: Disk\nEvent ID: 7\nLevel: Error\nDate: 2026-11-20T09:20:11\n"
    "Description: The device \\Device\\Harddisk0\\DR0 has a bad block.\n\n"
    "Log Name: System\nSource: Service Control Manager\nEvent ID: 7036\nLevel: Information\n"
    "Date: 2026-11-20T09:21:00\n"
    "Description: The Print Spooler service entered the running state.\n\n"
)


# ── a large screenshot, made without Pillow ─────────────────────────────────────────────────


def _read_png_rgb(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and unfiltered RGB rows of an 8-bit, non-interlaced RGB PNG."""
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, color, interlace) == (8, 2, 0)
    stride, bpp = width * 3, 3
    raw = zlib.decompress(idat)
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        kind_of_filter = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if kind_of_filter == 1:
                line[x] = (line[x] + a) & 255
            elif kind_of_filter == 2:
                line[x] = (line[x] + b) & 255
            elif kind_of_filter == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind_of_filter == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def _png_rgb(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def large_screenshot(width: int = 5120, height: int = 2880, copies: int = 2) -> bytes:
    """A 5K-display screenshot: the Outlook error dialog `copies` x `copies` times in the top
    left corner of a light grey desktop (tesseract: about 2 s on a 2-core machine)."""
    w, h, dialog = _read_png_rgb((FIXTURES / "outlook-error.png").read_bytes())
    desktop = b"\xf0" * (3 * width)
    rows = []
    for y in range(height):
        band = dialog[y % h] * copies if y < h * copies else b""
        rows.append(band + desktop[len(band) :])
    return _png_rgb(width, height, rows)


def fake_tesseract(directory: Path, script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `tesseract` first on PATH (analysis finds it with shutil.which) running `script`."""
    directory.mkdir(parents=True, exist_ok=True)
    binary = directory / "tesseract"
    binary.write_text("#!/bin/sh\n" + script)
    binary.chmod(0o755)
    monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{os.environ.get('PATH', '')}")


# ── the job, on the test's (= the app's) event loop, with /healthz probed meanwhile ───────


async def _upload(client: httpx.AsyncClient, tenant: Tenant, name: str, data: bytes) -> str:
    h = tenant.engineer.headers
    sid = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": "Outlook"}, headers=h)
    ).json()["id"]
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/uploads",
        files=[("files", (name, data, "application/octet-stream"))],
        headers=h,
    )
    assert r.status_code == 201, r.text
    return f"/api/v1/ai-sessions/{sid}/uploads/{r.json()[0]['id']}"


async def _stored(maker, url: str) -> FileUpload:  # type: ignore[no-untyped-def]
    """The upload's row (with what the API does not serve, e.g. description_attempts)."""
    async with maker() as db:
        upload = await db.get(FileUpload, uuid.UUID(url.rsplit("/", 1)[1]))
    assert upload is not None
    return upload  # type: ignore[no-any-return]


def _use_runtime(app, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    set_runtime(
        Runtime(
            sessionmaker=app.state.sessionmaker,
            provider=OfflineProvider(),
            settings=settings,
            storage=app.state.storage,
        )
    )


async def describe_while_probing_healthz(
    client: httpx.AsyncClient, app, url: str, label: str
) -> tuple[list[float], float]:  # type: ignore[no-untyped-def]
    """Run the upload's description job as a task on this event loop; meanwhile call /healthz
    every 20 ms. A call's latency counts from when it was due, so time the loop spent blocked
    before the call could even be sent counts too (as it would for a real client)."""
    _use_runtime(app, app.state.settings)
    started = time.perf_counter()
    job = asyncio.create_task(run_description(url.rsplit("/", 1)[1]))
    latencies: list[float] = []
    due = time.perf_counter()
    while not job.done():
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        r = await client.get("/healthz")
        answered = time.perf_counter()
        assert r.status_code == 200
        latencies.append(answered - due)
        due = max(due + PROBE_EVERY, answered)
    await job
    seconds = time.perf_counter() - started
    ms = sorted(round(x * 1000, 1) for x in latencies)
    print(
        f"\n{label}: job {seconds:.2f} s, {len(ms)} /healthz calls, "
        f"median {ms[len(ms) // 2]} ms, max {ms[-1]} ms"
    )
    return latencies, seconds


def assert_answered_quickly(latencies: list[float], seconds: float) -> None:
    """The 95th percentile, not the maximum: on a 2-core machine running the rest of the
    suite in parallel one call can meet a scheduler hiccup; a job that blocks the loop delays
    every call made while it runs (the old code: all of them, by 1.5 s)."""
    assert len(latencies) >= 10, f"the job took {seconds:.2f} s: too quick to show anything"
    ordered = sorted(latencies)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    assert p95 < HEALTHZ_BUDGET, (
        f"/healthz p95 {p95 * 1000:.0f} ms (max {ordered[-1] * 1000:.0f} ms) while the "
        f"description job ran ({len(latencies)} calls over {seconds:.2f} s): the job blocked "
        "the event loop"
    )


TESSERACT = shutil.which("tesseract")


@pytest.mark.parametrize(
    "ocr",
    [
        pytest.param(
            "tesseract",
            marks=pytest.mark.skipif(TESSERACT is None, reason="needs tesseract (tesseract-ocr)"),
        ),
        "slow-fake",  # the same subprocess path where tesseract is not installed
    ],
)
async def test_healthz_answers_while_a_large_screenshot_is_read(
    client: httpx.AsyncClient, tenant: Tenant, app, ocr: str, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    if ocr == "slow-fake":
        fake_tesseract(
            tmp_path / "bin",
            "sleep 1.5\nprintf 'Microsoft Outlook\\nCannot start Microsoft Outlook. 0x80070005'\n",
            monkeypatch,
        )
    url = await _upload(client, tenant, "desktop.png", large_screenshot())

    latencies, seconds = await describe_while_probing_healthz(client, app, url, f"OCR ({ocr})")

    got = (await client.get(url, headers=tenant.engineer.headers)).json()
    assert got["description_status"] == "done", got
    assert got["ai_description"].startswith("PNG screenshot, 5120x2880. Text read: ")
    assert "Cannot start Microsoft Outlook" in got["ai_description"]
    assert got["description_data"]["ocr"] is True
    assert_answered_quickly(latencies, seconds)


async def test_healthz_answers_while_a_large_log_is_analysed(
    client: httpx.AsyncClient, tenant: Tenant, app
) -> None:  # type: ignore[no-untyped-def]
    log = (EVENT * (12_000_000 // len(EVENT))).encode()
    url = await _upload(client, tenant, "System.txt", log)

    latencies, seconds = await describe_while_probing_healthz(client, app, url, "12 MB log")

    got = (await client.get(url, headers=tenant.engineer.headers)).json()
    assert got["description_status"] == "done", got
    disk_events = log.count(b"Event ID: 7\n")
    assert f"7 (x{disk_events})" in got["description_data"]["event_ids"]
    assert_answered_quickly(latencies, seconds)


async def test_hung_ocr_is_killed_and_the_upload_marked_failed(
    client: httpx.AsyncClient, tenant: Tenant, app, maker, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    pid_file = tmp_path / "pid"
    fake_tesseract(tmp_path / "bin", f"echo $$ > '{pid_file}'\nexec sleep 60\n", monkeypatch)
    url = await _upload(
        client, tenant, "outlook.png", (FIXTURES / "outlook-error.png").read_bytes()
    )
    _use_runtime(app, make_settings(FLOWPILOT_UPLOAD_ANALYSIS_TIMEOUT_SECONDS=0.5))

    started = time.perf_counter()
    await run_description(url.rsplit("/", 1)[1])  # returns: a timeout is not retried
    assert time.perf_counter() - started < 5

    got = await _stored(maker, url)
    assert (got.description_status, got.description_attempts) == ("failed", 1)
    assert got.description_error == (
        "OCR of the image (tesseract) took longer than 0.5 s and was stopped"
    )
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):  # killed and reaped, not left running
        os.kill(pid, 0)


async def test_slow_text_analysis_is_abandoned_and_the_upload_marked_failed(
    client: httpx.AsyncClient, tenant: Tenant, app, maker, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    def slow(*args: object) -> object:
        time.sleep(1.0)
        raise AssertionError("not used: the job gave up before")

    monkeypatch.setattr(analysis, "text_facts", slow)
    url = await _upload(client, tenant, "System.txt", EVENT.encode())
    _use_runtime(app, make_settings(FLOWPILOT_UPLOAD_ANALYSIS_TIMEOUT_SECONDS=0.2))

    await run_description(url.rsplit("/", 1)[1])

    got = await _stored(maker, url)
    assert (got.description_status, got.description_attempts) == ("failed", 1)
    assert got.description_error == "Analysing the file took longer than 0.2 s and was stopped"
    # The engineer sees why.
    served = (await client.get(url, headers=tenant.engineer.headers)).json()
    assert served["description_error"] == got.description_error
