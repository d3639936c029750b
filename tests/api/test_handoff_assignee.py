"""Handing a session to a named colleague: validation, notification, queue filter, claim by
someone covering, the audit trail and the team-members list, through HTTP."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import text

from flowpilot.ai.offline import OfflineProvider
from flowpilot.handoffs.tasks import send_handoff_notifications
from flowpilot.jobs.runtime import Runtime, set_runtime
from tests.conftest import Member, Tenant, add_member, make_settings
from tests.fakes.smtp import smtp_inbox

QUEUE = "/api/v1/ai-sessions/queue"


async def _session(client: httpx.AsyncClient, member: Member, problem: str) -> str:
    r = await client.post(
        "/api/v1/ai-sessions", json={"problem_summary": problem}, headers=member.headers
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _queue(client: httpx.AsyncClient, member: Member, **params: str) -> list[dict]:  # type: ignore[type-arg]
    r = await client.get(QUEUE, params=params, headers=member.headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


async def test_assign_notifies_the_assignee_and_the_queue_filters_by_it(
    client: httpx.AsyncClient, tenant: Tenant, maker, db
) -> None:  # type: ignore[no-untyped-def]
    a = tenant.engineer
    b = await add_member(maker, tenant, "engineer")
    c = await add_member(maker, tenant, "engineer")
    await db.execute(
        text("UPDATE users SET full_name = 'Bea Assigned' WHERE id = :u"), {"u": b.user.id}
    )
    await db.commit()

    named = await _session(client, a, "Exchange mail flow stopped for the office")
    r = await client.post(
        f"/api/v1/ai-sessions/{named}/handoff",
        json={"intent": "escalate", "assignee_id": str(b.user.id), "engineer_notes": "DC access"},
        headers=a.headers,
    )
    assert r.status_code == 201, r.text
    handoff = r.json()
    assert handoff["assignee_id"] == str(b.user.id) and handoff["assignee_name"] == "Bea Assigned"
    # The session history says so too.
    [listed] = (await client.get(f"/api/v1/ai-sessions/{named}/handoffs", headers=a.headers)).json()
    assert listed["assignee_name"] == "Bea Assigned"

    open_ = await _session(client, a, "Printer offline on the second floor")
    r = await client.post(
        f"/api/v1/ai-sessions/{open_}/handoff", json={"intent": "escalate"}, headers=a.headers
    )
    assert r.status_code == 201 and r.json()["assignee_id"] is None

    # The assignee gets one notification naming them; the rest of the team the usual one.
    notes_b = (await client.get("/api/v1/notifications", headers=b.headers)).json()["items"]
    assert sorted((n["kind"], n["title"]) for n in notes_b) == [
        ("escalation", "Escalated: Printer offline on the second floor"),
        ("handoff_assigned", "Assigned to you: Exchange mail flow stopped for the office"),
    ]
    assigned_note = next(n for n in notes_b if n["kind"] == "handoff_assigned")
    assert assigned_note["handoff_id"] == handoff["id"]
    assert "assigned it to you" in assigned_note["body"] and "DC access" in assigned_note["body"]
    notes_c = (await client.get("/api/v1/notifications", headers=c.headers)).json()["items"]
    assert sorted(n["kind"] for n in notes_c) == ["escalation", "escalation"]

    # The queue: every item carries its assignee; the filter narrows it.
    everything = await _queue(client, c)
    assert {i["session_id"]: i["assignee_name"] for i in everything} == {
        named: "Bea Assigned",
        open_: None,
    }
    assert {i["session_id"] for i in await _queue(client, c, assigned="anyone")} == {named, open_}
    assert [i["session_id"] for i in await _queue(client, b, assigned="me")] == [named]
    assert await _queue(client, c, assigned="me") == []
    assert [i["session_id"] for i in await _queue(client, b, assigned="unassigned")] == [open_]
    # Existing filters still combine with it.
    assert await _queue(client, b, assigned="me", intent="park") == []
    bad = await client.get(QUEUE, params={"assigned": "someone"}, headers=b.headers)
    assert bad.status_code == 422

    # Audited: who assigned whom.
    events = (
        await client.get(
            "/api/v1/audit", params={"action": "handoff.assign"}, headers=tenant.admin.headers
        )
    ).json()["items"]
    assert [(e["object_id"], e["detail"]["assignee_id"], e["actor_id"]) for e in events] == [
        (handoff["id"], str(b.user.id), str(a.user.id))
    ]


async def test_someone_else_may_claim_it_and_the_briefing_says_whose_it_was(
    client: httpx.AsyncClient, tenant: Tenant, maker, db
) -> None:  # type: ignore[no-untyped-def]
    a = tenant.engineer
    b = await add_member(maker, tenant, "engineer")
    lead = await add_member(maker, tenant, "lead")
    for member, name in ((b, "Bea Sick"), (lead, "Lee Lead")):
        await db.execute(
            text("UPDATE users SET full_name = :n WHERE id = :u"), {"n": name, "u": member.user.id}
        )
    await db.commit()
    sid = await _session(client, a, "VPN drops every hour at the Leeds office")
    base = f"/api/v1/ai-sessions/{sid}"
    r = await client.post(
        f"{base}/handoff",
        json={"intent": "park", "waiting_on": "ISP ticket", "assignee_id": str(b.user.id)},
        headers=a.headers,
    )
    assert r.status_code == 201, r.text
    hid = r.json()["id"]
    # A parked handoff notifies its assignee as well (in the app).
    notes = (await client.get("/api/v1/notifications", headers=b.headers)).json()["items"]
    assert [n["kind"] for n in notes] == ["handoff_assigned"]
    assert "parked this session" in notes[0]["body"] and "ISP ticket" in notes[0]["body"]

    claim = await client.post(f"{base}/handoffs/{hid}/claim", headers=lead.headers)
    assert claim.status_code == 200, claim.text
    claimed = claim.json()
    assert claimed["claimed_by"] == str(lead.user.id)
    assert claimed["assignee_id"] == str(b.user.id) and claimed["assignee_name"] == "Bea Sick"
    brief = await client.get(f"{base}/handoffs/{hid}/briefing", headers=lead.headers)
    assert brief.status_code == 200, brief.text
    assert "Assigned to Bea Sick; Lee Lead picked it up." in brief.json()["briefing"]
    assert brief.json()["handoff"]["assignee_name"] == "Bea Sick"
    # The claim's audit row says whom the lead covered for.
    [event] = (
        await client.get(
            "/api/v1/audit", params={"action": "handoff.claim"}, headers=tenant.admin.headers
        )
    ).json()["items"]
    assert event["detail"]["assignee_id"] == str(b.user.id)


async def test_the_assignee_claiming_it_is_an_ordinary_claim(
    client: httpx.AsyncClient, tenant: Tenant, maker
) -> None:  # type: ignore[no-untyped-def]
    a = tenant.engineer
    b = await add_member(maker, tenant, "engineer")
    sid = await _session(client, a, "Mapped drive H: missing at logon")
    base = f"/api/v1/ai-sessions/{sid}"
    hid = (
        await client.post(
            f"{base}/handoff",
            json={"intent": "escalate", "assignee_id": str(b.user.id)},
            headers=a.headers,
        )
    ).json()["id"]
    claim = await client.post(f"{base}/handoffs/{hid}/claim", headers=b.headers)
    assert claim.status_code == 200, claim.text
    brief = (await client.get(f"{base}/handoffs/{hid}/briefing", headers=b.headers)).json()
    assert f"Assigned to {b.user.email}." in brief["briefing"]
    assert "picked it up" not in brief["briefing"]
    [event] = (
        await client.get(
            "/api/v1/audit", params={"action": "handoff.claim"}, headers=tenant.admin.headers
        )
    ).json()["items"]
    assert "assignee_id" not in event["detail"]
    assert await _queue(client, b, assigned="me") == []  # claimed: no longer waiting


async def _nothing_written(client: httpx.AsyncClient, member: Member, sid: str, db) -> None:  # type: ignore[no-untyped-def]
    session = (await client.get(f"/api/v1/ai-sessions/{sid}", headers=member.headers)).json()
    assert session["status"] == "active" and session["handoff_count"] == 0
    assert (
        await client.get(f"/api/v1/ai-sessions/{sid}/handoffs", headers=member.headers)
    ).json() == []
    assert (
        await db.scalar(
            text("SELECT count(*) FROM notifications WHERE session_id = :s"), {"s": sid}
        )
        == 0
    )
    assert await db.scalar(
        text("SELECT count(*) FROM audit_events WHERE action = 'handoff.assign'"
             " AND detail->>'session_id' = :s"),
        {"s": sid},
    ) == 0  # fmt: skip


async def test_each_bad_assignee_is_a_precise_422_and_writes_nothing(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, maker, db
) -> None:  # type: ignore[no-untyped-def]
    a = tenant.engineer
    admin = tenant.admin.headers
    gone = await add_member(maker, tenant, "engineer")
    await db.execute(
        text("UPDATE users SET full_name = 'Gus Gone', is_active = false WHERE id = :u"),
        {"u": gone.user.id},
    )
    outsider = await add_member(maker, tenant, "engineer", team=False)
    await db.execute(
        text("UPDATE users SET full_name = 'Ola Outside' WHERE id = :u"), {"u": outsider.user.id}
    )
    await db.commit()
    network = (await client.post("/api/v1/teams", json={"name": "Network"}, headers=admin)).json()
    sid = await _session(client, a, "Switch loop at the branch office")
    url = f"/api/v1/ai-sessions/{sid}/handoff"

    async def refused(body: dict[str, object], code: str) -> str:
        for intent in ("escalate", "park"):
            r = await client.post(url, json={"intent": intent, **body}, headers=a.headers)
            assert r.status_code == 422, (intent, body, r.text)
            assert r.json()["code"] == code, r.json()
            await _nothing_written(client, a, sid, db)
        return str(r.json()["detail"])

    unknown = await refused({"assignee_id": str(uuid.uuid4())}, "assignee_unknown")
    # Another account's user reads exactly like an id that does not exist.
    foreign = await refused({"assignee_id": str(other_tenant.engineer.user.id)}, "assignee_unknown")
    assert unknown == foreign == "The assignee is not a user of this account"
    assert "cannot assign a handoff to yourself" in await refused(
        {"assignee_id": str(a.user.id)}, "assignee_is_author"
    )
    assert await refused({"assignee_id": str(gone.user.id)}, "assignee_inactive") == (
        "Gus Gone is deactivated and cannot be assigned"
    )
    # Not in the session's team…
    assert await refused({"assignee_id": str(outsider.user.id)}, "assignee_not_in_team") == (
        "Ola Outside is not a member of the Service Desk team this handoff goes to"
    )
    # …nor in the target team (a Service Desk colleague, while it goes to Network).
    admin_id = str(tenant.admin.user.id)
    detail = await refused(
        {"assignee_id": admin_id, "target_team_id": network["id"]}, "assignee_not_in_team"
    )
    assert detail.endswith("is not a member of the Network team this handoff goes to")
    # A member of the target team is fine even outside the session's team.
    await client.patch(
        f"/api/v1/users/{outsider.user.id}", json={"team_ids": [network["id"]]}, headers=admin
    )
    ok = await client.post(
        url,
        json={
            "intent": "escalate",
            "target_team_id": network["id"],
            "assignee_id": str(outsider.user.id),
        },
        headers=a.headers,
    )
    assert ok.status_code == 201, ok.text
    # The assignee can see it in their queue (it is their team's) and claim it.
    assert [i["session_id"] for i in await _queue(client, outsider, assigned="me")] == [sid]


async def test_a_session_without_a_team_cannot_be_assigned_without_a_target_team(
    client: httpx.AsyncClient, tenant: Tenant, maker, db
) -> None:  # type: ignore[no-untyped-def]
    loner = await add_member(maker, tenant, "engineer", team=False)
    sid = await _session(client, loner, "Scanner to e-mail fails")
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/handoff",
        json={"intent": "escalate", "assignee_id": str(tenant.engineer.user.id)},
        headers=loner.headers,
    )
    assert r.status_code == 422 and r.json()["code"] == "assignee_needs_team", r.text
    assert "choose a target team" in r.json()["detail"]
    await _nothing_written(client, loner, sid, db)
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/handoff",
        json={
            "intent": "escalate",
            "target_team_id": str(tenant.team.id),
            "assignee_id": str(tenant.engineer.user.id),
        },
        headers=loner.headers,
    )
    assert r.status_code == 201, r.text


async def test_escalation_email_names_the_assignee(
    client: httpx.AsyncClient, tenant: Tenant, maker, db
) -> None:  # type: ignore[no-untyped-def]
    a = tenant.engineer
    b = await add_member(maker, tenant, "engineer")
    await db.execute(
        text("UPDATE users SET full_name = 'Bea Assigned' WHERE id = :u"), {"u": b.user.id}
    )
    await db.commit()
    sid = await _session(client, a, "SAN latency spikes at night")
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/handoff",
        json={"intent": "escalate", "assignee_id": str(b.user.id)},
        headers=a.headers,
    )
    assert r.status_code == 201, r.text
    with smtp_inbox() as inbox:
        settings = make_settings(
            FLOWPILOT_SMTP_HOST="127.0.0.1",
            FLOWPILOT_SMTP_PORT=inbox.port,
            FLOWPILOT_SMTP_STARTTLS=False,
        )
        set_runtime(Runtime(sessionmaker=maker, provider=OfflineProvider(), settings=settings))
        await send_handoff_notifications(handoff_id=r.json()["id"])
    # One message to the team (the assignee among them), naming the assignee.
    [(_, recipients, body)] = inbox.messages
    assert b.user.email in recipients and a.user.email not in recipients
    assert "Subject: [FlowPilot] Escalated (normal, assigned to Bea Assigned): SAN latency" in body
    assert "Assigned to Bea Assigned; anyone in the team can still claim it." in body


async def test_team_members_lists_the_active_members_of_ones_own_account(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, maker, db
) -> None:  # type: ignore[no-untyped-def]
    gone = await add_member(maker, tenant, "engineer")
    await db.execute(text("UPDATE users SET is_active = false WHERE id = :u"), {"u": gone.user.id})
    await add_member(maker, tenant, "engineer", team=False)
    await db.commit()
    url = f"/api/v1/teams/{tenant.team.id}/members"
    r = await client.get(url, headers=tenant.engineer.headers)
    assert r.status_code == 200, r.text
    members = r.json()
    assert {m["id"] for m in members} == {str(tenant.admin.user.id), str(tenant.engineer.user.id)}
    assert {m["name"] for m in members} == {
        tenant.admin.user.full_name,
        tenant.engineer.user.full_name,
    }
    assert [m["name"] for m in members] == sorted(m["name"] for m in members)
    # Another account's team is a 404, and its members never show.
    foreign = await client.get(url, headers=other_tenant.admin.headers)
    assert foreign.status_code == 404 and foreign.json()["code"] == "not_found"
    assert str(tenant.engineer.user.id) not in foreign.text
