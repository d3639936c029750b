"""The escalation assessment comes from the model's structured output (HTTP-level fake)."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Tenant
from tests.fakes.llm import anthropic_tool_message
from tests.fakes.server import Canned


@pytest.fixture
def provider(vendors):  # type: ignore[no-untyped-def]
    from flowpilot.ai.anthropic import AnthropicProvider

    return AnthropicProvider(api_key="k", model="claude-test", base_url=vendors.url, max_retries=0)


async def test_assessment_is_the_models_structured_output(
    client: httpx.AsyncClient, tenant: Tenant, vendors
) -> None:  # type: ignore[no-untyped-def]
    model_says = {
        "likely_cause": "Stale DNS suffix pushed by the new GPO",
        "confidence": "high",
        "ruled_out": ["Tunnel down"],
        "suggested_steps": ["Roll back the suffix GPO on one laptop"],
        "risks": ["GPO change affects the whole site"],
    }
    vendors.anthropic.reset(
        Canned(200, anthropic_tool_message("escalation_assessment", model_says))
    )
    h = tenant.engineer.headers
    s = (
        await client.post(
            "/api/v1/ai-sessions", json={"problem_summary": "Intranet names fail"}, headers=h
        )
    ).json()
    r = await client.post(
        f"/api/v1/ai-sessions/{s['id']}/handoff", json={"intent": "escalate"}, headers=h
    )
    assert r.status_code == 201, r.text
    assert r.json()["ai_assessment_data"] == model_says
    assert r.json()["ai_assessment"].startswith("Likely cause (high confidence): Stale DNS suffix")
    sent = vendors.anthropic.requests[-1]
    assert sent["tool_choice"] == {"type": "tool", "name": "escalation_assessment"}
    assert "Intranet names fail" in sent["messages"][0]["content"][-1]["text"]
