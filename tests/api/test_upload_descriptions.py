"""Upload descriptions: the job, its retries, and where descriptions reach the prompt."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from flowpilot.ai.anthropic import AnthropicProvider
from flowpilot.ai.base import ProviderError
from flowpilot.ai.offline import OfflineProvider
from flowpilot.jobs.runtime import Runtime, set_runtime
from flowpilot.uploads.tasks import MAX_ATTEMPTS, run_description
from tests.conftest import Tenant, upload
from tests.fakes.llm import anthropic_error
from tests.fakes.recording import RecordingProvider
from tests.fakes.server import Canned

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EVENT = (
    "Log Name: System\nSource: Microsoft-Windows-Kernel-Power\nEvent ID: 41\nLevel: Critical\n"
    "Date: 2026-11-20T09:14:02\n"
    "Description: The system has rebooted without cleanly shutting down first.\n\n"
    "Log Name: System\nSource: Disk\nEvent ID: 7\nLevel: Error\nDate: 2026-11-20T09:20:11\n"
    "Description: The device \\Device\\Harddisk0\\DR0 has a bad block.\n\n"
    "Log Name: System\nSource: Service Control Manager\nEvent ID: 7036\nLevel: Information\n"
    "Date: 2026-11-20T09:21:00\n"
    "Description: The Print Spooler service entered the running state.\n\n"
)


def pdf_with_text(text: str) -> bytes:
    """A minimal, valid one-page PDF whose page shows `text` (offsets computed)."""
    stream = f"BT /F1 12 Tf 72 712 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out


@pytest.fixture
def provider() -> RecordingProvider:
    return RecordingProvider()


async def _describe(app, upload_id: str, provider) -> None:  # type: ignore[no-untyped-def]
    set_runtime(
        Runtime(sessionmaker=app.state.sessionmaker, provider=provider, storage=app.state.storage)
    )
    await run_description(upload_id)


async def test_event_log_and_pdf_are_described(
    client: httpx.AsyncClient, tenant: Tenant, app
) -> None:  # type: ignore[no-untyped-def]
    h = tenant.engineer.headers
    sid = (
        await client.post(
            "/api/v1/ai-sessions", json={"problem_summary": "Random reboots"}, headers=h
        )
    ).json()["id"]
    log = (EVENT * (5_000_000 // len(EVENT))).encode()
    logged = await upload(client, h, sid, "System.txt", log)
    await _describe(app, logged["id"], OfflineProvider())
    got = (await client.get(f"/api/v1/ai-sessions/{sid}/uploads/{logged['id']}", headers=h)).json()
    assert got["description_status"] == "done"
    data = got["description_data"]
    assert (
        data["event_ids"][:2]
        == [f"41 (x{log.count(b'Event ID: 41')})", f"7 (x{log.count(b'Event ID: 7')})"]
        or "41" in data["event_ids"][0]
    )
    assert any("Event 41 Microsoft-Windows-Kernel-Power (Critical)" in e for e in data["errors"])
    assert any("Event 7 Disk (Error): The device" in e and "bad block" in e for e in data["errors"])
    assert not any("Print Spooler" in e for e in data["errors"])

    assert data["first_timestamp"] == "2026-11-20T09:14:02"
    assert "event ids 41" in got["ai_description"]

    pdf = await upload(
        client, h, sid, "vendor-kb.pdf", pdf_with_text("Error 0x80070005 access denied on update")
    )
    await _describe(app, pdf["id"], OfflineProvider())
    got = (await client.get(f"/api/v1/ai-sessions/{sid}/uploads/{pdf['id']}", headers=h)).json()
    assert (
        got["description_status"] == "done"
        and "0x80070005" in got["description_data"]["error_codes"]
    )


async def test_description_retries_after_provider_failure(
    client: httpx.AsyncClient, tenant: Tenant, app, vendors
) -> None:  # type: ignore[no-untyped-def]
    h = tenant.engineer.headers
    sid = (
        await client.post(
            "/api/v1/ai-sessions", json={"problem_summary": "Random reboots"}, headers=h
        )
    ).json()["id"]
    up = await upload(client, h, sid, "System.txt", EVENT.encode())
    failing = AnthropicProvider(
        api_key="k", model="claude-test", base_url=vendors.url, max_retries=0
    )
    vendors.anthropic.reset(Canned(500, anthropic_error("api_error", "boom")))
    with pytest.raises(ProviderError):
        await _describe(app, up["id"], failing)
    got = (await client.get(f"/api/v1/ai-sessions/{sid}/uploads/{up['id']}", headers=h)).json()
    assert got["description_status"] == "pending"  # procrastinate retries it with backoff
    from tests.fakes.llm import anthropic_tool_message

    vendors.anthropic.reset(
        Canned(
            200,
            anthropic_tool_message(
                "attachment_summary",
                {
                    "summary": "Kernel-Power 41 then disk bad blocks",
                    "errors": ["bad block"],
                    "warnings": [],
                    "event_ids": ["41", "7"],
                },
            ),
        )
    )
    await _describe(app, up["id"], failing)
    got = (await client.get(f"/api/v1/ai-sessions/{sid}/uploads/{up['id']}", headers=h)).json()
    assert (
        got["description_status"] == "done"
        and got["ai_description"] == "Kernel-Power 41 then disk bad blocks"
    )
    assert MAX_ATTEMPTS == 5


async def test_description_enters_its_branch_prompt_and_only_summaries_elsewhere(
    client: httpx.AsyncClient, tenant: Tenant, app, provider: RecordingProvider
) -> None:  # type: ignore[no-untyped-def]
    h = {**tenant.engineer.headers, "Accept": "application/json"}
    sid = (
        await client.post(
            "/api/v1/ai-sessions", json={"problem_summary": "Random reboots"}, headers=h
        )
    ).json()["id"]
    base = f"/api/v1/ai-sessions/{sid}"
    await client.post(f"{base}/messages", json={"content": "It reboots twice a day"}, headers=h)
    fork = await client.post(
        f"{base}/branches/fork",
        json={
            "fork_reason": "two ideas",
            "options": [{"label": "Failing disk"}, {"label": "Power supply"}],
        },
        headers=h,
    )
    disk, power = (b["id"] for b in fork.json()["branches"])
    up = await upload(client, h, sid, "System.txt", EVENT.encode(), branch=disk)
    await _describe(app, up["id"], OfflineProvider())

    assert up["uploaded_on_branch_id"] == disk and up["uploaded_at_step_id"] is not None
    r = await client.post(
        f"{base}/branches/{disk}/message",
        json={"message": "see the log", "upload_ids": [up["id"]]},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert r.json()["user_message"]["attachments"] == [
        {"upload_id": up["id"], "name": "System.txt", "kind": "text"}
    ]
    on_disk = provider.requests[-1]
    assert (
        "Attachments on this branch" in on_disk.volatile_context
        and "System.txt: 21 lines, 2 error lines" in on_disk.volatile_context
    )
    assert all(
        "Attachments" not in b.text for b in on_disk.system
    )  # the cached prefix is untouched

    await client.post(
        f"{base}/branches/{power}/message", json={"message": "checking the PSU"}, headers=h
    )
    on_power = provider.requests[-1]
    assert "Attachments on this branch" not in on_power.volatile_context
    assert "Key artifacts: System.txt" in on_power.volatile_context


async def test_messages_cannot_reference_another_sessions_upload(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    h = tenant.engineer.headers
    first = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": "One"}, headers=h)
    ).json()["id"]
    second = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": "Two"}, headers=h)
    ).json()["id"]
    up = await upload(client, h, first, "a.txt", b"hello error")
    r = await client.post(
        f"/api/v1/ai-sessions/{second}/messages",
        json={"content": "see", "upload_ids": [up["id"]]},
        headers=h,
    )
    assert r.status_code == 404
    msgs = (await client.get(f"/api/v1/ai-sessions/{second}/messages", headers=h)).json()
    assert msgs == []  # nothing half-written


async def _describe_error_screenshot(client: httpx.AsyncClient, tenant: Tenant, app) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """Upload the Outlook error-dialog screenshot, describe it offline, return the upload."""
    h = tenant.engineer.headers
    sid = (
        await client.post(
            "/api/v1/ai-sessions", json={"problem_summary": "Outlook will not start"}, headers=h
        )
    ).json()["id"]
    shot = await upload(
        client, h, sid, "outlook.png", (FIXTURES / "outlook-error.png").read_bytes()
    )
    await _describe(app, shot["id"], OfflineProvider())
    r = await client.get(f"/api/v1/ai-sessions/{sid}/uploads/{shot['id']}", headers=h)
    return r.json()  # type: ignore[no-any-return]


@pytest.mark.skipif(
    shutil.which("tesseract") is None,
    reason="needs tesseract (`.ci/run` installs tesseract-ocr)",
)
async def test_offline_screenshot_text_is_read_by_ocr(
    client: httpx.AsyncClient, tenant: Tenant, app
) -> None:  # type: ignore[no-untyped-def]
    got = await _describe_error_screenshot(client, tenant, app)
    assert got["description_status"] == "done"
    assert "Text read: Microsoft Outlook Cannot start Microsoft Outlook." in got["ai_description"]
    assert got["description_data"]["ocr"] is True
    assert "0x80070005" in got["description_data"]["error_codes"]


async def test_without_tesseract_the_description_says_so(
    client: httpx.AsyncClient, tenant: Tenant, app, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("flowpilot.uploads.analysis.shutil.which", lambda _name: None)
    got = await _describe_error_screenshot(client, tenant, app)
    assert (
        "PNG screenshot, 610x200. Text was not read: OCR needs tesseract" in (got["ai_description"])
    )
    assert got["description_data"]["ocr"] is False


async def test_a_description_by_a_priced_model_is_counted_with_the_session(
    client: httpx.AsyncClient, tenant: Tenant, app
) -> None:  # type: ignore[no-untyped-def]
    from tests.api.test_usage import PricedModel

    h = tenant.engineer.headers
    sid = (
        await client.post(
            "/api/v1/ai-sessions", json={"problem_summary": "Random reboots"}, headers=h
        )
    ).json()["id"]
    logged = await upload(client, h, sid, "System.txt", EVENT.encode())
    await _describe(app, logged["id"], PricedModel())
    report = (await client.get(f"/api/v1/ai-sessions/{sid}/usage", headers=h)).json()
    assert report["total"]["job_calls"] == 1  # 400 in, 100 out of claude-sonnet-4-5
    assert report["total"]["cost_usd"] == pytest.approx((400 * 3 + 100 * 15) / 1_000_000)
