"""Uploads through HTTP: content sniffing, limits, safe names, serving, deletion."""

from __future__ import annotations

import base64
import hashlib

import httpx
import pytest

from tests.conftest import Tenant

# A real 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EVENT_LOG = (
    "Log Name: System\nSource: Microsoft-Windows-Kernel-Power\nEvent ID: 41\nLevel: Critical\n"
    "Date: 2026-11-20T09:14:02\n"
    "Description: The system has rebooted without cleanly shutting down.\n\n"
)


@pytest.fixture
async def session_id(client: httpx.AsyncClient, tenant: Tenant) -> str:
    r = await client.post(
        "/api/v1/ai-sessions",
        json={"problem_summary": "Laptop reboots randomly"},
        headers=tenant.engineer.headers,
    )
    return str(r.json()["id"])


async def test_screenshot_log_and_pdf_are_accepted_and_typed(
    client: httpx.AsyncClient, tenant: Tenant, session_id: str
) -> None:
    log = (EVENT_LOG * (5_000_000 // len(EVENT_LOG))).encode()
    files = [
        ("files", ("screen.png", PNG, "application/octet-stream")),
        ("files", ("System.log", log, "text/plain")),
        ("files", ("report.pdf", PDF, "application/pdf")),
    ]
    r = await client.post(
        f"/api/v1/ai-sessions/{session_id}/uploads", files=files, headers=tenant.engineer.headers
    )
    assert r.status_code == 201, r.text
    got = {u["original_name"]: u for u in r.json()}
    assert (
        got["screen.png"]["detected_type"] == "image/png" and got["screen.png"]["kind"] == "image"
    )
    assert got["System.log"]["detected_type"] == "text/plain" and got["System.log"][
        "size_bytes"
    ] == len(log)
    assert got["report.pdf"]["kind"] == "pdf"
    assert got["screen.png"]["sha256"] == hashlib.sha256(PNG).hexdigest()
    listed = (
        await client.get(
            f"/api/v1/ai-sessions/{session_id}/uploads", headers=tenant.engineer.headers
        )
    ).json()
    assert len(listed) == 3

    image = await client.get(
        f"/api/v1/ai-sessions/{session_id}/uploads/{got['screen.png']['id']}/content",
        headers=tenant.engineer.headers,
    )
    assert image.status_code == 200 and image.content == PNG
    assert image.headers["content-type"] == "image/png"
    assert image.headers["x-content-type-options"] == "nosniff"
    assert image.headers["content-disposition"].startswith("inline")


async def test_oversized_file_is_413_and_nothing_is_stored(
    client: httpx.AsyncClient, tenant: Tenant, session_id: str
) -> None:
    big = b"x" * 50_000_000
    files = [
        ("files", ("ok.txt", b"fine", "text/plain")),
        ("files", ("huge.log", big, "text/plain")),
    ]
    r = await client.post(
        f"/api/v1/ai-sessions/{session_id}/uploads", files=files, headers=tenant.engineer.headers
    )
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
    assert (
        await client.get(
            f"/api/v1/ai-sessions/{session_id}/uploads", headers=tenant.engineer.headers
        )
    ).json() == []


async def test_unsupported_types_are_415(
    client: httpx.AsyncClient, tenant: Tenant, session_id: str
) -> None:
    for name, data in [
        ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200)),
        ("System.evtx", b"ElfFile\x00" + bytes(100)),
    ]:
        r = await client.post(
            f"/api/v1/ai-sessions/{session_id}/uploads",
            files=[("files", (name, data, "text/plain"))],
            headers=tenant.engineer.headers,
        )
        assert r.status_code == 415, name
    assert (
        await client.post(
            f"/api/v1/ai-sessions/{session_id}/uploads", headers=tenant.engineer.headers
        )
    ).status_code == 422


async def test_path_like_names_are_stored_safely_and_html_is_never_inline(
    client: httpx.AsyncClient, tenant: Tenant, session_id: str, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    html = b"<html><script>alert(1)</script></html>"
    files = [
        ("files", ("../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n", "text/plain")),
        ("files", ("page.html", html, "text/html")),
    ]
    r = await client.post(
        f"/api/v1/ai-sessions/{session_id}/uploads", files=files, headers=tenant.engineer.headers
    )
    assert r.status_code == 201, r.text
    passwd, page = r.json()
    assert passwd["original_name"] == "passwd"
    assert not (tmp_path.parent / "etc").exists()
    stored = list((tmp_path / "uploads").rglob("*"))
    assert all(".." not in str(p) and p.name != "passwd" for p in stored)
    served = await client.get(
        f"/api/v1/ai-sessions/{session_id}/uploads/{page['id']}/content",
        headers=tenant.engineer.headers,
    )
    assert served.headers["content-type"].startswith("text/plain")
    assert served.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in served.headers["content-security-policy"]


async def test_delete_removes_row_and_file(
    client: httpx.AsyncClient, tenant: Tenant, session_id: str, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    r = await client.post(
        f"/api/v1/ai-sessions/{session_id}/uploads",
        files=[("files", ("a.txt", b"hello", "text/plain"))],
        headers=tenant.engineer.headers,
    )
    uid = r.json()[0]["id"]
    assert len([p for p in (tmp_path / "uploads").rglob("*") if p.is_file()]) == 1
    assert (
        await client.delete(
            f"/api/v1/ai-sessions/{session_id}/uploads/{uid}", headers=tenant.engineer.headers
        )
    ).status_code == 204
    assert (
        await client.get(
            f"/api/v1/ai-sessions/{session_id}/uploads/{uid}", headers=tenant.engineer.headers
        )
    ).status_code == 404
    assert [p for p in (tmp_path / "uploads").rglob("*") if p.is_file()] == []


@pytest.mark.parametrize(
    ("encoded", "charset"),
    [
        (("\ufeff" + EVENT_LOG + "Benutzer: Jürgen\n").encode("utf-16-le"), "utf-16"),
        ((EVENT_LOG + "Benutzer: Jürgen\n").encode("utf-16-le"), "utf-16-le"),
        ((EVENT_LOG + "Benutzer: Jürgen\n").encode("cp1252"), "windows-1252"),
        ((EVENT_LOG + "Benutzer: Jürgen\n").encode("utf-8"), "utf-8"),
    ],
    ids=["utf-16-bom", "utf-16-no-bom", "windows-1252", "utf-8"],
)
async def test_text_is_served_in_the_encoding_it_was_written_in(
    client: httpx.AsyncClient, tenant: Tenant, session_id: str, encoded: bytes, charset: str
) -> None:
    """PowerShell 5 and regedit write UTF-16; labelling it UTF-8 shows the engineer mojibake."""
    h = tenant.engineer.headers
    files = [("files", ("System.log", encoded, "text/plain"))]
    r = await client.post(f"/api/v1/ai-sessions/{session_id}/uploads", files=files, headers=h)
    assert r.status_code == 201, r.text
    upload = r.json()[0]
    assert upload["kind"] == "text"
    served = await client.get(
        f"/api/v1/ai-sessions/{session_id}/uploads/{upload['id']}/content", headers=h
    )
    assert served.content == encoded
    assert served.headers["content-type"] == f"text/plain; charset={charset}"
    assert "Jürgen" in served.text and "Kernel-Power" in served.text
