"""Who each engineer is in each PSA connection, and pushes that write notes and time as the
engineer who pushes (or, for engineers without a mapping, the connection's fixed person, or
nobody: then nothing is written)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.api.test_deliveries import (
    V1,
    add_connection,
    approve_and_push,
    autotask_connection,
    cw_connection,
    halo_connection,
    pushes,
    resolved_from_ticket,
    run_job,
)
from tests.conftest import Tenant, add_member
from tests.fakes.psa import FakePsa

CONNECTIONS = {
    "connectwise": cw_connection,
    "halo": halo_connection,
    "autotask": autotask_connection,
}
# An address each fake vendor knows, and who it belongs to there.
KNOWN = {
    "connectwise": ("jane.doe@acme.example", "jdoe", None),
    "halo": ("ann@acme.example", "5", None),
    "autotask": ("rita@acme.example", "29682930", "29683461"),
}


def people_url(cid: str, user_id: Any = None) -> str:
    base = f"{V1}/psa-connections/{cid}/people"
    return base if user_id is None else f"{base}/{user_id}"


async def look_up(
    client: httpx.AsyncClient, tenant: Tenant, cid: str, user_id: Any, email: str | None
) -> httpx.Response:
    body = {"email": email} if email else None
    return await client.post(
        f"{people_url(cid, user_id)}/lookup", json=body, headers=tenant.admin.headers
    )


async def with_time(db, sid: str, seconds: int = 2100) -> None:  # type: ignore[no-untyped-def]
    await db.execute(
        text("UPDATE ai_sessions SET total_active_seconds = :s WHERE id = :i"),
        {"s": seconds, "i": sid},
    )
    await db.commit()


def written(psa: FakePsa) -> list[Any]:
    return [*psa.state.notes, *psa.state.time_entries, *psa.state.actions]


# ── the admin's list, the lookup and the manual override ──


async def test_lookup_by_email_maps_a_connectwise_member(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa
) -> None:
    cid = await add_connection(client, tenant, cw_connection(psa))
    h = tenant.admin.headers
    listed = (await client.get(people_url(cid), headers=h)).json()
    assert listed["person_kind"] == "member" and listed["fallback"] is None
    emails = {p["email"]: p for p in listed["people"]}
    assert set(emails) == {tenant.admin.user.email, tenant.engineer.user.email}
    assert all(p["mapping"] is None for p in listed["people"])

    engineer = tenant.engineer.user.id
    r = await look_up(client, tenant, cid, engineer, "jane.doe@acme.example")
    assert r.status_code == 200, r.text
    assert r.json()["found"] is True and "Jane Doe (jdoe)" in r.json()["message"]
    mapping = r.json()["person"]["mapping"]
    assert (mapping["person_id"], mapping["source"]) == ("jdoe", "lookup")
    listed = (await client.get(people_url(cid), headers=h)).json()
    [row] = [p for p in listed["people"] if p["user_id"] == str(engineer)]
    assert row["mapping"]["person_name"] == "Jane Doe"


async def test_a_lookup_without_a_match_says_so_and_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa
) -> None:
    cid = await add_connection(client, tenant, cw_connection(psa))
    engineer = tenant.engineer.user.id
    # The user's own FlowPilot address is asked when no other is given.
    r = await look_up(client, tenant, cid, engineer, None)
    assert r.status_code == 200 and r.json()["found"] is False
    assert r.json()["message"] == (
        f"ConnectWise has no active member with the e-mail {tenant.engineer.user.email}"
    )
    assert r.json()["person"]["mapping"] is None
    inactive = await look_up(client, tenant, cid, engineer, "old.tech@acme.example")
    assert inactive.json()["found"] is False
    assert "only inactive: Old Tech (oldtech)" in inactive.json()["message"]
    assert inactive.json()["person"]["mapping"] is None


@pytest.mark.parametrize("vendor", ["halo", "autotask"])
async def test_lookup_by_email_at_halo_and_autotask(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, vendor: str
) -> None:
    cid = await add_connection(client, tenant, CONNECTIONS[vendor](psa))
    email, person_id, role_id = KNOWN[vendor]
    r = await look_up(client, tenant, cid, tenant.engineer.user.id, email)
    assert r.json()["found"] is True, r.text
    mapping = r.json()["person"]["mapping"]
    assert (mapping["person_id"], mapping["role_id"]) == (person_id, role_id)
    missing = await look_up(client, tenant, cid, tenant.engineer.user.id, "nobody@acme.example")
    assert missing.json()["found"] is False and "nobody@acme.example" in missing.json()["message"]
    assert missing.json()["person"]["mapping"]["person_id"] == person_id  # unchanged


async def test_manual_override_is_checked_per_vendor_and_can_be_removed(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa
) -> None:
    h = tenant.admin.headers
    cw = await add_connection(client, tenant, cw_connection(psa))
    at = await add_connection(client, tenant, autotask_connection(psa))
    halo = await add_connection(client, tenant, halo_connection(psa))
    url = people_url(cw, tenant.engineer.user.id)
    await look_up(client, tenant, cw, tenant.engineer.user.id, "jane.doe@acme.example")
    r = await client.put(url, json={"person_id": "tier1", "person_name": "Tier One"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["mapping"]["person_id"] == "tier1" and r.json()["mapping"]["source"] == "manual"
    refused = [
        (cw, {"person_id": "j doe"}, "invalid_person"),
        (cw, {"person_id": "jdoe", "role_id": "1"}, "invalid_person"),
        (halo, {"person_id": "ann"}, "invalid_person"),
        (at, {"person_id": "29682930"}, "role_required"),
        (at, {"person_id": "rita", "role_id": "29683461"}, "invalid_person"),
    ]
    for cid, body, code in refused:
        bad = await client.put(people_url(cid, tenant.engineer.user.id), json=body, headers=h)
        assert bad.status_code == 422 and bad.json()["code"] == code, (body, bad.text)
    malformed = await client.put(
        people_url(at, tenant.engineer.user.id),
        json={"person_id": "29682930", "role_id": "x"},
        headers=h,
    )
    assert malformed.status_code == 422
    ok = await client.put(
        people_url(at, tenant.engineer.user.id),
        json={"person_id": "29682930", "role_id": "29683462"},
        headers=h,
    )
    assert ok.json()["mapping"]["role_id"] == "29683462"
    assert (await client.delete(url, headers=h)).status_code == 204
    listed = (await client.get(people_url(cw), headers=h)).json()["people"]
    assert all(p["mapping"] is None for p in listed)
    # The Autotask mapping of the same user is another connection's: still there.
    listed = (await client.get(people_url(at), headers=h)).json()["people"]
    assert any(p["mapping"] for p in listed)


async def test_only_admins_map_people(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa
) -> None:
    cid = await add_connection(client, tenant, cw_connection(psa))
    h = tenant.engineer.headers
    me = tenant.engineer.user.id
    assert (await client.get(people_url(cid), headers=h)).status_code == 403
    assert (await client.post(f"{people_url(cid, me)}/lookup", headers=h)).status_code == 403
    put = await client.put(people_url(cid, me), json={"person_id": "jdoe"}, headers=h)
    assert put.status_code == 403
    assert (await client.delete(people_url(cid, me), headers=h)).status_code == 403


async def test_a_lookup_answer_of_the_wrong_shape_or_an_error_is_a_502(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa
) -> None:
    cid = await add_connection(client, tenant, cw_connection(psa))
    me = tenant.engineer.user.id
    psa.state.fail_next.append((200, {"not": "a list"}, {}))
    r = await look_up(client, tenant, cid, me, "jane.doe@acme.example")
    assert r.status_code == 502 and r.json()["code"] == "psa_error"
    assert "does not recognise" in r.json()["detail"]
    no_id = [{"firstName": "no identifier", "primaryEmail": "x@acme.example"}]
    psa.state.fail_next.append((200, no_id, {}))
    r = await look_up(client, tenant, cid, me, "x@acme.example")
    assert r.status_code == 502 and "does not recognise" in r.json()["detail"]
    psa.state.fail_next.append((503, {"code": "Busy", "message": "try later"}, {}))
    r = await look_up(client, tenant, cid, me, "jane.doe@acme.example")
    assert r.status_code == 502 and "try later" in r.json()["detail"]
    bad_email = await client.post(
        f"{people_url(cid, me)}/lookup", json={"email": "not-an-address"},
        headers=tenant.admin.headers,
    )  # fmt: skip
    assert bad_email.status_code == 422
    listed = (await client.get(people_url(cid), headers=tenant.admin.headers)).json()
    assert all(p["mapping"] is None for p in listed["people"])


# ── pushes write as the engineer who pushes ──


@pytest.mark.parametrize("vendor", ["connectwise", "halo", "autotask"])
async def test_time_is_logged_as_the_engineers_mapped_person(
    client: httpx.AsyncClient,
    tenant: Tenant,
    psa: FakePsa,
    maker,
    provider,
    settings,
    db,
    vendor: str,
) -> None:  # type: ignore[no-untyped-def]
    cid = await add_connection(client, tenant, CONNECTIONS[vendor](psa))
    email, person_id, role_id = KNOWN[vendor]
    assert (await look_up(client, tenant, cid, tenant.engineer.user.id, email)).json()["found"]
    s = await resolved_from_ticket(client, tenant, cid)
    await with_time(db, s["sid"])
    notes = s["outputs"]["psa_ticket_notes"]
    push_id = await approve_and_push(client, tenant, s["base"], notes["id"])
    [log] = await pushes(client, tenant, s["base"], notes["id"])
    assert "; time as " in log["request_summary"] and "(yours)" in log["request_summary"]
    await run_job(maker, provider, settings, push_id)
    [log] = await pushes(client, tenant, s["base"], notes["id"])
    assert log["result"] == "ok", log["error"]
    if vendor == "connectwise":
        [entry] = psa.state.time_entries
        assert entry["member"] == {"identifier": person_id}
        assert entry["timeEnd"] > entry["timeStart"]
        [note] = psa.state.notes
        assert note["member"] == {"identifier": person_id}
        assert log["external_id"] == f"note:{note['id']} time:{entry['id']}"
    elif vendor == "halo":
        [action] = psa.state.actions  # Halo's time is the action's timetaken
        assert action["who_agentid"] == int(person_id) and action["who"] == "Ann Agent"
        assert action["timetaken"] == pytest.approx(2100 / 3600, abs=1e-4)
        assert psa.state.time_entries == []
    else:
        [entry] = psa.state.time_entries
        assert (entry["resourceID"], entry["roleID"]) == (int(person_id), int(role_id or 0))
        assert entry["hoursWorked"] == 0.58 and entry["ticketID"] == 4242
        [note] = psa.state.notes
        assert note["impersonation"] == int(person_id)
        assert log["external_id"] == f"note:{note['itemId']} time:{entry['itemId']}"


@pytest.mark.parametrize("vendor", ["connectwise", "halo", "autotask"])
async def test_an_unmapped_engineer_without_a_fallback_writes_nothing(
    client: httpx.AsyncClient,
    tenant: Tenant,
    psa: FakePsa,
    db,
    vendor: str,
) -> None:  # type: ignore[no-untyped-def]
    cid = await add_connection(client, tenant, CONNECTIONS[vendor](psa))
    s = await resolved_from_ticket(client, tenant, cid)
    await with_time(db, s["sid"])
    notes = s["outputs"]["psa_ticket_notes"]
    await client.patch(
        f"{s['base']}/{notes['id']}", json={"status": "approved"}, headers=tenant.engineer.headers
    )
    r = await client.post(
        f"{s['base']}/{notes['id']}/push",
        json={"destination": "psa"},
        headers=tenant.engineer.headers,
    )
    assert r.status_code == 409 and r.json()["code"] == "psa_person_unmapped"
    detail = r.json()["detail"]
    assert tenant.engineer.user.full_name in detail and "no fixed" in detail
    assert "Settings → PSA connections → People" in detail
    assert await pushes(client, tenant, s["base"], notes["id"]) == []
    queued = await db.scalar(
        text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'push_resolution_output'")
    )
    assert queued == 0 and written(psa) == []


async def test_a_mapping_removed_before_the_job_fails_the_push_before_any_write(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings, db
) -> None:  # type: ignore[no-untyped-def]
    cid = await add_connection(client, tenant, autotask_connection(psa))
    await look_up(client, tenant, cid, tenant.engineer.user.id, "rita@acme.example")
    s = await resolved_from_ticket(client, tenant, cid)
    await with_time(db, s["sid"])
    notes = s["outputs"]["psa_ticket_notes"]
    push_id = await approve_and_push(client, tenant, s["base"], notes["id"])
    d = await client.delete(people_url(cid, tenant.engineer.user.id), headers=tenant.admin.headers)
    assert d.status_code == 204
    await run_job(maker, provider, settings, push_id)
    [log] = await pushes(client, tenant, s["base"], notes["id"])
    assert log["result"] == "failed" and log["attempts"] == 1
    assert "has no Autotask resource mapped" in log["error"]
    assert "Nothing was written" in log["error"]
    assert written(psa) == []
    outputs = (await client.get(s["base"], headers=tenant.engineer.headers)).json()["outputs"]
    assert next(o for o in outputs if o["id"] == notes["id"])["status"] == "approved"


async def test_unmapped_engineers_use_the_fixed_member_mapped_ones_their_own(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings, db
) -> None:  # type: ignore[no-untyped-def]
    body = cw_connection(psa)
    body["settings"]["member_identifier"] = "tier1"
    cid = await add_connection(client, tenant, body)
    listed = (await client.get(people_url(cid), headers=tenant.admin.headers)).json()
    assert listed["fallback"] == "member tier1"
    await look_up(client, tenant, cid, tenant.engineer.user.id, "jane.doe@acme.example")
    members = []
    for who in (tenant.engineer, tenant.admin):  # mapped, then unmapped
        s = await resolved_from_ticket(client, tenant, cid)
        await with_time(db, s["sid"], 600)
        notes = s["outputs"]["psa_ticket_notes"]
        await client.patch(
            f"{s['base']}/{notes['id']}", json={"status": "approved"}, headers=who.headers
        )
        r = await client.post(
            f"{s['base']}/{notes['id']}/push", json={"destination": "psa"}, headers=who.headers
        )
        assert r.status_code == 202, r.text
        await run_job(maker, provider, settings, r.json()["push"]["id"])
        members.append(psa.state.time_entries[-1]["member"]["identifier"])
    assert members == ["jdoe", "tier1"]
    # The admin's note is the API user's (the fixed member only takes unmapped time).
    assert psa.state.notes[0]["member"] == {"identifier": "jdoe"}
    assert "member" not in psa.state.notes[1]


async def test_an_autotask_resource_without_a_role_cannot_log_time(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, db
) -> None:  # type: ignore[no-untyped-def]
    cid = await add_connection(client, tenant, autotask_connection(psa))
    r = await look_up(client, tenant, cid, tenant.engineer.user.id, "noel@acme.example")
    assert r.json()["found"] is True and "type the role id in" in r.json()["message"]
    s = await resolved_from_ticket(client, tenant, cid)
    await with_time(db, s["sid"])
    notes = s["outputs"]["psa_ticket_notes"]
    await client.patch(
        f"{s['base']}/{notes['id']}", json={"status": "approved"}, headers=tenant.engineer.headers
    )
    r = await client.post(
        f"{s['base']}/{notes['id']}/push",
        json={"destination": "psa"},
        headers=tenant.engineer.headers,
    )
    assert r.status_code == 409 and "has no role id" in r.json()["detail"]
    assert written(psa) == []


async def test_work_type_and_billable_default_from_the_connection_and_can_be_overridden(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings, db
) -> None:  # type: ignore[no-untyped-def]
    body = cw_connection(psa)
    body["settings"].update(work_type="Remote Support", billable="false")
    cid = await add_connection(client, tenant, body)
    await look_up(client, tenant, cid, tenant.engineer.user.id, "jane.doe@acme.example")
    for override, work, option in (
        ({}, {"name": "Remote Support"}, "DoNotBill"),
        ({"work_type": "2", "billable": True}, {"id": 2}, "Billable"),
    ):
        s = await resolved_from_ticket(client, tenant, cid)
        await with_time(db, s["sid"], 900)
        push_id = await approve_and_push(
            client, tenant, s["base"], s["outputs"]["psa_ticket_notes"]["id"], **override
        )
        await run_job(maker, provider, settings, push_id)
        entry = psa.state.time_entries[-1]
        assert (entry["workType"], entry["billableOption"]) == (work, option)


async def test_autotask_time_takes_a_billing_code_and_closing_writes_the_resolution(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings, db
) -> None:  # type: ignore[no-untyped-def]
    body = autotask_connection(psa)
    body["settings"].update(resolved_status_id="5", work_type="29682801")
    cid = await add_connection(client, tenant, body)
    await look_up(client, tenant, cid, tenant.engineer.user.id, "rita@acme.example")
    s = await resolved_from_ticket(client, tenant, cid)
    await with_time(db, s["sid"])
    notes = s["outputs"]["psa_ticket_notes"]
    push_id = await approve_and_push(
        client, tenant, s["base"], notes["id"], close_ticket=True, billable=False
    )
    await run_job(maker, provider, settings, push_id)
    [log] = await pushes(client, tenant, s["base"], notes["id"])
    assert log["result"] == "ok", log["error"]
    [entry] = psa.state.time_entries
    assert entry["billingCodeID"] == 29682801 and entry["isNonBillable"] is True
    assert psa.state.status_changes == [("autotask", 4242, 5)]
    resolution_line = next(
        line for line in notes["generated_content"].splitlines() if line.startswith("Resolution:")
    )
    assert (
        psa.state.tickets[4242]["resolution"] == resolution_line.removeprefix("Resolution:").strip()
    )
    assert psa.state.tickets[4242]["resolution"]
    # A client summary closed the ticket: its text, written for the client, is the resolution.
    summary = s["outputs"]["client_summary"]
    push_id = await approve_and_push(client, tenant, s["base"], summary["id"], close_ticket=True)
    await run_job(maker, provider, settings, push_id)
    assert psa.state.tickets[4242]["resolution"] == summary["generated_content"]


async def test_bad_work_type_or_person_settings_are_clear_422s(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, db
) -> None:  # type: ignore[no-untyped-def]
    h = tenant.admin.headers
    for vendor, settings_change in (
        ("connectwise", {"billable": "maybe"}),
        ("connectwise", {"member_identifier": "j doe"}),
        ("autotask", {"resource_id": "29682930"}),  # no role_id
        ("autotask", {"work_type": "Remote"}),
        ("halo", {"agent_id": "ann"}),
        ("halo", {"work_type": "x"}),
    ):
        body = CONNECTIONS[vendor](psa)
        body["settings"].update(settings_change)
        r = await client.post(f"{V1}/psa-connections", json=body, headers=h)
        assert r.status_code == 422, (vendor, settings_change, r.text)
    halo = await add_connection(client, tenant, halo_connection(psa))
    at = await add_connection(client, tenant, autotask_connection(psa))
    for cid, override, code in (
        (halo, {"work_type": "Remote Support"}, "work_type_not_supported"),
        (at, {"work_type": "Remote Support"}, "invalid_work_type"),
        (at, {"work_type": 'a"b'}, "validation_error"),
        (at, {"billable": "perhaps"}, "validation_error"),
    ):
        s = await resolved_from_ticket(client, tenant, cid)
        notes = s["outputs"]["psa_ticket_notes"]
        await client.patch(
            f"{s['base']}/{notes['id']}",
            json={"status": "approved"},
            headers=tenant.engineer.headers,
        )
        r = await client.post(
            f"{s['base']}/{notes['id']}/push",
            json={"destination": "psa", **override},
            headers=tenant.engineer.headers,
        )
        assert r.status_code == 422 and r.json()["code"] == code, (override, r.text)
    assert written(psa) == []


# ── tenancy ──


async def test_another_accounts_users_and_connections_are_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, psa: FakePsa, maker
) -> None:  # type: ignore[no-untyped-def]
    mine = await add_connection(client, tenant, cw_connection(psa))
    theirs = await add_connection(client, other_tenant, cw_connection(psa))
    stranger = other_tenant.engineer.user.id
    h = tenant.admin.headers
    calls = [
        ("POST", f"{people_url(mine, stranger)}/lookup", {"email": "jane.doe@acme.example"}),
        ("PUT", people_url(mine, stranger), {"person_id": "jdoe"}),
        ("DELETE", people_url(mine, stranger), None),
        ("GET", people_url(theirs), None),
        ("POST", f"{people_url(theirs, tenant.engineer.user.id)}/lookup", None),
        ("PUT", people_url(theirs, tenant.engineer.user.id), {"person_id": "jdoe"}),
        ("DELETE", people_url(theirs, tenant.engineer.user.id), None),
    ]
    for method, url, body in calls:
        kwargs: dict[str, Any] = {"json": body} if body is not None else {}
        r = await client.request(method, url, headers=h, **kwargs)
        assert r.status_code == 404 and r.json()["code"] == "not_found", (method, url, r.text)
    # The other account's mapping of its own user is untouched, and never listed here.
    await client.put(
        people_url(theirs, stranger), json={"person_id": "jdoe"}, headers=other_tenant.admin.headers
    )
    listed = (await client.get(people_url(mine), headers=h)).text
    assert str(stranger) not in listed and other_tenant.engineer.user.email not in listed
    newcomer = await add_member(maker, tenant, "engineer")
    listed = (await client.get(people_url(mine), headers=h)).json()["people"]
    assert str(newcomer.user.id) in {p["user_id"] for p in listed}
    theirs_listed = (
        await client.get(people_url(theirs), headers=other_tenant.admin.headers)
    ).json()["people"]
    [row] = [p for p in theirs_listed if p["user_id"] == str(stranger)]
    assert row["mapping"]["person_id"] == "jdoe"
