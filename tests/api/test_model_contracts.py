"""Typed model contracts: off-schema answers from the model (strings for objects, missing
fields, invalid JSON) are repaired once or replaced by the record's composition, never a 5xx."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from flowpilot.ai.anthropic import AnthropicProvider
from flowpilot.ai.contracts import FALLBACK_NOTE, schema_of
from flowpilot.ai.openai_compat import OpenAIProvider
from flowpilot.handoffs.schemas import Assessment
from flowpilot.resolutions.schemas import DOCUMENT_MODELS
from tests.conftest import Tenant
from tests.fakes.llm import anthropic_tool_message, openai_completion
from tests.fakes.server import Canned

JSON = {"Accept": "application/json"}
PROBLEM = "Outlook keeps asking for a password on one laptop"
OFF_SCHEMA: list[dict[str, Any]] = [
    {"summary": {"text": "an object"}, "work_performed": "a string, not a list"},  # wrong types
    {"title": "Only a title"},  # missing fields
    {"likely_cause": ["a", "list"], "confidence": "certain"},  # bad enum, wrong type
]


def test_every_contract_schema_is_typed() -> None:
    def untyped(node: Any) -> bool:
        if isinstance(node, dict):
            properties = node.get("properties", {}) if node.get("type") == "object" else {}
            if any(v == {} for v in properties.values()):
                return True
            return any(untyped(v) for v in node.values())
        if isinstance(node, list):
            return any(untyped(v) for v in node)
        return False

    for model in [*DOCUMENT_MODELS.values(), Assessment]:
        schema = schema_of(model)
        assert "$ref" not in json.dumps(schema) and not untyped(schema), model.__name__
        assert set(schema["required"]) <= set(schema["properties"])


async def _resolved(client: httpx.AsyncClient, tenant: Tenant) -> str:
    h = tenant.engineer.headers
    sid = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": PROBLEM}, headers=h)
    ).json()["id"]
    await client.post(
        f"/api/v1/ai-sessions/{sid}/messages", json={"content": PROBLEM}, headers={**h, **JSON}
    )
    tree = (await client.get(f"/api/v1/ai-sessions/{sid}/branches", headers=h)).json()
    r = await client.patch(
        f"/api/v1/ai-sessions/{sid}/branches/{tree['active_branch_id']}",
        json={
            "status": "solved",
            "status_reason": "Re-registered the device with Entra ID; prompts stopped",
            "resolve_session": True,
        },
        headers=h,
    )
    assert r.status_code == 200, r.text
    return str(sid)


def _anthropic(vendors) -> AnthropicProvider:  # type: ignore[no-untyped-def]
    return AnthropicProvider(api_key="k", model="claude-test", base_url=vendors.url, max_retries=0)


def _openai(vendors) -> OpenAIProvider:  # type: ignore[no-untyped-def]
    return OpenAIProvider(
        api_key="k", model="gpt-test", base_url=f"{vendors.url}/v1", max_retries=0
    )


@pytest.mark.parametrize("bad", OFF_SCHEMA)
async def test_off_schema_documents_fall_back_to_the_record(
    client: httpx.AsyncClient, tenant: Tenant, app, vendors, bad: dict[str, Any]
) -> None:  # type: ignore[no-untyped-def]
    sid = await _resolved(client, tenant)
    vendors.anthropic.reset(Canned(200, anthropic_tool_message("any", bad)))
    app.state.provider = _anthropic(vendors)
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/outputs/generate", headers=tenant.engineer.headers
    )
    assert r.status_code == 200, r.text
    outputs = {o["output_type"]: o for o in r.json()["outputs"]}
    assert "Re-registered the device" in outputs["psa_ticket_notes"]["generated_content"]
    assert outputs["psa_ticket_notes"]["structured_data"]["generation_note"] == FALLBACK_NOTE
    # One repair attempt per document, told what was wrong.
    assert len(vendors.anthropic.requests) == 6
    prompts = [q["messages"][0]["content"][-1]["text"] for q in vendors.anthropic.requests]
    repairs = [p for p in prompts if "did not fit the required structure" in p]
    assert len(repairs) == 3 and all("- " in p.split("required structure")[1] for p in repairs)


async def test_a_repaired_answer_is_used(
    client: httpx.AsyncClient, tenant: Tenant, app, vendors
) -> None:  # type: ignore[no-untyped-def]
    sid = await _resolved(client, tenant)
    good = {
        "summary": "Outlook prompted for a password on one laptop.",
        "cause": "Device registration broken",
        "work_performed": ["(invented by the model)"],
        "ruled_out": [],
        "resolution": "Re-registered the device with Entra ID (model wording).",
        "follow_up": "None.",
        "time_minutes": 999,
    }
    vendors.anthropic.reset(Canned(200, anthropic_tool_message("psa_ticket_notes", good)))
    vendors.anthropic.push(Canned(200, anthropic_tool_message("psa_ticket_notes", OFF_SCHEMA[0])))
    app.state.provider = _anthropic(vendors)
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/outputs/generate", headers=tenant.engineer.headers
    )
    assert r.status_code == 200, r.text
    notes = next(o for o in r.json()["outputs"] if o["output_type"] == "psa_ticket_notes")
    text = notes["generated_content"]
    assert "(model wording)" in text
    # Who did what, and time, come from the record, never from the model.
    assert "invented by the model" not in text and "999" not in text


async def test_invalid_json_from_an_openai_compatible_server(
    client: httpx.AsyncClient, tenant: Tenant, app, vendors
) -> None:  # type: ignore[no-untyped-def]
    sid = await _resolved(client, tenant)
    vendors.openai.reset(Canned(200, openai_completion("Sure! Here are the notes: {not json")))
    app.state.provider = _openai(vendors)
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/outputs/generate", headers=tenant.engineer.headers
    )
    assert r.status_code == 200, r.text
    assert all(o["generated_content"] for o in r.json()["outputs"])
    strings_for_lists = json.dumps({"title": "x", "symptoms": "one string", "root_cause": 3})
    vendors.openai.reset(Canned(200, openai_completion(strings_for_lists)))
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/outputs/generate", headers=tenant.engineer.headers
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("wire", ["anthropic", "openai"])
async def test_off_schema_assessment_and_briefing_never_block_an_escalation(
    client: httpx.AsyncClient, tenant: Tenant, app, vendors, wire: str
) -> None:  # type: ignore[no-untyped-def]
    h = tenant.engineer.headers
    sid = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": PROBLEM}, headers=h)
    ).json()["id"]
    if wire == "anthropic":
        vendors.anthropic.reset(Canned(200, anthropic_tool_message("x", OFF_SCHEMA[2])))
        app.state.provider = _anthropic(vendors)
    else:
        vendors.openai.reset(Canned(200, openai_completion(json.dumps(OFF_SCHEMA[2]))))
        app.state.provider = _openai(vendors)
    preview = await client.post(
        f"/api/v1/ai-sessions/{sid}/handoff/preview", json={"intent": "escalate"}, headers=h
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["assessment"]["confidence"] in ("low", "medium", "high")
    handoff = await client.post(
        f"/api/v1/ai-sessions/{sid}/handoff", json={"intent": "escalate"}, headers=h
    )
    assert handoff.status_code in (200, 201), handoff.text
    lead = tenant.admin.headers
    claim = await client.post(
        f"/api/v1/ai-sessions/{sid}/handoffs/{handoff.json()['id']}/claim", headers=lead
    )
    assert claim.status_code == 200, claim.text
    briefing = await client.get(
        f"/api/v1/ai-sessions/{sid}/handoffs/{handoff.json()['id']}/briefing", headers=lead
    )
    assert briefing.status_code == 200, briefing.text
    assert PROBLEM in briefing.json()["briefing"]
