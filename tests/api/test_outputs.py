"""Resolution outputs: generated on resolve from the record, versioned, edited, published."""

from __future__ import annotations

import httpx
import pytest

from flowpilot.jobs.runtime import Runtime, set_runtime
from flowpilot.resolutions.tasks import generate_resolution_outputs
from tests.conftest import Tenant, add_member

JSON = {"Accept": "application/json"}
PROBLEM = "Outlook keeps asking for a password on one laptop"


@pytest.fixture
async def resolved(client: httpx.AsyncClient, tenant: Tenant, maker, provider) -> dict[str, str]:  # type: ignore[no-untyped-def]
    h = tenant.engineer.headers
    sid = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": PROBLEM}, headers=h)
    ).json()["id"]
    base = f"/api/v1/ai-sessions/{sid}"
    await client.post(f"{base}/messages", json={"content": PROBLEM}, headers={**h, **JSON})
    fork = await client.post(
        f"{base}/branches/fork",
        json={
            "fork_reason": "two causes",
            "options": [{"label": "Stale cached credentials"}, {"label": "Broken WAM broker"}],
        },
        headers=h,
    )
    creds, wam = (b["id"] for b in fork.json()["branches"])
    await client.post(
        f"{base}/branches/{creds}/message",
        json={"message": "cleared credential manager"},
        headers={**h, **JSON},
    )
    await client.patch(
        f"{base}/branches/{creds}",
        json={"status": "dead_end", "status_reason": "Credential Manager was clean"},
        headers=h,
    )
    await client.post(
        f"{base}/branches/{wam}/message",
        json={"message": "dsregcmd shows AzureAdPrt NO"},
        headers={**h, **JSON},
    )
    r = await client.patch(
        f"{base}/branches/{wam}",
        json={
            "status": "solved",
            "status_reason": "Re-registered the device with Entra ID; prompts stopped",
            "resolve_session": True,
        },
        headers=h,
    )
    assert r.status_code == 200
    set_runtime(Runtime(sessionmaker=maker, provider=provider))
    await generate_resolution_outputs(session_id=sid)
    return {"sid": sid, "base": base}


async def test_resolve_writes_three_documents_with_rule_out_first(
    client: httpx.AsyncClient, tenant: Tenant, resolved
) -> None:  # type: ignore[no-untyped-def]
    outputs = (
        await client.get(f"{resolved['base']}/outputs", headers=tenant.engineer.headers)
    ).json()["outputs"]
    by_type = {o["output_type"]: o for o in outputs}
    assert set(by_type) == {"psa_ticket_notes", "knowledge_base", "client_summary"}
    kb = by_type["knowledge_base"]
    assert (
        "## Rule out first\n- Stale cached credentials: Credential Manager was clean"
        in kb["generated_content"]
    )
    assert "Re-registered the device with Entra ID" in kb["generated_content"]
    assert "Broken WAM broker" in by_type["psa_ticket_notes"]["generated_content"]
    client_text = by_type["client_summary"]["generated_content"]
    assert "Re-registered the device" in client_text and "dead_end" not in client_text
    assert all(o["status"] == "draft" and o["version"] == 1 for o in outputs)


async def test_regenerate_keeps_one_draft_per_type_and_versions(
    client: httpx.AsyncClient, tenant: Tenant, resolved
) -> None:  # type: ignore[no-untyped-def]
    h = tenant.engineer.headers
    for _ in range(2):
        r = await client.post(f"{resolved['base']}/outputs/generate", headers=h)
        assert r.status_code == 200
    outputs = (await client.get(f"{resolved['base']}/outputs", headers=h)).json()["outputs"]
    assert len(outputs) == 3 and {o["version"] for o in outputs} == {3}
    kb = next(o for o in outputs if o["output_type"] == "knowledge_base")
    versions = (
        await client.get(f"{resolved['base']}/outputs/{kb['id']}/versions", headers=h)
    ).json()
    assert [v["version"] for v in versions] == [1, 2, 3]


async def test_edit_then_publish_to_kb_library_and_retrieve_later(
    client: httpx.AsyncClient, tenant: Tenant, resolved
) -> None:  # type: ignore[no-untyped-def]
    h = tenant.engineer.headers
    outputs = (await client.get(f"{resolved['base']}/outputs", headers=h)).json()["outputs"]
    kb = next(o for o in outputs if o["output_type"] == "knowledge_base")
    edited = kb["generated_content"] + "\n\nReviewed by the service desk lead."
    r = await client.patch(
        f"{resolved['base']}/outputs/{kb['id']}", json={"edited_content": edited}, headers=h
    )
    assert (
        r.status_code == 200 and r.json()["version"] == 2 and r.json()["edited_content"] == edited
    )
    pushed = await client.post(
        f"{resolved['base']}/outputs/{kb['id']}/push", json={"destination": "kb_library"}, headers=h
    )
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["status"] == "pushed" and pushed.json()["pushed_reference"]
    entry = (
        await client.get(f"/api/v1/library/entries/{pushed.json()['pushed_reference']}", headers=h)
    ).json()
    assert entry["scope"] == "account" and entry["steps"][0]["title"].startswith(
        "Rule out: Stale cached credentials"
    )

    # A later session with the same symptoms is offered the article and its rule-out list.
    s2 = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": PROBLEM}, headers=h)
    ).json()["id"]
    reply = (
        await client.post(
            f"/api/v1/ai-sessions/{s2}/messages", json={"content": PROBLEM}, headers={**h, **JSON}
        )
    ).json()
    meta = reply["assistant_message"]["meta"]
    assert meta["guide"]["focus"]["slug"] == entry["slug"]
    assert "Rule out: Stale cached credentials" in reply["assistant_message"]["content"]


async def test_clipboard_and_unreviewed_or_unlinked_pushes_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, resolved
) -> None:  # type: ignore[no-untyped-def]
    h = tenant.engineer.headers
    outputs = (await client.get(f"{resolved['base']}/outputs", headers=h)).json()["outputs"]
    notes = next(o for o in outputs if o["output_type"] == "psa_ticket_notes")
    copied = await client.post(
        f"{resolved['base']}/outputs/{notes['id']}/push",
        json={"destination": "clipboard"},
        headers=h,
    )
    assert (
        copied.json()["clipboard_text"] == notes["generated_content"]
        and copied.json()["status"] == "draft"
    )
    psa = await client.post(
        f"{resolved['base']}/outputs/{notes['id']}/push", json={"destination": "psa"}, headers=h
    )
    # Nothing reaches a ticket unreviewed; approved but with no ticket linked: say which.
    assert psa.status_code == 409 and psa.json()["code"] == "approval_required"
    await client.patch(
        f"{resolved['base']}/outputs/{notes['id']}", json={"status": "approved"}, headers=h
    )
    psa = await client.post(
        f"{resolved['base']}/outputs/{notes['id']}/push", json={"destination": "psa"}, headers=h
    )
    assert psa.status_code == 422 and psa.json()["code"] == "ticket_required"
    after = (await client.get(f"{resolved['base']}/outputs", headers=h)).json()["outputs"]
    assert next(o for o in after if o["id"] == notes["id"])["status"] == "approved"
    assert next(o for o in after if o["id"] == notes["id"])["pushes"] == []
    assert (
        await client.post(
            f"{resolved['base']}/outputs/{notes['id']}/push", json={"destination": "fax"}, headers=h
        )
    ).status_code == 422


async def test_engineer_without_access_cannot_read_or_push(
    client: httpx.AsyncClient, tenant: Tenant, resolved, maker
) -> None:  # type: ignore[no-untyped-def]
    outsider = await add_member(maker, tenant, "engineer", team=False)
    outputs = (
        await client.get(f"{resolved['base']}/outputs", headers=tenant.engineer.headers)
    ).json()["outputs"]
    oid = outputs[0]["id"]
    assert (
        await client.get(f"{resolved['base']}/outputs", headers=outsider.headers)
    ).status_code == 404
    r = await client.post(
        f"{resolved['base']}/outputs/{oid}/push",
        json={"destination": "clipboard"},
        headers=outsider.headers,
    )
    assert r.status_code == 404
    for destination in ("psa", "email", "kb_library", "hudu", "itglue"):
        r = await client.post(
            f"{resolved['base']}/outputs/{oid}/push",
            json={"destination": destination},
            headers=outsider.headers,
        )
        assert r.status_code == 404, destination
    for path in ("pushes", "versions"):
        r = await client.get(f"{resolved['base']}/outputs/{oid}/{path}", headers=outsider.headers)
        assert r.status_code == 404, path
