"""Park / escalate / queue / claim / briefing through HTTP."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from tests.conftest import Tenant, add_member

JSON = {"Accept": "application/json"}


async def branched_session(client: httpx.AsyncClient, h: dict[str, str]) -> str:
    s = (
        await client.post(
            "/api/v1/ai-sessions",
            json={
                "problem_summary": "Users cannot reach the file server over VPN, "
                "names do not resolve"
            },
            headers=h,
        )
    ).json()
    base = f"/api/v1/ai-sessions/{s['id']}"
    await client.post(
        f"{base}/messages", json={"content": "cannot reach fs01"}, headers={**h, **JSON}
    )
    fork = await client.post(
        f"{base}/branches/fork",
        json={
            "fork_reason": "two causes",
            "options": [{"label": "DNS names do not resolve"}, {"label": "VPN will not connect"}],
        },
        headers=h,
    )
    dns, vpn = (b["id"] for b in fork.json()["branches"])
    await client.post(
        f"{base}/branches/{vpn}/message", json={"message": "tunnel is up"}, headers={**h, **JSON}
    )
    await client.patch(
        f"{base}/branches/{vpn}",
        json={"status": "dead_end", "status_reason": "Tunnel up, server answers ping by IP"},
        headers=h,
    )
    await client.post(f"{base}/branches/{dns}/switch", headers=h)
    return str(s["id"])


async def test_escalate_claim_brief_continue_resolve(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, maker
) -> None:  # type: ignore[no-untyped-def]
    a = tenant.engineer
    b = await add_member(maker, tenant, "engineer")
    sid = await branched_session(client, a.headers)
    base = f"/api/v1/ai-sessions/{sid}"

    preview = await client.post(
        f"{base}/handoff/preview", json={"intent": "escalate"}, headers=a.headers
    )
    assert preview.status_code == 200, preview.text
    assessment = preview.json()["assessment"]
    assert assessment["ruled_out"] == ["VPN will not connect: Tunnel up, server answers ping by IP"]
    assert assessment["likely_cause"].startswith("DNS names do not resolve")

    r = await client.post(
        f"{base}/handoff",
        json={
            "intent": "escalate",
            "engineer_notes": "Need someone with DC access",
            "priority": "elevated",
        },
        headers=a.headers,
    )
    assert r.status_code == 201, r.text
    handoff = r.json()
    assert handoff["status"] == "open" and handoff["ai_assessment_data"]["confidence"] in (
        "low",
        "medium",
        "high",
    )
    assert [br["status"] for br in handoff["snapshot"]["branches"]] == [
        "active",
        "active",
        "dead_end",
    ]
    session = (await client.get(base, headers=a.headers)).json()
    assert session["status"] == "escalated" and session["handoff_count"] == 1

    queue = (await client.get("/api/v1/ai-sessions/queue", headers=b.headers)).json()
    assert [i["session_id"] for i in queue["items"]] == [sid]
    item = queue["items"][0]
    assert (
        item["priority"] == "elevated" and item["branch_count"] == 3 and item["handed_off_by_name"]
    )

    notes = (await client.get("/api/v1/notifications", headers=b.headers)).json()
    assert notes["unread"] == 1 and notes["items"][0]["kind"] == "escalation"

    claim = await client.post(f"{base}/handoffs/{handoff['id']}/claim", headers=b.headers)
    assert claim.status_code == 200, claim.text
    assert claim.json()["claimed_by"] == str(b.user.id)
    again = await client.post(f"{base}/handoffs/{handoff['id']}/claim", headers=a.headers)
    assert again.status_code == 409 and again.json()["code"] == "already_claimed"

    brief = await client.get(f"{base}/handoffs/{handoff['id']}/briefing", headers=b.headers)
    assert brief.status_code == 200, brief.text
    text_ = brief.json()["briefing"]
    assert (
        "RULED OUT - VPN will not connect" in text_
        and "Tunnel up, server answers ping by IP" in text_
    )
    assert "Need someone with DC access" in text_

    session = (await client.get(base, headers=b.headers)).json()
    assert (
        session["status"] == "active"
        and session["assignee_id"] == str(b.user.id)
        and session["can_write"]
    )
    turn = await client.post(
        f"{base}/messages", json={"content": "nslookup fails"}, headers={**b.headers, **JSON}
    )
    assert turn.status_code == 200
    done = await client.patch(base, json={"status": "resolved"}, headers=b.headers)
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    assert (
        await client.get(base, headers=a.headers)
    ).status_code == 200  # the owner still reads it
    assert (await client.get("/api/v1/ai-sessions/queue", headers=b.headers)).json()["total"] == 0

    c = other_tenant.engineer
    assert (await client.get("/api/v1/ai-sessions/queue", headers=c.headers)).json()["items"] == []
    for method, url in [
        ("GET", base),
        ("GET", f"{base}/handoffs"),
        ("POST", f"{base}/handoffs/{handoff['id']}/claim"),
        ("GET", f"{base}/handoffs/{handoff['id']}/briefing"),
    ]:
        assert (await client.request(method, url, headers=c.headers)).status_code == 404


async def test_state_machine_refuses_bad_handoffs(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    h = tenant.engineer.headers
    s = (
        await client.post(
            "/api/v1/ai-sessions", json={"problem_summary": "Printer offline"}, headers=h
        )
    ).json()
    base = f"/api/v1/ai-sessions/{s['id']}"
    assert (
        await client.post(f"{base}/handoff", json={"intent": "escalate"}, headers=h)
    ).status_code == 201
    parked = await client.post(f"{base}/handoff", json={"intent": "park"}, headers=h)
    assert parked.status_code == 409 and parked.json()["code"] == "illegal_transition"
    await client.patch(base, json={"status": "resolved"}, headers=h)
    esc = await client.post(f"{base}/handoff", json={"intent": "escalate"}, headers=h)
    assert esc.status_code == 409
    assert (
        await client.post(f"{base}/handoff", json={"intent": "vanish"}, headers=h)
    ).status_code == 422
    assert (
        await client.post(
            f"{base}/handoff", json={"intent": "park", "priority": "urgent"}, headers=h
        )
    ).status_code == 422


async def test_park_then_escalate_replaces_the_open_handoff(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    h = tenant.engineer.headers
    s = (
        await client.post(
            "/api/v1/ai-sessions", json={"problem_summary": "Mailbox full"}, headers=h
        )
    ).json()
    base = f"/api/v1/ai-sessions/{s['id']}"
    park = await client.post(
        f"{base}/handoff",
        json={"intent": "park", "waiting_on": "Client to approve archive"},
        headers=h,
    )
    assert park.status_code == 201 and park.json()["waiting_on"] == "Client to approve archive"
    assert (await client.get(base, headers=h)).json()["status"] == "paused"
    esc = await client.post(f"{base}/handoff", json={"intent": "escalate"}, headers=h)
    assert esc.status_code == 201
    history = (await client.get(f"{base}/handoffs", headers=h)).json()
    assert [(x["intent"], x["status"]) for x in history] == [
        ("escalate", "open"),
        ("park", "cancelled"),
    ]


async def test_parked_time_accrues_and_owner_resumes(
    client: httpx.AsyncClient, tenant: Tenant, db
) -> None:  # type: ignore[no-untyped-def]
    h = tenant.engineer.headers
    s = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": "Slow PC"}, headers=h)
    ).json()
    base = f"/api/v1/ai-sessions/{s['id']}"
    # A controlled clock: the session has been active for 300 s.
    await db.execute(
        text(
            "UPDATE ai_sessions SET status_changed_at = now() - interval '300 seconds'"
            " WHERE id = :s"
        ),
        {"s": s["id"]},
    )
    await db.execute(
        text(
            "UPDATE session_work_intervals SET started_at = now() - interval '300 seconds'"
            " WHERE session_id = :s"
        ),
        {"s": s["id"]},
    )
    await db.commit()
    park = (
        await client.post(
            f"{base}/handoff", json={"intent": "park", "waiting_on": "user reboot"}, headers=h
        )
    ).json()
    got = (await client.get(base, headers=h)).json()
    assert 300 <= got["total_active_seconds"] < 310 and got["total_parked_seconds"] == 0
    # …then parked for 120 s.
    await db.execute(
        text(
            "UPDATE ai_sessions SET status_changed_at = now() - interval '120 seconds'"
            " WHERE id = :s"
        ),
        {"s": s["id"]},
    )
    await db.commit()
    resumed = await client.post(f"{base}/handoffs/{park['id']}/claim", headers=h)
    assert resumed.status_code == 200
    got = (await client.get(base, headers=h)).json()
    assert got["status"] == "active" and got["assignee_id"] is None
    assert 120 <= got["total_parked_seconds"] < 130
    time_ = (await client.get(f"{base}/time", headers=h)).json()
    assert len(time_["intervals"]) == 2 and time_["intervals"][0]["seconds"] >= 300
    assert time_["per_engineer"][0]["user_id"] == str(tenant.engineer.user.id)


async def test_queue_scope_filters_and_order(
    client: httpx.AsyncClient, tenant: Tenant, maker
) -> None:  # type: ignore[no-untyped-def]
    h = tenant.engineer.headers
    ids = []
    for summary, priority in [
        ("Printer offline", "normal"),
        ("VPN down for CEO", "elevated"),
        ("Disk space low", "normal"),
    ]:
        s = (
            await client.post("/api/v1/ai-sessions", json={"problem_summary": summary}, headers=h)
        ).json()
        await client.post(
            f"/api/v1/ai-sessions/{s['id']}/handoff",
            json={"intent": "escalate", "priority": priority},
            headers=h,
        )
        ids.append(s["id"])
    lead = await add_member(maker, tenant, "lead", team=False)
    outsider = await add_member(maker, tenant, "engineer", team=False)
    queue = (await client.get("/api/v1/ai-sessions/queue", headers=lead.headers)).json()
    assert [i["session_id"] for i in queue["items"]] == [ids[1], ids[0], ids[2]]
    assert (await client.get("/api/v1/ai-sessions/queue", headers=outsider.headers)).json()[
        "total"
    ] == 0
    elevated = (
        await client.get("/api/v1/ai-sessions/queue?priority=elevated", headers=lead.headers)
    ).json()
    assert [i["session_id"] for i in elevated["items"]] == [ids[1]]
    page = (
        await client.get("/api/v1/ai-sessions/queue?limit=1&offset=1", headers=lead.headers)
    ).json()
    assert page["total"] == 3 and [i["session_id"] for i in page["items"]] == [ids[0]]
    assert (
        await client.get("/api/v1/ai-sessions/queue?intent=nap", headers=lead.headers)
    ).status_code == 422


async def test_escalation_to_another_team_reaches_its_members(
    client: httpx.AsyncClient, tenant: Tenant, maker, db
) -> None:  # type: ignore[no-untyped-def]
    h = tenant.admin.headers
    team = (await client.post("/api/v1/teams", json={"name": "Escalations"}, headers=h)).json()
    specialist = await add_member(maker, tenant, "engineer", team=False)
    await client.patch(
        f"/api/v1/users/{specialist.user.id}", json={"team_ids": [team["id"]]}, headers=h
    )
    s = (
        await client.post(
            "/api/v1/ai-sessions",
            json={"problem_summary": "GPO not applying"},
            headers=tenant.engineer.headers,
        )
    ).json()
    base = f"/api/v1/ai-sessions/{s['id']}"
    assert (await client.get(base, headers=specialist.headers)).status_code == 404
    r = await client.post(
        f"{base}/handoff",
        json={"intent": "escalate", "target_team_id": team["id"]},
        headers=tenant.engineer.headers,
    )
    assert r.status_code == 201
    queue = (await client.get("/api/v1/ai-sessions/queue", headers=specialist.headers)).json()
    assert queue["items"][0]["target_team_name"] == "Escalations"
    assert (
        await client.post(f"{base}/handoffs/{r.json()['id']}/claim", headers=specialist.headers)
    ).status_code == 200
    bad = await client.post(
        f"{base}/handoff",
        json={"intent": "escalate", "target_team_id": "00000000-0000-0000-0000-000000000000"},
        headers=specialist.headers,
    )
    assert bad.status_code == 404


async def test_a_claim_honours_the_target_team(
    client: httpx.AsyncClient, tenant: Tenant, maker
) -> None:  # type: ignore[no-untyped-def]
    admin = tenant.admin.headers
    network = (await client.post("/api/v1/teams", json={"name": "Network"}, headers=admin)).json()
    outsider = await add_member(maker, tenant, "engineer")  # Service Desk, not Network
    lead = await add_member(maker, tenant, "lead")  # Service Desk lead
    s = (
        await client.post(
            "/api/v1/ai-sessions",
            json={"problem_summary": "Switch loop at the branch office"},
            headers=tenant.engineer.headers,
        )
    ).json()
    base = f"/api/v1/ai-sessions/{s['id']}"
    handoff = await client.post(
        f"{base}/handoff",
        json={"intent": "escalate", "target_team_id": network["id"]},
        headers=tenant.engineer.headers,
    )
    hid = handoff.json()["id"]
    refused = await client.post(f"{base}/handoffs/{hid}/claim", headers=outsider.headers)
    assert refused.status_code == 403 and refused.json()["code"] == "wrong_team"
    assert "Network" in refused.json()["detail"]
    taken = await client.post(f"{base}/handoffs/{hid}/claim", headers=lead.headers)
    assert taken.status_code == 200, taken.text
    history = (await client.get(f"{base}/handoffs", headers=lead.headers)).json()
    claimed = next(x for x in history if x["id"] == hid)
    assert claimed["claim_note"] == "Claimed by a lead from outside the Network team"


async def test_mark_seen_notifications_read_and_only_ones_own(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, maker
) -> None:
    a = tenant.engineer
    b = await add_member(maker, tenant, "engineer")
    for problem in ("Printer queue stuck on the 2nd floor", "Mapped drive H: missing at logon"):
        s = (
            await client.post(
                "/api/v1/ai-sessions", json={"problem_summary": problem}, headers=a.headers
            )
        ).json()
        r = await client.post(
            f"/api/v1/ai-sessions/{s['id']}/handoff", json={"intent": "escalate"}, headers=a.headers
        )
        assert r.status_code == 201, r.text
    notes = (await client.get("/api/v1/notifications", headers=b.headers)).json()
    assert notes["unread"] == 2
    first, second = (n["id"] for n in notes["items"])

    # The menu marks what it showed: only those ids.
    r = await client.post(
        "/api/v1/notifications/read-all", json={"ids": [first]}, headers=b.headers
    )
    assert r.status_code == 204, r.text
    notes = (await client.get("/api/v1/notifications", headers=b.headers)).json()
    assert notes["unread"] == 1
    assert {n["id"]: n["read_at"] is not None for n in notes["items"]} == {
        first: True,
        second: False,
    }
    # Someone else's ids are ignored, in the same account or another one.
    for intruder in (a, other_tenant.engineer):
        r = await client.post(
            "/api/v1/notifications/read-all", json={"ids": [second]}, headers=intruder.headers
        )
        assert r.status_code == 204, r.text
    assert (await client.get("/api/v1/notifications", headers=b.headers)).json()["unread"] == 1

    # Without a body: everything.
    r = await client.post("/api/v1/notifications/read-all", headers=b.headers)
    assert r.status_code == 204, r.text
    assert (await client.get("/api/v1/notifications", headers=b.headers)).json()["unread"] == 0


async def test_an_escalation_carries_its_due_time_to_the_queue(client, tenant, db) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    h = tenant.engineer.headers
    sid = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": "VPN down"}, headers=h)
    ).json()["id"]
    base = f"/api/v1/ai-sessions/{sid}/handoff"
    for bad in (
        (datetime.now(UTC) - timedelta(hours=1)).isoformat(),  # past
        (datetime.now(UTC) + timedelta(days=400)).isoformat(),  # too far
        "2031-01-01T09:00:00",  # no time zone
    ):
        r = await client.post(base, json={"intent": "escalate", "due_at": bad}, headers=h)
        assert r.status_code == 422, bad
    due = (datetime.now(UTC) + timedelta(hours=4)).replace(microsecond=0)
    r = await client.post(base, json={"intent": "escalate", "due_at": due.isoformat()}, headers=h)
    assert r.status_code == 201, r.text
    assert datetime.fromisoformat(r.json()["due_at"]) == due
    [item] = (await client.get("/api/v1/ai-sessions/queue", headers=tenant.admin.headers)).json()[
        "items"
    ]
    assert datetime.fromisoformat(item["due_at"]) == due and item["overdue"] is False
    # Time passes: the queue says it is overdue.
    await db.execute(
        text("UPDATE session_handoffs SET due_at = now() - interval '5 minutes' WHERE id = :h"),
        {"h": r.json()["id"]},
    )
    await db.commit()
    [item] = (await client.get("/api/v1/ai-sessions/queue", headers=tenant.admin.headers)).json()[
        "items"
    ]
    assert item["overdue"] is True


async def test_a_message_on_a_parked_session_resumes_it_and_settles_its_handoff(
    client: httpx.AsyncClient, tenant: Tenant, db
) -> None:  # type: ignore[no-untyped-def]
    h = tenant.engineer.headers
    s = (
        await client.post(
            "/api/v1/ai-sessions", json={"problem_summary": "Printer offline"}, headers=h
        )
    ).json()
    base = f"/api/v1/ai-sessions/{s['id']}"
    park = await client.post(
        f"{base}/handoff", json={"intent": "park", "waiting_on": "the client's call"}, headers=h
    )
    assert park.status_code == 201, park.text
    said = await client.post(
        f"{base}/messages", json={"content": "client called back"}, headers={**h, **JSON}
    )
    assert said.status_code == 200, said.text
    assert (await client.get(base, headers=h)).json()["status"] == "active"
    # The sessions domain changed the status; the handoffs domain settled its handoff.
    row = (
        await db.execute(
            text("SELECT status, claimed_by FROM session_handoffs WHERE id = :i"),
            {"i": park.json()["id"]},
        )
    ).one()
    assert row.status == "claimed" and str(row.claimed_by) == str(tenant.engineer.user.id)
