"""KB articles fit to publish (scrubbed, symptom title, cause apart from fix, retrieved like a
playbook) and client summaries in plain language."""

from __future__ import annotations

import re

import httpx

from flowpilot.ai.anthropic import AnthropicProvider
from flowpilot.jobs.runtime import Runtime, set_runtime
from flowpilot.resolutions.plain import flesch
from flowpilot.resolutions.tasks import generate_resolution_outputs
from tests.conftest import Tenant
from tests.fakes.llm import anthropic_tool_message
from tests.fakes.server import Canned

JSON = {"Accept": "application/json"}
PROBLEM = (
    "Acme Dental Group: scans from the reception copier to \\\\SRV-FS01\\scans fail with "
    "'SMB connection failed' since Friday's server move. Ticket #48213, contact Jane Miller "
    "(jane@acmedental.com, +1 (555) 201-3344)."
)
INTAKE = {
    "client": "Acme Dental Group",
    "contact": "Jane Miller",
    "contact_email": "jane@acmedental.com",
}
IDENTIFIERS = ("Acme", "Jane", "acmedental", "SRV-FS01", "48213", "555", "10.20.0.15")


async def _resolved_session(client: httpx.AsyncClient, tenant: Tenant, maker, provider) -> str:  # type: ignore[no-untyped-def]
    h = tenant.engineer.headers
    sid = (
        await client.post(
            "/api/v1/ai-sessions", json={"problem_summary": PROBLEM, "intake": INTAKE}, headers=h
        )
    ).json()["id"]
    base = f"/api/v1/ai-sessions/{sid}"
    await client.post(f"{base}/messages", json={"content": PROBLEM}, headers={**h, **JSON})
    await client.post(
        f"{base}/messages",
        json={
            "content": "The new file server SRV-FS01 (10.20.0.15) only allows SMB3; "
            "the copier speaks SMB1"
        },
        headers={**h, **JSON},
    )
    tree = (await client.get(f"{base}/branches", headers=h)).json()
    r = await client.patch(
        f"{base}/branches/{tree['active_branch_id']}",
        json={
            "status": "solved",
            "status_reason": "Updated the copier firmware so it supports SMB2/3; "
            "scans to SRV-FS01 work",
            "resolve_session": True,
        },
        headers=h,
    )
    assert r.status_code == 200, r.text
    set_runtime(Runtime(sessionmaker=maker, provider=provider))
    await generate_resolution_outputs(session_id=sid)
    return str(sid)


async def _outputs(client: httpx.AsyncClient, tenant: Tenant, sid: str) -> dict[str, dict]:  # type: ignore[type-arg]
    r = await client.get(f"/api/v1/ai-sessions/{sid}/outputs", headers=tenant.engineer.headers)
    return {o["output_type"]: o for o in r.json()["outputs"]}


async def test_kb_article_is_scrubbed_titled_by_symptom_and_retrieved_only_when_it_fits(
    client: httpx.AsyncClient, tenant: Tenant, maker, provider
) -> None:  # type: ignore[no-untyped-def]
    sid = await _resolved_session(client, tenant, maker, provider)
    kb = (await _outputs(client, tenant, sid))["knowledge_base"]
    text = kb["generated_content"]
    for identifier in IDENTIFIERS:
        assert identifier not in text, (identifier, text)
    title = text.splitlines()[0]
    assert title.startswith("# ") and not title.endswith(("…", "-")) and "#48213" not in title
    assert "## Cause" in text and "Updated the copier firmware" in text.split("## Resolution")[1]

    h = tenant.engineer.headers
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/outputs/{kb['id']}/push",
        json={"destination": "kb_library"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    hits = await client.get(
        "/api/v1/library/search",
        params={"q": "copier scan to folder fails with SMB connection failed after server move"},
        headers=h,
    )
    article = next(x for x in hits.json() if x["entry"]["kind"] == "kb_article")
    assert article["fits"] and article["entry"]["title"] == title[2:]
    for identifier in IDENTIFIERS:
        assert identifier not in str(article)
    unrelated = await client.get(
        "/api/v1/library/search", params={"q": "Outlook calendar shows wrong time zone"}, headers=h
    )
    assert all(not x["fits"] for x in unrelated.json() if x["entry"]["kind"] == "kb_article"), (
        unrelated.json()
    )


def _check_plain(text: str) -> None:
    assert flesch(text) >= 60, (flesch(text), text)
    assert not re.search(r"0x[0-9a-f]{4}|SRV-|\d+\.\d+\.\d+\.\d+|event \d+|KB\d{6}", text, re.I), (
        text
    )
    for identifier in IDENTIFIERS:
        assert identifier not in text, (identifier, text)


async def test_client_summary_is_plain_offline(
    client: httpx.AsyncClient, tenant: Tenant, maker, provider
) -> None:  # type: ignore[no-untyped-def]
    sid = await _resolved_session(client, tenant, maker, provider)
    _check_plain((await _outputs(client, tenant, sid))["client_summary"]["generated_content"])


async def test_client_summary_is_plain_when_a_model_writes_jargon(
    client: httpx.AsyncClient, tenant: Tenant, maker, provider, vendors, app
) -> None:  # type: ignore[no-untyped-def]
    sid = await _resolved_session(client, tenant, maker, provider)
    vendors.anthropic.reset(
        Canned(
            200,
            anthropic_tool_message(
                "client_summary",
                {
                    "problem": "SMB scan-to-folder on SRV-FS01 (10.20.0.15) failed with 0x80070035",
                    "what_we_found": "The KRB_AP_ERR_SKEW was not it; the MFP negotiated SMB1, "
                    "which the Server 2022 file server rejects per event 3000 in the SMBServer "
                    "audit log, because SMBv1 was removed from the new server by default",
                    "what_we_did": "Upgraded the multifunction printer firmware to a version "
                    "that negotiates SMB 3.1.1 and revalidated authentication",
                    "needed_from_you": "Nothing",
                    "time_minutes": 25,
                },
            ),
        )
    )
    app.state.provider = AnthropicProvider(
        api_key="k", model="claude-test", base_url=vendors.url, max_retries=0
    )
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/outputs/generate", headers=tenant.engineer.headers
    )
    assert r.status_code == 200, r.text
    assert any(q["tools"][0]["name"] == "client_summary" for q in vendors.anthropic.requests)
    text = (await _outputs(client, tenant, sid))["client_summary"]["generated_content"]
    assert "multifunction printer" in text  # the model's account, made plain
    _check_plain(text)
