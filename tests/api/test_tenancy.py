"""Tenancy by construction: every route that takes an id answers 404 to another account.

ROUTES is the table; test_every_id_route_is_in_the_table fails when a new route is added
without a line here.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import text

from flowpilot.library.models import LibraryEntry
from tests.conftest import Tenant, assert_cross_tenant_404

FORK = {"fork_reason": "two ideas", "options": [{"label": "a"}, {"label": "b"}]}
FILES = {"__multipart__": True}
REVIVE = {"evidence_from_branch_id": "{root_id}", "evidence_description": "new evidence"}

# (method, path template, JSON body). Ids come from objects owned by tenant A.
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/v1/users/{user_id}", None),
    ("PATCH", "/api/v1/users/{user_id}", {"full_name": "x"}),
    ("GET", "/api/v1/teams/{team_id}", None),
    ("GET", "/api/v1/teams/{team_id}/members", None),
    ("PATCH", "/api/v1/teams/{team_id}", {"name": "x"}),
    ("DELETE", "/api/v1/teams/{team_id}", None),
    ("GET", "/api/v1/ai-sessions/{session_id}", None),
    ("PATCH", "/api/v1/ai-sessions/{session_id}", {"title": "pwned"}),
    ("GET", "/api/v1/ai-sessions/{session_id}/messages", None),
    ("POST", "/api/v1/ai-sessions/{session_id}/messages", {"content": "hi"}),
    ("POST", "/api/v1/ai-sessions/{session_id}/messages/{message_id}/retry", None),
    ("POST", "/api/v1/ai-sessions/{session_id}/messages/{message_id}/edit", {"content": "x"}),
    ("POST", "/api/v1/ai-sessions/{session_id}/messages/{message_id}/regenerate", None),
    ("POST", "/api/v1/ai-sessions/{session_id}/messages/{message_id}/stop", None),
    ("GET", "/api/v1/ai-sessions/{session_id}/steps", None),
    ("PATCH", "/api/v1/ai-sessions/{session_id}/steps/{step_id}", {"state": "skipped"}),
    ("GET", "/api/v1/library/entries/{entry_id}", None),
    ("GET", "/api/v1/library/playbooks/{entry_id}", None),
    ("PATCH", "/api/v1/library/playbooks/{entry_id}", {"content": "# x", "format": "markdown"}),
    ("POST", "/api/v1/library/playbooks/{entry_id}/copy", None),
    ("POST", "/api/v1/library/playbooks/{entry_id}/retire", None),
    ("POST", "/api/v1/library/playbooks/{entry_id}/restore", None),
    ("GET", "/api/v1/library/playbooks/{entry_id}/versions", None),
    ("GET", "/api/v1/library/playbooks/{entry_id}/versions/{version}", None),
    ("GET", "/api/v1/ai-sessions/{session_id}/branches", None),
    ("POST", "/api/v1/ai-sessions/{session_id}/branches/fork", FORK),
    ("GET", "/api/v1/ai-sessions/{session_id}/branches/compare?a={branch_id}&b={root_id}", None),
    ("PATCH", "/api/v1/ai-sessions/{session_id}/branches/{branch_id}", {"label": "x"}),
    ("POST", "/api/v1/ai-sessions/{session_id}/branches/{branch_id}/switch", None),
    ("POST", "/api/v1/ai-sessions/{session_id}/branches/{branch_id}/revive", REVIVE),
    ("GET", "/api/v1/ai-sessions/{session_id}/branches/{branch_id}/messages", None),
    ("POST", "/api/v1/ai-sessions/{session_id}/branches/{branch_id}/message", {"message": "hi"}),
    ("POST", "/api/v1/ai-sessions/{session_id}/handoff/preview", {"intent": "park"}),
    ("POST", "/api/v1/ai-sessions/{session_id}/handoff", {"intent": "park"}),
    ("GET", "/api/v1/ai-sessions/{escalated_id}/handoffs", None),
    ("POST", "/api/v1/ai-sessions/{escalated_id}/handoffs/{handoff_id}/claim", None),
    ("GET", "/api/v1/ai-sessions/{escalated_id}/handoffs/{handoff_id}/briefing", None),
    ("GET", "/api/v1/ai-sessions/{session_id}/time", None),
    ("POST", "/api/v1/notifications/{notification_id}/read", None),
    ("POST", "/api/v1/ai-sessions/{session_id}/uploads", FILES),
    ("GET", "/api/v1/ai-sessions/{session_id}/uploads", None),
    ("GET", "/api/v1/ai-sessions/{session_id}/uploads/{upload_id}", None),
    ("GET", "/api/v1/ai-sessions/{session_id}/uploads/{upload_id}/content", None),
    ("POST", "/api/v1/ai-sessions/{session_id}/uploads/{upload_id}/describe", None),
    ("DELETE", "/api/v1/ai-sessions/{session_id}/uploads/{upload_id}", None),
    ("GET", "/api/v1/ai-sessions/{session_id}/outputs", None),
    ("GET", "/api/v1/ai-sessions/{session_id}/redactions", None),
    ("GET", "/api/v1/ai-sessions/{session_id}/usage", None),
    ("POST", "/api/v1/ai-sessions/{session_id}/outputs/generate", None),
    ("PATCH", "/api/v1/ai-sessions/{session_id}/outputs/{output_id}", {"status": "approved"}),
    ("GET", "/api/v1/ai-sessions/{session_id}/outputs/{output_id}/versions", None),
    (
        "POST",
        "/api/v1/ai-sessions/{session_id}/outputs/{output_id}/push",
        {"destination": "clipboard"},
    ),
    ("GET", "/api/v1/ai-sessions/{session_id}/outputs/{output_id}/pushes", None),
    ("PATCH", "/api/v1/psa-connections/{connection_id}", {"name": "mine now"}),
    ("DELETE", "/api/v1/psa-connections/{connection_id}", None),
    ("POST", "/api/v1/psa-connections/{connection_id}/test", None),
    ("GET", "/api/v1/psa-connections/{connection_id}/tickets?q=vpn", None),
    ("GET", "/api/v1/psa-connections/{connection_id}/tickets/{ticket_id}", None),
    ("GET", "/api/v1/psa-connections/{connection_id}/people", None),
    ("POST", "/api/v1/psa-connections/{connection_id}/people/{user_id}/lookup", None),
    ("PUT", "/api/v1/psa-connections/{connection_id}/people/{user_id}", {"person_id": "5"}),
    ("DELETE", "/api/v1/psa-connections/{connection_id}/people/{user_id}", None),
    ("DELETE", "/api/v1/ai-prices/{price_id}", None),
]


@pytest.fixture
async def owned(client: httpx.AsyncClient, tenant: Tenant, db) -> dict[str, str]:  # type: ignore[no-untyped-def]
    h = tenant.engineer.headers
    s = (
        await client.post(
            "/api/v1/ai-sessions", json={"problem_summary": "DNS broken at HQ"}, headers=h
        )
    ).json()
    turn = await client.post(
        f"/api/v1/ai-sessions/{s['id']}/messages",
        json={"content": "DNS broken"},
        headers={**h, "Accept": "application/json"},
    )
    root_id = s["active_branch_id"]
    step_id = await db.scalar(
        text("SELECT id FROM ai_session_steps WHERE session_id = :s AND state = 'suggested'"),
        {"s": s["id"]},
    )
    fork = await client.post(f"/api/v1/ai-sessions/{s['id']}/branches/fork", json=FORK, headers=h)
    entry = LibraryEntry(
        account_id=tenant.account.id,
        kind="kb_article",
        slug="private-article",
        title="Private",
        domain="DNS",
        summary="",
        keywords_text="",
        body="",
        steps=[],
        content_hash="",
    )
    db.add(entry)
    await db.commit()
    escalated = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": "VPN down"}, headers=h)
    ).json()
    handoff = await client.post(
        f"/api/v1/ai-sessions/{escalated['id']}/handoff", json={"intent": "escalate"}, headers=h
    )
    notification = await db.scalar(
        text("SELECT id FROM notifications WHERE handoff_id = :h"), {"h": handoff.json()["id"]}
    )
    upload = await client.post(
        f"/api/v1/ai-sessions/{s['id']}/uploads",
        files=[("files", ("note.txt", b"private notes", "text/plain"))],
        headers=h,
    )
    outputs = await client.post(f"/api/v1/ai-sessions/{s['id']}/outputs/generate", headers=h)
    connection = await client.post(
        "/api/v1/psa-connections",
        json={
            "vendor": "halo",
            "name": "Private Halo",
            "settings": {"base_url": "https://halo.invalid", "client_id": "x"},
            "secrets": {"client_secret": "private-secret"},
        },
        headers=tenant.admin.headers,
    )
    price = {
        "provider": "openai",
        "model_prefix": "gpt-4o",
        "input_per_million": 2,
        "output_per_million": 8,
        "cache_write_per_million": 0,
        "cache_read_per_million": 1,
    }
    prices = await client.put("/api/v1/ai-prices", json=price, headers=tenant.admin.headers)
    return {
        "price_id": next(r["id"] for r in prices.json()["rows"] if r["source"] == "override"),
        "connection_id": connection.json()["id"],
        "ticket_id": "4242",
        "output_id": outputs.json()["outputs"][0]["id"],
        "upload_id": upload.json()[0]["id"],
        "escalated_id": escalated["id"],
        "handoff_id": handoff.json()["id"],
        "notification_id": str(notification),
        "user_id": str(tenant.engineer.user.id),
        "team_id": str(tenant.team.id),
        "session_id": s["id"],
        "message_id": turn.json()["user_message"]["id"],
        "entry_id": str(entry.id),
        "step_id": str(step_id),
        "version": "1",
        "branch_id": fork.json()["branches"][0]["id"],
        "root_id": root_id,
    }


@pytest.mark.parametrize(
    ("method", "template", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES]
)
async def test_other_account_gets_404(
    client: httpx.AsyncClient,
    other_tenant: Tenant,
    owned: dict[str, str],
    method: str,
    template: str,
    body: dict[str, Any] | None,
) -> None:
    kwargs: dict[str, Any] = {"json": _fill(body, owned)} if body is not None else {}
    if body is FILES:
        kwargs = {"files": [("files", ("note.txt", b"hello", "text/plain"))]}
    await assert_cross_tenant_404(
        client, method, template.format(**owned), other_tenant.admin, **kwargs
    )


def _fill(body: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    return {k: v.format(**ids) if isinstance(v, str) else v for k, v in body.items()}


async def test_lists_never_show_another_account(
    client: httpx.AsyncClient, other_tenant: Tenant, owned: dict[str, str]
) -> None:
    h = other_tenant.admin.headers
    body = " ".join(
        [
            (await client.get("/api/v1/users", headers=h)).text,
            (await client.get("/api/v1/teams", headers=h)).text,
            (await client.get("/api/v1/ai-sessions?scope=all", headers=h)).text,
            (await client.get("/api/v1/library/search?q=private", headers=h)).text,
            (await client.get("/api/v1/library/playbooks?status=all", headers=h)).text,
            (await client.get("/api/v1/audit?limit=500", headers=h)).text,
            (await client.get("/api/v1/ai-sessions/queue", headers=h)).text,
            (await client.get("/api/v1/notifications", headers=h)).text,
            (await client.get("/api/v1/psa-connections", headers=h)).text,
        ]
    )
    # Ticket numbers and version numbers are not secrets (and short digit runs appear in ids).
    for key, value in owned.items():
        assert key in ("version", "ticket_id") or value not in body, key


def test_every_id_route_is_in_the_table(app) -> None:  # type: ignore[no-untyped-def]
    declared = {(m, p.split("?")[0]) for m, p, _ in ROUTES}
    missing = []
    for route in app.routes:
        if isinstance(route, APIRoute) and route.path.startswith("/api/") and "{" in route.path:
            for method in route.methods - {"HEAD"}:
                if (method, route.path) not in declared:
                    missing.append(f"{method} {route.path}")
    assert not missing, f"add a cross-tenant line to ROUTES for: {missing}"
