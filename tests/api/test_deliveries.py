"""PSA connections (encrypted, tested), sessions started from a ticket, and pushes of the
resolution documents to the PSA and by e-mail, run by the delivery job against local fakes."""

from __future__ import annotations

import email
import email.policy
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from flowpilot.config import Settings
from flowpilot.jobs.runtime import Runtime, set_runtime
from flowpilot.resolutions.tasks import push_resolution_output
from tests.conftest import Tenant, make_settings
from tests.fakes.psa import FakePsa
from tests.fakes.smtp import smtp_inbox

V1 = "/api/v1"


def cw_connection(psa: FakePsa, private: str = "priv") -> dict[str, Any]:
    return {
        "vendor": "connectwise",
        "name": "Acme ConnectWise",
        "settings": {
            "base_url": f"{psa.url}/cw/apis/3.0",
            "company_id": "acme",
            "public_key": "pub",
            "client_id": "client-guid",
        },
        "secrets": {"private_key": private},
        "is_default": True,
    }


def halo_connection(psa: FakePsa) -> dict[str, Any]:
    return {
        "vendor": "halo",
        "name": "Halo",
        "settings": {"base_url": f"{psa.url}/halo", "client_id": "fp"},
        "secrets": {"client_secret": "halo-secret"},
    }


def autotask_connection(psa: FakePsa) -> dict[str, Any]:
    return {
        "vendor": "autotask",
        "name": "Autotask",
        "settings": {"username": "api@acme.example", "zone_url": f"{psa.url}/at/zoneInformation"},
        "secrets": {"secret": "at-secret", "integration_code": "CODE"},
    }


async def add_connection(client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any]) -> str:
    r = await client.post(f"{V1}/psa-connections", json=body, headers=tenant.admin.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def resolved_from_ticket(
    client: httpx.AsyncClient, tenant: Tenant, connection_id: str | None = None
) -> dict[str, Any]:
    """A session started from ticket 4242, resolved, with its three documents written."""
    h = tenant.engineer.headers
    body: dict[str, Any] = {"psa_ticket_id": "4242"}
    if connection_id:
        body["psa_connection_id"] = connection_id
    r = await client.post(f"{V1}/ai-sessions", json=body, headers=h)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    await client.patch(f"{V1}/ai-sessions/{sid}", json={"status": "resolved"}, headers=h)
    generated = await client.post(f"{V1}/ai-sessions/{sid}/outputs/generate", headers=h)
    outputs = {o["output_type"]: o for o in generated.json()["outputs"]}
    return {"sid": sid, "base": f"{V1}/ai-sessions/{sid}/outputs", "outputs": outputs}


async def approve(client: httpx.AsyncClient, tenant: Tenant, base: str, oid: str, **edit: str):  # type: ignore[no-untyped-def]
    r = await client.patch(
        f"{base}/{oid}", json={**edit, "status": "approved"}, headers=tenant.engineer.headers
    )
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text


async def approve_and_push(
    client: httpx.AsyncClient, tenant: Tenant, base: str, oid: str, **body: Any
) -> str:
    """Approve the document and queue its delivery (to the PSA unless told); the push id."""
    await approve(client, tenant, base, oid)
    r = await client.post(
        f"{base}/{oid}/push",
        json={"destination": "psa", **body},
        headers=tenant.engineer.headers,
    )
    assert r.status_code == 202, r.text
    return str(r.json()["push"]["id"])


async def run_job(maker, provider, settings: Settings, push_id: str) -> None:  # type: ignore[no-untyped-def]
    set_runtime(Runtime(sessionmaker=maker, provider=provider, settings=settings))
    await push_resolution_output(push_id=push_id)


async def pushes(client: httpx.AsyncClient, tenant: Tenant, base: str, oid: str) -> list[Any]:
    r = await client.get(f"{base}/{oid}/pushes", headers=tenant.engineer.headers)
    return list(r.json())


# ── connections ──


async def test_connection_secrets_are_encrypted_and_never_returned(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, db
) -> None:  # type: ignore[no-untyped-def]
    cid = await add_connection(client, tenant, cw_connection(psa, private="very-private-key"))
    listed = await client.get(f"{V1}/psa-connections", headers=tenant.engineer.headers)
    assert listed.status_code == 200
    assert "very-private-key" not in listed.text
    assert listed.json()[0]["secret_fields_set"] == ["private_key"]
    stored = await db.scalar(
        text("SELECT secrets_encrypted FROM psa_connections WHERE id = :i"), {"i": cid}
    )
    assert stored and "very-private-key" not in stored and stored.startswith("gAAAA")


async def test_only_admins_manage_connections(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa
) -> None:
    h = tenant.engineer.headers
    assert (
        await client.post(f"{V1}/psa-connections", json=cw_connection(psa), headers=h)
    ).status_code == 403
    cid = await add_connection(client, tenant, cw_connection(psa))
    assert (
        await client.patch(f"{V1}/psa-connections/{cid}", json={"name": "x"}, headers=h)
    ).status_code == 403
    assert (await client.post(f"{V1}/psa-connections/{cid}/test", headers=h)).status_code == 403
    assert (await client.delete(f"{V1}/psa-connections/{cid}", headers=h)).status_code == 403
    assert (await client.get(f"{V1}/smtp-settings", headers=h)).status_code == 403
    assert (await client.get(f"{V1}/hudu-settings", headers=h)).status_code == 403
    hudu = {"base_url": "https://docs.example", "api_key": "k"}
    assert (await client.put(f"{V1}/hudu-settings", json=hudu, headers=h)).status_code == 403


async def test_bad_connection_input_is_a_clear_422_or_409(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa
) -> None:
    h = tenant.admin.headers
    missing = cw_connection(psa)
    del missing["secrets"]["private_key"]
    r = await client.post(f"{V1}/psa-connections", json=missing, headers=h)
    assert r.status_code == 422 and "private_key" in r.text
    wrong = {**cw_connection(psa), "settings": {**cw_connection(psa)["settings"], "oops": "1"}}
    assert (await client.post(f"{V1}/psa-connections", json=wrong, headers=h)).status_code == 422
    ftp = {**cw_connection(psa), "settings": {**cw_connection(psa)["settings"], "base_url": "x"}}
    assert (await client.post(f"{V1}/psa-connections", json=ftp, headers=h)).status_code == 422
    await add_connection(client, tenant, cw_connection(psa))
    again = await client.post(f"{V1}/psa-connections", json=cw_connection(psa), headers=h)
    assert again.status_code == 409 and again.json()["code"] == "name_taken"


async def test_test_connection_reports_success_and_rejected_credentials(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa
) -> None:
    h = tenant.admin.headers
    good = await add_connection(client, tenant, cw_connection(psa))
    ok = await client.post(f"{V1}/psa-connections/{good}/test", headers=h)
    assert ok.status_code == 200 and ok.json()["ok"] is True
    assert "v2025.1" in ok.json()["message"]
    # Fixing a wrong key replaces only that secret; the test result resets until re-tested.
    r = await client.patch(
        f"{V1}/psa-connections/{good}", json={"secrets": {"private_key": "wrong"}}, headers=h
    )
    assert r.json()["last_test_ok"] is None
    bad = await client.post(f"{V1}/psa-connections/{good}/test", headers=h)
    assert bad.json()["ok"] is False
    assert "rejected the credentials (401)" in bad.json()["message"]
    listed = (await client.get(f"{V1}/psa-connections", headers=h)).json()
    assert listed[0]["last_test_ok"] is False


async def test_a_vendor_answer_of_the_wrong_shape_is_a_clear_failure_not_a_500(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa
) -> None:
    """A ticket without an id, a list for an object, an HTML page: a 502 or a failed test
    with a readable reason."""
    h = tenant.admin.headers
    halo = await add_connection(client, tenant, halo_connection(psa))
    cw = await add_connection(client, tenant, cw_connection(psa))
    for body in ({"summary": "no id"}, ["a", "list"]):
        psa.state.fail_next.append((200, body, {}))  # type: ignore[arg-type]
        preview = await client.get(f"{V1}/psa-connections/{halo}/tickets/4242", headers=h)
        assert preview.status_code == 502 and preview.json()["code"] == "psa_error"
        assert "does not recognise" in preview.json()["detail"]
    psa.state.fail_next.append((200, ["not", "info"], {}))  # type: ignore[arg-type]
    tested = await client.post(f"{V1}/psa-connections/{cw}/test", headers=h)
    assert tested.status_code == 200 and tested.json()["ok"] is False
    assert "does not recognise" in tested.json()["message"]


# ── start from a ticket ──


async def test_session_from_ticket_fills_the_intake(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa
) -> None:
    await add_connection(client, tenant, cw_connection(psa))
    r = await client.post(
        f"{V1}/ai-sessions", json={"psa_ticket_id": "4242"}, headers=tenant.engineer.headers
    )
    assert r.status_code == 201, r.text
    s = r.json()
    assert s["title"] == "#4242 Outlook prompts for password"
    assert "CEO laptop" in s["problem_summary"] and s["psa_ticket_id"] == "4242"
    ticket = s["intake"]["psa_ticket"]
    assert (ticket["company"], ticket["contact"], ticket["contact_email"]) == (
        "Acme Ltd",
        "Dana Scully",
        "dana@acme.example",
    )


async def test_unknown_ticket_or_no_connection_creates_nothing(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, other_tenant: Tenant
) -> None:
    h = tenant.engineer.headers
    none = await client.post(f"{V1}/ai-sessions", json={"psa_ticket_id": "4242"}, headers=h)
    assert none.status_code == 409 and none.json()["code"] == "psa_not_configured"
    cid = await add_connection(client, tenant, cw_connection(psa))
    missing = await client.post(f"{V1}/ai-sessions", json={"psa_ticket_id": "77"}, headers=h)
    assert missing.status_code == 404 and missing.json()["code"] == "psa_ticket_not_found"
    bad_id = await client.post(f"{V1}/ai-sessions", json={"psa_ticket_id": "../1"}, headers=h)
    assert bad_id.status_code == 422
    foreign = await client.post(
        f"{V1}/ai-sessions",
        json={"psa_ticket_id": "4242", "psa_connection_id": cid},
        headers=other_tenant.engineer.headers,
    )
    assert foreign.status_code == 404
    listed = await client.get(f"{V1}/ai-sessions", headers=h)
    assert listed.json()["total"] == 0


# ── pushes to the PSA ──


async def test_notes_and_time_go_to_connectwise_with_the_edited_text(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings, db
) -> None:  # type: ignore[no-untyped-def]
    body = cw_connection(psa)
    body["settings"]["member_identifier"] = "jdoe"  # time of unmapped engineers goes to jdoe
    await add_connection(client, tenant, body)
    s = await resolved_from_ticket(client, tenant)
    await db.execute(
        text("UPDATE ai_sessions SET total_active_seconds = 2100 WHERE id = :i"), {"i": s["sid"]}
    )
    await db.commit()
    notes = s["outputs"]["psa_ticket_notes"]
    edited = notes["generated_content"] + "\n\nChecked with Dana: prompts gone."
    await approve(client, tenant, s["base"], notes["id"], edited_content=edited)
    r = await client.post(
        f"{s['base']}/{notes['id']}/push",
        json={"destination": "psa"},
        headers=tenant.engineer.headers,
    )
    assert r.status_code == 202, r.text
    push = r.json()["push"]
    assert push["result"] == "queued" and r.json()["status"] == "approved"
    assert "Acme ConnectWise ticket #4242" in push["request_summary"]
    queued = await db.scalar(
        text("SELECT count(*) FROM procrastinate_jobs WHERE args->>'push_id' = :p"),
        {"p": push["id"]},
    )
    assert queued == 1 and psa.state.notes == []  # nothing sent before the job runs

    await run_job(maker, provider, settings, push["id"])

    # The edited text, then the push's delivery reference (what a retry looks it up by).
    reference = f"(FlowPilot delivery FP-{push['id'].replace('-', '')[:12]})"
    assert psa.state.notes[-1]["text"] == f"{edited}\n\n{reference}"
    assert psa.state.notes[-1]["internalAnalysisFlag"] is True
    [entry] = psa.state.time_entries
    assert entry["chargeToId"] == 4242 and entry["chargeToType"] == "ServiceTicket"
    assert entry["member"] == {"identifier": "jdoe"}
    outputs = (await client.get(s["base"], headers=tenant.engineer.headers)).json()["outputs"]
    done = next(o for o in outputs if o["id"] == notes["id"])
    assert done["status"] == "pushed" and done["pushed_to"] == "psa"
    assert done["pushed_reference"] == "note:9000 time:500"
    assert done["pushes"][0]["result"] == "ok" and done["pushes"][0]["attempts"] == 1
    again = await client.post(
        f"{s['base']}/{notes['id']}/push",
        json={"destination": "psa"},
        headers=tenant.engineer.headers,
    )
    assert again.status_code == 409 and again.json()["code"] == "already_pushed"


async def test_halo_action_reuses_its_token(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings
) -> None:  # type: ignore[no-untyped-def]
    cid = await add_connection(client, tenant, halo_connection(psa))
    s = await resolved_from_ticket(client, tenant, cid)
    for kind in ("psa_ticket_notes", "client_summary"):
        oid = s["outputs"][kind]["id"]
        push_id = await approve_and_push(client, tenant, s["base"], oid)
        await run_job(maker, provider, settings, push_id)
    internal, public = psa.state.actions
    assert internal["hiddenfromuser"] is True and internal["outcome"] == "Private Note"
    assert public["hiddenfromuser"] is False and public["outcome"] == "Private Note"
    assert psa.state.tokens_issued == 1  # fetched for the ticket lookup, reused by both pushes


async def test_autotask_note_after_zone_lookup(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings
) -> None:  # type: ignore[no-untyped-def]
    cid = await add_connection(client, tenant, autotask_connection(psa))
    s = await resolved_from_ticket(client, tenant, cid)
    summary = s["outputs"]["client_summary"]
    push_id = await approve_and_push(client, tenant, s["base"], summary["id"])
    await run_job(maker, provider, settings, push_id)
    note = psa.state.notes[-1]
    assert note["vendor"] == "autotask" and note["ticketID"] == 4242 and note["publish"] == 1
    assert (await pushes(client, tenant, s["base"], summary["id"]))[0]["external_id"] == (
        f"note:{note['itemId']}"
    )


async def test_rejected_credentials_fail_at_once_with_the_reason(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings, db
) -> None:  # type: ignore[no-untyped-def]
    cid = await add_connection(client, tenant, cw_connection(psa))
    s = await resolved_from_ticket(client, tenant)
    await client.patch(
        f"{V1}/psa-connections/{cid}",
        json={"secrets": {"private_key": "revoked"}},
        headers=tenant.admin.headers,
    )
    notes = s["outputs"]["psa_ticket_notes"]
    push_id = await approve_and_push(client, tenant, s["base"], notes["id"])
    await run_job(maker, provider, settings, push_id)
    [log] = await pushes(client, tenant, s["base"], notes["id"])
    assert log["result"] == "failed" and "rejected the credentials (401)" in log["error"]
    assert psa.state.notes == []
    outputs = (await client.get(s["base"], headers=tenant.engineer.headers)).json()["outputs"]
    assert next(o for o in outputs if o["id"] == notes["id"])["status"] == "approved"
    jobs = await db.scalar(
        text("SELECT count(*) FROM procrastinate_jobs WHERE args->>'push_id' = :p"),
        {"p": log["id"]},
    )
    assert jobs == 1  # no retry scheduled for a credentials problem


async def test_rate_limit_is_retried_after_the_vendors_delay(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings, db
) -> None:  # type: ignore[no-untyped-def]
    cid = await add_connection(client, tenant, halo_connection(psa))
    s = await resolved_from_ticket(client, tenant, cid)
    notes = s["outputs"]["psa_ticket_notes"]
    push_id = await approve_and_push(client, tenant, s["base"], notes["id"])
    psa.state.fail_next.append((429, {"message": "Too many requests"}, {"Retry-After": "7"}))
    await run_job(maker, provider, settings, push_id)
    [log] = await pushes(client, tenant, s["base"], notes["id"])
    assert log["result"] == "retrying" and "rate-limiting" in log["error"]
    delay = await db.scalar(
        text(
            "SELECT extract(epoch FROM max(scheduled_at) - clock_timestamp()) "
            "FROM procrastinate_jobs "
            "WHERE args->>'push_id' = :p AND status = 'todo' AND scheduled_at IS NOT NULL"
        ),
        {"p": push_id},
    )
    assert delay is not None and 5 < float(delay) <= 7.05
    await run_job(maker, provider, settings, push_id)  # the scheduled retry
    [log] = await pushes(client, tenant, s["base"], notes["id"])
    assert log["result"] == "ok" and log["attempts"] == 2 and len(psa.state.actions) == 1


async def test_vendor_outage_gives_up_after_the_last_attempt(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings
) -> None:  # type: ignore[no-untyped-def]
    cid = await add_connection(client, tenant, autotask_connection(psa))
    s = await resolved_from_ticket(client, tenant, cid)
    notes = s["outputs"]["psa_ticket_notes"]
    push_id = await approve_and_push(client, tenant, s["base"], notes["id"])
    for _attempt in range(5):
        psa.state.fail_next.append((503, {"errors": ["Database is unavailable"]}, {}))
        await run_job(maker, provider, settings, push_id)
    [log] = await pushes(client, tenant, s["base"], notes["id"])
    assert log["result"] == "failed" and log["attempts"] == 5
    assert "Database is unavailable" in log["error"] and "gave up after 5" in log["error"]


async def test_a_push_in_flight_is_not_queued_twice(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa
) -> None:
    await add_connection(client, tenant, cw_connection(psa))
    s = await resolved_from_ticket(client, tenant)
    notes = s["outputs"]["psa_ticket_notes"]
    await approve(client, tenant, s["base"], notes["id"])
    url = f"{s['base']}/{notes['id']}/push"
    h = tenant.engineer.headers
    assert (await client.post(url, json={"destination": "psa"}, headers=h)).status_code == 202
    second = await client.post(url, json={"destination": "psa"}, headers=h)
    assert second.status_code == 409 and second.json()["code"] == "push_in_progress"
    kb = s["outputs"]["knowledge_base"]
    await approve(client, tenant, s["base"], kb["id"])
    wrong = await client.post(
        f"{s['base']}/{kb['id']}/push", json={"destination": "psa"}, headers=h
    )
    assert wrong.status_code == 409 and wrong.json()["code"] == "wrong_destination"


async def test_push_to_a_typed_ticket_links_the_session(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings
) -> None:  # type: ignore[no-untyped-def]
    await add_connection(client, tenant, cw_connection(psa))
    h = tenant.engineer.headers
    sid = (
        await client.post(
            f"{V1}/ai-sessions", json={"problem_summary": "Printer offline"}, headers=h
        )
    ).json()["id"]
    await client.patch(f"{V1}/ai-sessions/{sid}", json={"status": "resolved"}, headers=h)
    base = f"{V1}/ai-sessions/{sid}/outputs"
    outputs = (await client.post(f"{base}/generate", headers=h)).json()["outputs"]
    notes = next(o for o in outputs if o["output_type"] == "psa_ticket_notes")
    await approve(client, tenant, base, notes["id"])
    r = await client.post(
        f"{base}/{notes['id']}/push", json={"destination": "psa", "ticket_id": "4242"}, headers=h
    )
    assert r.status_code == 202
    push_id = r.json()["push"]["id"]
    await run_job(maker, provider, settings, push_id)
    assert psa.state.notes[-1]["ticketId"] == 4242
    session = (await client.get(f"{V1}/ai-sessions/{sid}", headers=h)).json()
    assert session["psa_ticket_id"] == "4242"


# ── e-mail ──


async def _smtp(client: httpx.AsyncClient, tenant: Tenant, port: int) -> None:
    r = await client.put(
        f"{V1}/smtp-settings",
        json={
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "username": None,
            "from_address": "support@msp.example",
            "from_name": "MSP Support",
        },
        headers=tenant.admin.headers,
    )
    assert r.status_code == 200 and r.json()["configured"] is True, r.text


async def test_client_summary_email_arrives_with_the_edited_text(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings
) -> None:  # type: ignore[no-untyped-def]
    await add_connection(client, tenant, cw_connection(psa))
    s = await resolved_from_ticket(client, tenant)
    summary = s["outputs"]["client_summary"]
    edited = "Hello Dana,\n\nOutlook no longer asks for your password. Thanks for your patience."
    await approve(client, tenant, s["base"], summary["id"], edited_content=edited)
    h = tenant.engineer.headers
    url = f"{s['base']}/{summary['id']}/push"
    unset = await client.post(url, json={"destination": "email"}, headers=h)
    assert unset.status_code == 409 and unset.json()["code"] == "smtp_not_configured"
    with smtp_inbox() as inbox:
        await _smtp(client, tenant, inbox.port)
        r = await client.post(url, json={"destination": "email"}, headers=h)
        assert r.status_code == 202 and r.json()["push"]["recipients"] == ["dana@acme.example"]
        push_id = r.json()["push"]["id"]
        await run_job(maker, provider, settings, push_id)
    [(sender, recipients, body)] = inbox.messages
    assert sender == "support@msp.example" and recipients == ["dana@acme.example"]
    assert "Subject: [Ticket #4242] Resolved:" in body
    message = email.message_from_string(body, policy=email.policy.default)
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content().replace("\r\n", "\n").strip() == edited
    assert "<p>Outlook no longer asks for your password." in html.get_content()
    [log] = await pushes(client, tenant, s["base"], summary["id"])
    assert log["result"] == "ok" and log["external_id"].startswith("<")


async def test_email_needs_a_recipient_and_the_client_summary(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    h = tenant.engineer.headers
    sid = (
        await client.post(f"{V1}/ai-sessions", json={"problem_summary": "VPN drops"}, headers=h)
    ).json()["id"]
    await client.patch(f"{V1}/ai-sessions/{sid}", json={"status": "resolved"}, headers=h)
    base = f"{V1}/ai-sessions/{sid}/outputs"
    outputs = {
        o["output_type"]: o
        for o in (await client.post(f"{base}/generate", headers=h)).json()["outputs"]
    }
    with smtp_inbox() as inbox:
        await _smtp(client, tenant, inbox.port)
        summary, notes = outputs["client_summary"], outputs["psa_ticket_notes"]
        await approve(client, tenant, base, summary["id"])
        await approve(client, tenant, base, notes["id"])
        nobody = await client.post(
            f"{base}/{summary['id']}/push", json={"destination": "email"}, headers=h
        )
        assert nobody.status_code == 422 and nobody.json()["code"] == "recipients_required"
        bad = await client.post(
            f"{base}/{summary['id']}/push",
            json={"destination": "email", "recipients": ["not-an-address"]},
            headers=h,
        )
        assert bad.status_code == 422
        internal = await client.post(
            f"{base}/{notes['id']}/push",
            json={"destination": "email", "recipients": ["a@b.example"]},
            headers=h,
        )
        assert internal.status_code == 409 and internal.json()["code"] == "wrong_destination"
    assert inbox.messages == []


async def test_smtp_settings_keep_the_password_secret_and_test_sends(
    client: httpx.AsyncClient, tenant: Tenant, db
) -> None:  # type: ignore[no-untyped-def]
    h = tenant.admin.headers
    with smtp_inbox() as inbox:
        r = await client.put(
            f"{V1}/smtp-settings",
            json={
                "host": "127.0.0.1",
                "port": inbox.port,
                "security": "none",
                "password": "smtp-pass-123",
                "from_address": "support@msp.example",
            },
            headers=h,
        )
        assert r.json()["password_set"] is True and "smtp-pass-123" not in r.text
        # No AUTH on this server: the login step is skipped only without a username.
        ok = await client.post(f"{V1}/smtp-settings/test", json={"to": "me@msp.example"}, headers=h)
        assert ok.json()["ok"] is True
    assert inbox.messages[0][1] == ["me@msp.example"]
    stored = await db.scalar(
        text("SELECT secrets_encrypted FROM account_smtp_settings WHERE account_id = :a"),
        {"a": tenant.account.id},
    )
    assert "smtp-pass-123" not in stored
    down = await client.post(f"{V1}/smtp-settings/test", json={"to": "me@msp.example"}, headers=h)
    assert down.json()["ok"] is False and "could not be reached" in down.json()["message"]


@pytest.mark.parametrize("destination", ["psa", "email"])
async def test_foreign_connection_or_outputs_are_404(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    psa: FakePsa,
    destination: str,
) -> None:
    s = await resolved_from_ticket(
        client, tenant, await add_connection(client, tenant, cw_connection(psa))
    )
    notes = s["outputs"]["psa_ticket_notes"]
    await approve(client, tenant, s["base"], notes["id"])
    foreign = await add_connection(client, other_tenant, cw_connection(psa))
    r = await client.post(
        f"{s['base']}/{notes['id']}/push",
        json={"destination": "psa", "psa_connection_id": foreign, "ticket_id": "4242"},
        headers=tenant.engineer.headers,
    )
    assert r.status_code == 404
    r = await client.post(
        f"{s['base']}/{notes['id']}/push",
        json={"destination": destination},
        headers=other_tenant.admin.headers,
    )
    assert r.status_code == 404


async def test_an_unexpected_vendor_answer_is_retried_not_left_sending(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings
) -> None:  # type: ignore[no-untyped-def]
    await add_connection(client, tenant, cw_connection(psa))
    s = await resolved_from_ticket(client, tenant)
    notes = s["outputs"]["psa_ticket_notes"]
    push_id = await approve_and_push(client, tenant, s["base"], notes["id"])
    psa.state.fail_next.append((201, {"unexpected": True}, {}))  # created, but no id
    await run_job(maker, provider, settings, push_id)
    [log] = await pushes(client, tenant, s["base"], notes["id"])
    assert log["result"] == "retrying" and "Unexpected error" in log["error"]


async def test_kb_article_exports_to_halo_as_html(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings
) -> None:  # type: ignore[no-untyped-def]
    cid = await add_connection(client, tenant, halo_connection(psa))
    s = await resolved_from_ticket(client, tenant, cid)
    kb = s["outputs"]["knowledge_base"]
    await approve(client, tenant, s["base"], kb["id"])
    r = await client.post(
        f"{s['base']}/{kb['id']}/push", json={"destination": "psa"}, headers=tenant.engineer.headers
    )
    assert r.status_code == 202 and r.json()["push"]["request_summary"] == "KB article in Halo"
    push_id = r.json()["push"]["id"]
    await run_job(maker, provider, settings, push_id)
    [article] = psa.state.articles
    assert article["name"] == kb["structured_data"]["title"]
    assert "<h2>" in article["description"] and "**" not in article["description"]
    [log] = await pushes(client, tenant, s["base"], kb["id"])
    assert log["result"] == "ok" and log["external_id"] == "kb:40"


async def test_kb_article_exports_to_hudu(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings, db
) -> None:  # type: ignore[no-untyped-def]
    h = tenant.admin.headers
    wrong = await client.put(
        f"{V1}/hudu-settings", json={"base_url": f"{psa.url}/hudu", "api_key": "nope"}, headers=h
    )
    assert wrong.json()["api_key_set"] is True and "nope" not in wrong.text
    failed = await client.post(f"{V1}/hudu-settings/test", headers=h)
    assert failed.json()["ok"] is False and "rejected the credentials (401)" in failed.text
    await client.put(
        f"{V1}/hudu-settings",
        json={"base_url": f"{psa.url}/hudu", "api_key": "hudu-key", "company_id": 7},
        headers=h,
    )
    assert (await client.post(f"{V1}/hudu-settings/test", headers=h)).json()["message"] == (
        "Hudu 2.34.1"
    )
    stored = await db.scalar(text("SELECT secrets_encrypted FROM account_hudu_settings"))
    assert "hudu-key" not in stored
    targets = (await client.get(f"{V1}/delivery-targets", headers=tenant.engineer.headers)).json()
    assert targets["kb_exports"] == [
        {"destination": "hudu", "name": "Hudu", "psa_connection_id": None}
    ]

    sid = (
        await client.post(
            f"{V1}/ai-sessions", json={"problem_summary": "Scanner to e-mail fails"}, headers=h
        )
    ).json()["id"]
    await client.patch(f"{V1}/ai-sessions/{sid}", json={"status": "resolved"}, headers=h)
    base = f"{V1}/ai-sessions/{sid}/outputs"
    outputs = {
        o["output_type"]: o
        for o in (await client.post(f"{base}/generate", headers=h)).json()["outputs"]
    }
    kb = outputs["knowledge_base"]
    draft = await client.post(f"{base}/{kb['id']}/push", json={"destination": "hudu"}, headers=h)
    assert draft.status_code == 409 and draft.json()["code"] == "approval_required"
    await client.patch(f"{base}/{kb['id']}", json={"status": "approved"}, headers=h)
    r = await client.post(f"{base}/{kb['id']}/push", json={"destination": "hudu"}, headers=h)
    assert r.status_code == 202
    push_id = r.json()["push"]["id"]
    await run_job(maker, provider, settings, push_id)
    [article] = psa.state.hudu_articles
    assert article["company_id"] == 7 and article["content"].startswith("<h")
    [log] = (await client.get(f"{base}/{kb['id']}/pushes", headers=h)).json()
    assert log["result"] == "ok" and log["external_id"] == "hudu:300"


# ── IT Glue: a KB article becomes a flexible asset (see tests/fakes/psa.py for the shapes) ──

ITGLUE_TYPE = 1708673018626277


def itglue_settings(psa: FakePsa, key: str = "ITG.itglue-key", **extra: Any) -> dict[str, Any]:
    return {
        "base_url": f"{psa.url}/itglue",
        "api_key": key,
        "organization_id": 77,
        "flexible_asset_type_id": ITGLUE_TYPE,
        **extra,
    }


async def approved_kb(client: httpx.AsyncClient, tenant: Tenant) -> tuple[str, dict[str, Any]]:
    """A resolved session's documents with its KB article approved: (outputs URL, outputs)."""
    h = tenant.engineer.headers
    sid = (
        await client.post(
            f"{V1}/ai-sessions", json={"problem_summary": "Scanner to e-mail fails"}, headers=h
        )
    ).json()["id"]
    await client.patch(f"{V1}/ai-sessions/{sid}", json={"status": "resolved"}, headers=h)
    base = f"{V1}/ai-sessions/{sid}/outputs"
    generated = (await client.post(f"{base}/generate", headers=h)).json()["outputs"]
    outputs = {o["output_type"]: o for o in generated}
    await approve(client, tenant, base, outputs["knowledge_base"]["id"])
    return base, outputs


async def test_kb_article_exports_to_itglue(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings, db
) -> None:  # type: ignore[no-untyped-def]
    h = tenant.admin.headers
    wrong = await client.put(
        f"{V1}/itglue-settings", json=itglue_settings(psa, "ITG.nope"), headers=h
    )
    assert wrong.status_code == 200, wrong.text
    assert wrong.json()["api_key_set"] is True and "ITG.nope" not in wrong.text
    failed = (await client.post(f"{V1}/itglue-settings/test", headers=h)).json()
    assert failed["ok"] is False
    assert failed["message"] == "IT Glue rejected the credentials (403): Forbidden: Invalid API key"
    saved = await client.put(f"{V1}/itglue-settings", json=itglue_settings(psa), headers=h)
    assert saved.json()["last_test_ok"] is None  # a change forgets the last test
    tested = (await client.post(f"{V1}/itglue-settings/test", headers=h)).json()
    assert tested["ok"] is True, tested
    assert tested["message"] == "IT Glue: organization Happy Frog, flexible asset type KB Article"
    shown = await client.get(f"{V1}/itglue-settings", headers=h)
    assert "ITG.itglue-key" not in shown.text
    assert shown.json() | {"last_tested_at": None} == {
        "configured": True,
        "base_url": f"{psa.url}/itglue",
        "organization_id": 77,
        "flexible_asset_type_id": ITGLUE_TYPE,
        "title_trait": "title",
        "body_trait": "body",
        "api_key_set": True,
        "last_tested_at": None,
        "last_test_ok": True,
        "last_test_message": tested["message"],
    }
    stored = await db.scalar(text("SELECT secrets_encrypted FROM account_itglue_settings"))
    assert stored.startswith("gAAAA") and "itglue-key" not in stored
    targets = (await client.get(f"{V1}/delivery-targets", headers=tenant.engineer.headers)).json()
    assert targets["kb_exports"] == [
        {"destination": "itglue", "name": "IT Glue", "psa_connection_id": None}
    ]

    base, outputs = await approved_kb(client, tenant)
    kb, notes = outputs["knowledge_base"], outputs["psa_ticket_notes"]
    e = tenant.engineer.headers
    await approve(client, tenant, base, notes["id"])
    other = await client.post(
        f"{base}/{notes['id']}/push", json={"destination": "itglue"}, headers=e
    )
    assert other.status_code == 409 and other.json()["code"] == "wrong_destination"
    r = await client.post(f"{base}/{kb['id']}/push", json={"destination": "itglue"}, headers=e)
    assert r.status_code == 202, r.text
    assert r.json()["push"]["request_summary"] == "KB article in IT Glue"
    await run_job(maker, provider, settings, r.json()["push"]["id"])
    [asset] = psa.state.itglue_assets
    assert asset["organization-id"] == 77 and asset["flexible-asset-type-id"] == ITGLUE_TYPE
    assert asset["traits"]["title"] == kb["structured_data"]["title"]
    body = asset["traits"]["body"]
    assert body.startswith("<h") and "<li>" in body and "**" not in body
    [log] = await pushes(client, tenant, base, kb["id"])
    assert log["result"] == "ok" and log["external_id"] == f"itglue:{asset['id']}"
    kb_now = (await client.get(base, headers=e)).json()["outputs"]
    assert {o["output_type"]: o for o in kb_now}["knowledge_base"]["status"] == "pushed"


async def test_itglue_refusals_fail_the_push_with_the_vendors_reason(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings
) -> None:  # type: ignore[no-untyped-def]
    """A revoked key and a field name-key the type does not have: the push fails at once
    (trying again cannot help) and says what IT Glue said."""
    h = tenant.admin.headers
    await client.put(f"{V1}/itglue-settings", json=itglue_settings(psa, "ITG.revoked"), headers=h)
    base, outputs = await approved_kb(client, tenant)
    kb = outputs["knowledge_base"]
    e = tenant.engineer.headers
    r = await client.post(f"{base}/{kb['id']}/push", json={"destination": "itglue"}, headers=e)
    await run_job(maker, provider, settings, r.json()["push"]["id"])
    [log] = await pushes(client, tenant, base, kb["id"])
    assert log["result"] == "failed" and log["attempts"] == 1 and log["next_attempt_at"] is None
    assert log["error"] == "IT Glue rejected the credentials (403): Forbidden: Invalid API key"
    assert psa.state.itglue_assets == []

    await client.put(
        f"{V1}/itglue-settings",
        json=itglue_settings(psa, body_trait="content"),
        headers=h,
    )
    tested = (await client.post(f"{V1}/itglue-settings/test", headers=h)).json()
    assert tested["ok"] is False
    assert (
        "no field with the name-key content (its fields: title, body, category)"
        in (tested["message"])
    )
    r = await client.post(f"{base}/{kb['id']}/push", json={"destination": "itglue"}, headers=e)
    assert r.status_code == 202, r.text
    await run_job(maker, provider, settings, r.json()["push"]["id"])
    by_id = {p["id"]: p for p in await pushes(client, tenant, base, kb["id"])}
    newest = by_id[r.json()["push"]["id"]]
    assert newest["result"] == "failed"
    assert newest["error"] == (
        "IT Glue refused the request (422): Unprocessable Entity: Request contains invalid "
        "trait keys (data/attributes/traits)"
    )
    assert psa.state.itglue_assets == []


async def test_itglue_settings_are_the_admins_of_one_account(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, psa: FakePsa
) -> None:
    e, h = tenant.engineer.headers, tenant.admin.headers
    body = itglue_settings(psa)
    assert (await client.get(f"{V1}/itglue-settings", headers=e)).status_code == 403
    assert (await client.put(f"{V1}/itglue-settings", json=body, headers=e)).status_code == 403
    assert (await client.post(f"{V1}/itglue-settings/test", headers=e)).status_code == 403
    assert (await client.delete(f"{V1}/itglue-settings", headers=e)).status_code == 403
    no_key = {k: v for k, v in body.items() if k != "api_key"}
    first = await client.put(f"{V1}/itglue-settings", json=no_key, headers=h)
    assert first.status_code == 422 and first.json()["code"] == "api_key_required"
    for bad in (
        {"body_trait": "title"},
        {"title_trait": "Title Field"},
        {"organization_id": 2**53},
        {"base_url": "ftp://api.itglue.com"},
    ):
        r = await client.put(f"{V1}/itglue-settings", json=body | bad, headers=h)
        assert r.status_code == 422, bad
    assert (await client.put(f"{V1}/itglue-settings", json=body, headers=h)).status_code == 200
    # The key is kept when it is left out.
    kept = await client.put(f"{V1}/itglue-settings", json=no_key, headers=h)
    assert kept.json()["api_key_set"] is True
    assert (await client.post(f"{V1}/itglue-settings/test", headers=h)).json()["ok"] is True

    outsider = other_tenant.admin.headers
    theirs = await client.get(f"{V1}/itglue-settings", headers=outsider)
    assert theirs.json() == {
        "configured": False,
        "base_url": None,
        "organization_id": None,
        "flexible_asset_type_id": None,
        "title_trait": None,
        "body_trait": None,
        "api_key_set": False,
        "last_tested_at": None,
        "last_test_ok": None,
        "last_test_message": None,
    }
    untested = await client.post(f"{V1}/itglue-settings/test", headers=outsider)
    assert untested.status_code == 409 and untested.json()["code"] == "itglue_not_configured"
    targets = (await client.get(f"{V1}/delivery-targets", headers=outsider)).json()
    assert targets["kb_exports"] == []
    base, outputs = await approved_kb(client, other_tenant)
    r = await client.post(
        f"{base}/{outputs['knowledge_base']['id']}/push",
        json={"destination": "itglue"},
        headers=other_tenant.engineer.headers,
    )
    assert r.status_code == 409 and r.json()["code"] == "itglue_not_configured"
    # Removing them takes the destination away.
    assert (await client.delete(f"{V1}/itglue-settings", headers=h)).status_code == 204
    assert (await client.get(f"{V1}/itglue-settings", headers=h)).json()["configured"] is False


async def test_the_fake_itglue_refuses_what_itglue_refuses(psa: FakePsa) -> None:
    """The fake is only worth its passing tests if it is as strict as IT Glue."""
    url = f"{psa.url}/itglue/flexible_assets"
    good = {
        "data": {
            "type": "flexible-assets",
            "attributes": {
                "organization-id": 77,
                "flexible-asset-type-id": ITGLUE_TYPE,
                "traits": {"title": "T", "body": "<p>B</p>"},
            },
        }
    }
    auth = {"x-api-key": "ITG.itglue-key", "Content-Type": "application/vnd.api+json"}
    async with httpx.AsyncClient() as http:
        missing = await http.post(url, json=good, headers={"Content-Type": auth["Content-Type"]})
        assert missing.status_code == 401
        assert missing.json()["errors"][0]["title"] == "Unauthorized"
        plain_json = await http.post(url, json=good, headers={"x-api-key": auth["x-api-key"]})
        assert plain_json.status_code == 415
        for wrong in (
            {"type": "flexible-assets", "attributes": good["data"]["attributes"]},  # no "data"
            {"data": {**good["data"], "type": "documents"}},
            {
                "data": {
                    **good["data"],
                    "attributes": {
                        **good["data"]["attributes"],
                        "traits": {"title": "T", "content": "x"},
                    },
                }
            },  # fmt: skip
            {
                "data": {
                    **good["data"],
                    "attributes": {**good["data"]["attributes"], "traits": {"body": "x"}},
                }
            },  # fmt: skip
        ):
            r = await http.post(url, json=wrong, headers=auth)
            assert r.status_code == 422, wrong
            [error] = r.json()["errors"]
            assert error["status"] == 422 and error["title"] == "Unprocessable Entity"
        assert psa.state.itglue_assets == []
        created = await http.post(url, json=good, headers=auth)
        assert created.status_code == 201
        assert created.json()["data"]["type"] == "flexible-assets"
    [asset] = psa.state.itglue_assets
    assert asset["organization-name"] == "Happy Frog" and asset["name"] == "T"


async def test_delivery_targets_name_what_is_set_up(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, psa: FakePsa
) -> None:
    empty = (await client.get(f"{V1}/delivery-targets", headers=tenant.engineer.headers)).json()
    assert empty == {"psa_connections": [], "email": False, "kb_exports": []}
    await add_connection(client, tenant, cw_connection(psa))
    await add_connection(client, tenant, halo_connection(psa))
    targets = (await client.get(f"{V1}/delivery-targets", headers=tenant.engineer.headers)).json()
    assert [c["name"] for c in targets["psa_connections"]] == ["Acme ConnectWise", "Halo"]
    assert [t["name"] for t in targets["kb_exports"]] == ["Halo"]
    foreign = (
        await client.get(f"{V1}/delivery-targets", headers=other_tenant.admin.headers)
    ).json()
    assert foreign["psa_connections"] == []


async def test_escalation_mail_goes_through_the_accounts_mail_server(
    client: httpx.AsyncClient, tenant: Tenant, maker, provider, settings
) -> None:  # type: ignore[no-untyped-def]
    from flowpilot.handoffs.tasks import send_handoff_notifications

    h = tenant.engineer.headers
    sid = (
        await client.post(f"{V1}/ai-sessions", json={"problem_summary": "SAN latency"}, headers=h)
    ).json()["id"]
    with smtp_inbox() as inbox:
        await _smtp(client, tenant, inbox.port)
        handoff = await client.post(
            f"{V1}/ai-sessions/{sid}/handoff", json={"intent": "escalate"}, headers=h
        )
        assert handoff.status_code == 201, handoff.text
        set_runtime(Runtime(sessionmaker=maker, provider=provider, settings=settings))
        await send_handoff_notifications(handoff_id=handoff.json()["id"])
    [(sender, recipients, body)] = inbox.messages
    assert sender == "support@msp.example" and str(tenant.admin.user.email) in recipients
    assert "Escalated (normal): SAN latency" in body


@pytest.mark.parametrize(
    ("make", "status"),
    [(halo_connection, "9"), (autotask_connection, "5")],
    ids=["halo", "autotask"],
)
async def test_push_can_close_the_ticket(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings, make, status
) -> None:  # type: ignore[no-untyped-def]
    body = make(psa)
    cid = await add_connection(client, tenant, body)
    s = await resolved_from_ticket(client, tenant, cid)
    summary = s["outputs"]["client_summary"]
    await approve(client, tenant, s["base"], summary["id"])
    url = f"{s['base']}/{summary['id']}/push"
    request = {"destination": "psa", "close_ticket": True}
    unset = await client.post(url, json=request, headers=tenant.engineer.headers)
    assert unset.status_code == 409 and unset.json()["code"] == "close_not_configured"
    await client.patch(
        f"{V1}/psa-connections/{cid}",
        json={"settings": {"resolved_status_id": status}},
        headers=tenant.admin.headers,
    )
    r = await client.post(url, json=request, headers=tenant.engineer.headers)
    assert r.status_code == 202 and r.json()["push"]["request_summary"].endswith("and close it")
    push_id = r.json()["push"]["id"]
    await run_job(maker, provider, settings, push_id)
    assert psa.state.status_changes == [(body["vendor"], 4242, int(status))]
    [log] = await pushes(client, tenant, s["base"], summary["id"])
    assert log["result"] == "ok" and log["external_id"].endswith(f"status:{status}")


async def test_connectwise_closes_with_the_resolved_status_of_the_tickets_board(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings
) -> None:  # type: ignore[no-untyped-def]
    """No status id to configure: "Resolved" on the ticket's own board (ids differ per
    board); `resolved_status_name` names another status."""
    psa.state.tickets[4242]["board_id"] = 2
    cid = await add_connection(client, tenant, cw_connection(psa))
    targets = (await client.get(f"{V1}/delivery-targets", headers=tenant.engineer.headers)).json()
    assert targets["psa_connections"][0]["can_close_tickets"] is True
    s = await resolved_from_ticket(client, tenant, cid)
    summary, notes = s["outputs"]["client_summary"], s["outputs"]["psa_ticket_notes"]
    push_id = await approve_and_push(client, tenant, s["base"], summary["id"], close_ticket=True)
    await run_job(maker, provider, settings, push_id)
    assert psa.state.status_changes == [("connectwise", 4242, 777)]
    [log] = await pushes(client, tenant, s["base"], summary["id"])
    assert log["result"] == "ok" and log["external_id"].endswith("status:777")

    bad = await client.patch(
        f"{V1}/psa-connections/{cid}",
        json={"settings": {"resolved_status_name": 'Say "done"'}},
        headers=tenant.admin.headers,
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_connection"
    await client.patch(
        f"{V1}/psa-connections/{cid}",
        json={"settings": {"resolved_status_name": "Finished"}},
        headers=tenant.admin.headers,
    )
    push_id = await approve_and_push(client, tenant, s["base"], notes["id"], close_ticket=True)
    await run_job(maker, provider, settings, push_id)
    [log] = await pushes(client, tenant, s["base"], notes["id"])
    assert log["result"] == "failed" and "no status named 'Finished'" in log["error"]
    assert "New, Resolved, Closed" in log["error"]


async def test_a_retry_after_partial_success_does_not_repeat_the_note(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings
) -> None:  # type: ignore[no-untyped-def]
    body = cw_connection(psa)
    body["settings"]["resolved_status_id"] = "564"
    await add_connection(client, tenant, body)
    s = await resolved_from_ticket(client, tenant)
    summary = s["outputs"]["client_summary"]
    await approve(client, tenant, s["base"], summary["id"])
    r = await client.post(
        f"{s['base']}/{summary['id']}/push",
        json={"destination": "psa", "close_ticket": True},
        headers=tenant.engineer.headers,
    )
    # The note goes through, the status change meets an outage.
    psa.state.fail_next.extend([None, (503, {"code": "Unavailable", "message": "down"}, {})])
    push_id = r.json()["push"]["id"]
    await run_job(maker, provider, settings, push_id)
    [log] = await pushes(client, tenant, s["base"], summary["id"])
    assert log["result"] == "retrying" and log["external_id"] == "note:9000"
    await run_job(maker, provider, settings, push_id)
    [log] = await pushes(client, tenant, s["base"], summary["id"])
    assert log["result"] == "ok" and log["external_id"] == "note:9000 status:564"
    assert len(psa.state.notes) == 1 and psa.state.status_changes == [("connectwise", 4242, 564)]


async def test_a_psa_outage_at_ticket_lookup_is_a_502_and_creates_nothing(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa
) -> None:
    await add_connection(client, tenant, cw_connection(psa))
    psa.state.fail_next.append((500, {"code": "Error", "message": "Database timeout"}, {}))
    h = tenant.engineer.headers
    r = await client.post(f"{V1}/ai-sessions", json={"psa_ticket_id": "4242"}, headers=h)
    assert r.status_code == 502 and r.json()["code"] == "psa_error"
    assert "Database timeout" in r.json()["detail"]
    assert (await client.get(f"{V1}/ai-sessions", headers=h)).json()["total"] == 0


async def test_a_handoff_is_noted_on_the_linked_ticket(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings, db
) -> None:  # type: ignore[no-untyped-def]
    from flowpilot.handoffs.tasks import RetryablePsaError, push_handoff_note

    await add_connection(client, tenant, cw_connection(psa))
    h = tenant.engineer.headers
    sid = (
        await client.post(f"{V1}/ai-sessions", json={"psa_ticket_id": "4242"}, headers=h)
    ).json()["id"]
    handoff = await client.post(
        f"{V1}/ai-sessions/{sid}/handoff",
        json={"intent": "escalate", "priority": "elevated", "engineer_notes": "Needs Entra admin"},
        headers=h,
    )
    hid = handoff.json()["id"]
    queued = await db.scalar(
        text(
            "SELECT count(*) FROM procrastinate_jobs "
            "WHERE task_name = 'push_handoff_note' AND args->>'handoff_id' = :h"
        ),
        {"h": hid},
    )
    assert queued == 1
    set_runtime(Runtime(sessionmaker=maker, provider=provider, settings=settings))
    psa.state.fail_next.append((503, {"code": "Busy", "message": "try later"}, {}))
    with pytest.raises(RetryablePsaError):
        await push_handoff_note(handoff_id=hid)
    await push_handoff_note(handoff_id=hid)  # procrastinate's retry
    note = psa.state.notes[-1]
    assert note["internalAnalysisFlag"] is True and note["ticketId"] == 4242
    assert "escalated (elevated)" in note["text"] and "Needs Entra admin" in note["text"]
    [shown] = (await client.get(f"{V1}/ai-sessions/{sid}/handoffs", headers=h)).json()
    assert shown["psa_note_pushed"] is True and shown["psa_note_id"] == "9000"
    assert shown["psa_note_error"] is None


async def test_a_session_without_a_ticket_sends_no_handoff_note(
    client: httpx.AsyncClient, tenant: Tenant, db
) -> None:  # type: ignore[no-untyped-def]
    h = tenant.engineer.headers
    sid = (
        await client.post(f"{V1}/ai-sessions", json={"problem_summary": "Wi-Fi drops"}, headers=h)
    ).json()["id"]
    await client.post(f"{V1}/ai-sessions/{sid}/handoff", json={"intent": "park"}, headers=h)
    queued = await db.scalar(
        text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'push_handoff_note'")
    )
    assert queued == 0


async def test_a_changed_secret_key_asks_for_the_credentials_again(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, app
) -> None:  # type: ignore[no-untyped-def]
    cid = await add_connection(client, tenant, cw_connection(psa))
    app.state.settings = make_settings(FLOWPILOT_SECRET_KEY="rotated-key")
    h = tenant.admin.headers
    listed = (await client.get(f"{V1}/psa-connections", headers=h)).json()
    assert listed[0]["secret_fields_set"] == []
    tested = (await client.post(f"{V1}/psa-connections/{cid}/test", headers=h)).json()
    assert tested["ok"] is False and "enter them again" in tested["message"]
    await client.patch(
        f"{V1}/psa-connections/{cid}", json={"secrets": {"private_key": "priv"}}, headers=h
    )
    assert (await client.post(f"{V1}/psa-connections/{cid}/test", headers=h)).json()["ok"] is True


async def test_a_missing_autotask_ticket_is_a_404_not_a_500(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa
) -> None:
    cid = await add_connection(client, tenant, autotask_connection(psa))
    h = tenant.engineer.headers
    preview = await client.get(f"{V1}/psa-connections/{cid}/tickets/999", headers=h)
    assert preview.status_code == 404 and preview.json()["code"] == "psa_ticket_not_found"
    r = await client.post(
        f"{V1}/ai-sessions", json={"psa_ticket_id": "999", "psa_connection_id": cid}, headers=h
    )
    assert r.status_code == 404 and r.json()["code"] == "psa_ticket_not_found"


async def test_an_autotask_validation_error_fails_at_once_with_the_vendors_reason(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings, db
) -> None:  # type: ignore[no-untyped-def]
    cid = await add_connection(client, tenant, autotask_connection(psa))
    s = await resolved_from_ticket(client, tenant, cid)
    notes = s["outputs"]["psa_ticket_notes"]
    push_id = await approve_and_push(client, tenant, s["base"], notes["id"])
    psa.state.fail_next.append((500, {"errors": ["Ticket 4242 is closed; notes are locked."]}, {}))
    await run_job(maker, provider, settings, push_id)
    [log] = await pushes(client, tenant, s["base"], notes["id"])
    assert log["result"] == "failed" and log["attempts"] == 1
    assert "notes are locked" in log["error"] and "gave up" not in log["error"]
    jobs = await db.scalar(
        text("SELECT count(*) FROM procrastinate_jobs WHERE args->>'push_id' = :p"),
        {"p": push_id},
    )
    assert jobs == 1  # no retry scheduled


async def test_autotask_connection_test_checks_the_credentials(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa
) -> None:
    h = tenant.admin.headers
    body = autotask_connection(psa)
    body["secrets"]["secret"] = "wrong"
    cid = await add_connection(client, tenant, body)
    bad = (await client.post(f"{V1}/psa-connections/{cid}/test", headers=h)).json()
    assert bad["ok"] is False and "rejected the credentials (401)" in bad["message"]
    await client.patch(
        f"{V1}/psa-connections/{cid}", json={"secrets": {"secret": "at-secret"}}, headers=h
    )
    ok = (await client.post(f"{V1}/psa-connections/{cid}/test", headers=h)).json()
    assert ok["ok"] is True and "of 10,000 API requests" in ok["message"]


async def test_halo_outcomes_are_set_per_connection_and_checked_by_the_test(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings, db
) -> None:  # type: ignore[no-untyped-def]
    h = tenant.admin.headers
    body = halo_connection(psa)
    body["settings"]["note_outcome"] = "Note"
    body["settings"]["agent_id"] = "5"  # the agent time of unmapped engineers goes to
    cid = await add_connection(client, tenant, body)
    tested = (await client.post(f"{V1}/psa-connections/{cid}/test", headers=h)).json()
    assert tested["ok"] is False and "no action outcome named 'Note'" in tested["message"]
    assert "Private Note, Public Note" in tested["message"]
    r = await client.patch(
        f"{V1}/psa-connections/{cid}",
        json={"settings": {"note_outcome": "Private Note", "resolution_outcome": "Public Note"}},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert (await client.post(f"{V1}/psa-connections/{cid}/test", headers=h)).json()["ok"]
    s = await resolved_from_ticket(client, tenant, cid)
    await db.execute(
        text("UPDATE ai_sessions SET total_active_seconds = 2100 WHERE id = :i"), {"i": s["sid"]}
    )
    await db.commit()
    for kind in ("psa_ticket_notes", "client_summary"):
        push_id = await approve_and_push(client, tenant, s["base"], s["outputs"][kind]["id"])
        await run_job(maker, provider, settings, push_id)
    internal, public = psa.state.actions
    assert (internal["outcome"], public["outcome"]) == ("Private Note", "Public Note")
    assert internal["timetaken"] == pytest.approx(2100 / 3600, abs=1e-4)  # 35 min in hours


async def test_a_connectwise_site_without_codebase_works_end_to_end(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa
) -> None:
    body = cw_connection(psa)
    body["settings"]["base_url"] = f"{psa.url}/cw"  # the site only
    cid = await add_connection(client, tenant, body)
    tested = await client.post(f"{V1}/psa-connections/{cid}/test", headers=tenant.admin.headers)
    assert tested.json()["ok"] is True, tested.text
    ticket = await client.get(
        f"{V1}/psa-connections/{cid}/tickets/4242", headers=tenant.engineer.headers
    )
    assert ticket.status_code == 200 and ticket.json()["description"] == "CEO laptop"
    await client.patch(
        f"{V1}/psa-connections/{cid}",
        json={"settings": {"company_id": "nobody"}},
        headers=tenant.admin.headers,
    )
    r = await client.get(
        f"{V1}/psa-connections/{cid}/tickets/4242", headers=tenant.engineer.headers
    )
    assert r.status_code == 502 and "'nobody'" in r.json()["detail"]
