"""NUL and other control characters get a clear 422 on every route (and never reach
PostgreSQL, whose error would carry the statement's parameters)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

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


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "multipart/form-data"])
async def test_a_chunked_body_over_the_limit_is_413_and_nothing_is_saved(
    client: httpx.AsyncClient, tenant: Tenant, content_type: str
) -> None:
    """No Content-Length (chunked transfer): the limit is found while reading, and the answer
    is still 413, not the 400 a cut-off body would otherwise get."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"problem_summary": "'
        for _ in range(40):
            yield b"x" * 64_000
        yield b'"}'

    h = {**tenant.engineer.headers, "content-type": content_type}
    r = await client.post("/api/v1/ai-sessions", content=chunks(), headers=h)
    assert "content-length" not in r.request.headers
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
    listed = await client.get("/api/v1/ai-sessions", headers=tenant.engineer.headers)
    assert listed.json()["total"] == 0


def test_after_an_unexpected_error_the_connection_keeps_serving(worker_database_uri: str) -> None:
    """A 500 must not cost the client its keep-alive connection: the next request on the same
    socket is answered, not reset."""

    from flowpilot.app import create_app
    from tests.conftest import make_settings
    from tests.live import serve

    app = create_app(make_settings(DATABASE_URL=worker_database_uri))

    @app.get("/test-only/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    app.router.routes.insert(0, app.router.routes.pop())  # ahead of the web app's catch-all

    live = serve(app)
    port = int(live.url.rsplit(":", 1)[1])
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            answers = []
            for path in ("/test-only/boom", "/healthz"):
                conn.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
                answers.append(_read_response(conn))
        assert answers[0].startswith(b"HTTP/1.1 500")
        assert b"internal_error" in answers[0]
        assert answers[1].startswith(b"HTTP/1.1 200"), answers[1]
    finally:
        live.stop()


def _read_response(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(
        next(
            line.split(b":")[1]
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
    )
    while len(body) < length:
        body += conn.recv(4096)
    return head + b"\r\n\r\n" + body
