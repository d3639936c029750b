"""The audit trail: each audited action leaves exactly one row, in the account that did it."""

from __future__ import annotations

import httpx

from tests.conftest import PASSWORD, Tenant, add_member

JSON = {"Accept": "application/json"}


async def _events(client: httpx.AsyncClient, member, **params) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    r = await client.get("/api/v1/audit", params={"limit": 500, **params}, headers=member.headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


async def test_each_audited_action_leaves_one_row(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, maker, psa
) -> None:  # type: ignore[no-untyped-def]
    admin, eng = tenant.admin, tenant.engineer
    a, e = admin.headers, eng.headers
    # sign-ins
    await client.post("/api/v1/auth/login", json={"email": eng.user.email, "password": PASSWORD})
    await client.post("/api/v1/auth/login", json={"email": eng.user.email, "password": "wrong-pw"})
    # a session read, an upload read
    sid = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": "VPN down"}, headers=e)
    ).json()["id"]
    await client.get(f"/api/v1/ai-sessions/{sid}", headers=e)
    up = await client.post(
        f"/api/v1/ai-sessions/{sid}/uploads",
        files=[("files", ("log.txt", b"event 4625", "text/plain"))],
        headers=e,
    )
    await client.get(f"/api/v1/ai-sessions/{sid}/uploads/{up.json()[0]['id']}/content", headers=e)
    # settings
    conn = await client.post(
        "/api/v1/psa-connections",
        json={
            "vendor": "halo",
            "name": "Halo",
            "settings": {"base_url": f"{psa.url}/halo", "client_id": "fp"},
            "secrets": {"client_secret": "halo-secret"},
        },
        headers=a,
    )
    cid = conn.json()["id"]
    await client.patch(f"/api/v1/psa-connections/{cid}", json={"name": "Halo 2"}, headers=a)
    await client.get(f"/api/v1/psa-connections/{cid}/tickets/4242", headers=e)
    await client.delete(f"/api/v1/psa-connections/{cid}", headers=a)
    # people
    new = await client.post(
        "/api/v1/users",
        json={"email": "temp.hire@example.com", "password": "long-enough-pw"},
        headers=a,
    )
    uid = new.json()["id"]
    await client.patch(f"/api/v1/users/{uid}", json={"role": "lead"}, headers=a)
    await client.patch(f"/api/v1/users/{uid}", json={"is_active": False}, headers=a)
    team = (await client.post("/api/v1/teams", json={"name": "Net"}, headers=a)).json()
    await client.patch(f"/api/v1/users/{uid}", json={"team_ids": [team["id"]]}, headers=a)
    # documents
    tree = (await client.get(f"/api/v1/ai-sessions/{sid}/branches", headers=e)).json()
    await client.patch(
        f"/api/v1/ai-sessions/{sid}/branches/{tree['active_branch_id']}",
        json={
            "status": "solved",
            "status_reason": "Rebooted the firewall",
            "resolve_session": True,
        },
        headers=e,
    )
    outputs = (await client.post(f"/api/v1/ai-sessions/{sid}/outputs/generate", headers=e)).json()[
        "outputs"
    ]
    notes = next(o for o in outputs if o["output_type"] == "psa_ticket_notes")
    await client.patch(
        f"/api/v1/ai-sessions/{sid}/outputs/{notes['id']}", json={"status": "approved"}, headers=e
    )
    await client.post(
        f"/api/v1/ai-sessions/{sid}/outputs/{notes['id']}/push",
        json={"destination": "clipboard"},
        headers=e,
    )
    # an assignment and a claim
    lead = await add_member(maker, tenant, "lead")
    s2 = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": "DNS"}, headers=e)
    ).json()["id"]
    handoff = await client.post(
        f"/api/v1/ai-sessions/{s2}/handoff",
        json={"intent": "escalate", "assignee_id": str(admin.user.id)},
        headers=e,
    )
    await client.post(
        f"/api/v1/ai-sessions/{s2}/handoffs/{handoff.json()['id']}/claim", headers=lead.headers
    )

    events = await _events(client, admin)
    counts: dict[str, int] = {}
    for ev in events:
        counts[ev["action"]] = counts.get(ev["action"], 0) + 1
    assert counts.pop("settings.psa_connection") == 3  # create, update, delete
    assert counts.pop("team.change") == 1
    assert counts.pop("session.read") == 1
    assert all(n == 1 for n in counts.values()), counts
    assert set(counts) == {
        "auth.sign_in", "auth.sign_in_failed", "upload.read", "ticket.preview", "user.create",
        "user.role", "user.deactivate", "user.teams", "output.approve", "output.copy",
        "handoff.assign", "handoff.claim",
    }  # fmt: skip
    sign_in = next(ev for ev in events if ev["action"] == "auth.sign_in")
    assert sign_in["actor_email"] == eng.user.email and sign_in["object_id"]
    read = next(ev for ev in events if ev["action"] == "session.read")
    assert read["actor_id"] == str(eng.user.id) and read["object_id"] == sid

    filtered = await _events(client, admin, action="output.copy")
    assert [ev["detail"]["destination"] for ev in filtered] == ["clipboard"]
    assert await _events(client, other_tenant.admin) == []
    denied = await client.get("/api/v1/audit", headers=e)
    assert denied.status_code == 403


async def test_retention_prunes_only_old_events(db, tenant: Tenant) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from flowpilot.audit.tasks import prune

    for age in (400, 10):
        await db.execute(
            text(
                "INSERT INTO audit_events (id, created_at, account_id, actor_email, action, "
                "object_type, object_id, ip, detail) VALUES (gen_random_uuid(), "
                "now() - make_interval(days => :d), :a, '', 'session.read', 'session', '', '', "
                "'{}'::jsonb)"
            ),  # fmt: skip
            {"d": age, "a": tenant.account.id},
        )
    assert await prune(db, 365) == 1
    left = await db.scalar(
        text("SELECT count(*) FROM audit_events WHERE account_id = :a"), {"a": tenant.account.id}
    )
    assert left == 1
