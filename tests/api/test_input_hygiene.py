"""NUL and other control characters get a clear 422 on every route (and never reach
PostgreSQL, whose error would carry the statement's parameters)."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Tenant


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b"])
async def test_control_characters_are_refused_everywhere(
    client: httpx.AsyncClient, tenant: Tenant, char: str
) -> None:
    h = tenant.engineer.headers
    sid = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": "DNS down"}, headers=h)
    ).json()["id"]
    attempts = [
        client.post("/api/v1/auth/login", json={"email": f"a{char}@x.com", "password": "x" * 12}),
        client.post("/api/v1/ai-sessions", json={"problem_summary": f"DNS{char} down"}, headers=h),
        client.post(
            f"/api/v1/ai-sessions/{sid}/messages", json={"content": f"hi{char}"}, headers=h
        ),
        client.patch(f"/api/v1/ai-sessions/{sid}", json={"title": f"t{char}"}, headers=h),
        client.post("/api/v1/teams", json={"name": f"Net{char}"}, headers=tenant.admin.headers),
        client.get("/api/v1/library/search", params={"q": f"dns{char}"}, headers=h),
        client.get("/api/v1/ai-sessions", params={"q": f"x{char}"}, headers=h),
        client.post(
            "/api/v1/library/playbooks",
            json={"guide": {"title": f"x{char}"}},
            headers=tenant.admin.headers,
        ),  # fmt: skip
    ]
    for attempt in attempts:
        r = await attempt
        assert r.status_code == 422, (r.request.url, r.status_code, r.text)
        assert r.json()["code"] == "control_characters"


async def test_tabs_and_newlines_are_ordinary_text(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    r = await client.post(
        "/api/v1/ai-sessions",
        json={"problem_summary": "Line one\n\tindented line two\r\n"},
        headers=tenant.engineer.headers,
    )
    assert r.status_code == 201, r.text
    bad_json = await client.post(
        "/api/v1/ai-sessions",
        content=b'{"problem_summary": "unterminated',
        headers={**tenant.engineer.headers, "content-type": "application/json"},
    )
    assert bad_json.status_code == 422


def test_database_errors_hide_statement_parameters(app) -> None:  # type: ignore[no-untyped-def]
    from flowpilot.db.engine import Database

    db = Database("postgresql://u:p@127.0.0.1:1/x", pool_size=1, max_overflow=0)
    assert db.engine.sync_engine.hide_parameters is True


async def test_security_headers_on_the_app_and_the_api(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/health", "/", "/sessions/00000000-0000-0000-0000-000000000000"):
        r = await client.get(path)
        csp = r.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, path
        assert "img-src 'self' data: blob:" in csp
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"


async def test_names_and_numbers_are_bounded(client: httpx.AsyncClient, tenant: Tenant) -> None:
    a = tenant.admin.headers
    blank = await client.post("/api/v1/teams", json={"name": "   "}, headers=a)
    assert blank.status_code == 422
    spaced = await client.post("/api/v1/teams", json={"name": "  Net   Ops "}, headers=a)
    assert spaced.json()["name"] == "Net Ops"
    huge = await client.put(
        "/api/v1/hudu-settings",
        json={"base_url": "https://docs.example.com", "api_key": "k" * 20, "company_id": 2**40},
        headers=a,
    )
    assert huge.status_code == 422


async def test_bidi_overrides_are_removed_from_upload_names(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    h = tenant.engineer.headers
    sid = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": "Odd file"}, headers=h)
    ).json()["id"]
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/uploads",
        files=[("files", ("invoice\u202efdp.exe.txt", b"hello", "text/plain"))],
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert r.json()[0]["original_name"] == "invoicefdp.exe.txt"
