"""A stream cut before the provider's end marker is kept, marked as cut off, and Retry stays
offered; an error event inside the stream is retryable."""

from __future__ import annotations

import httpx
import pytest

from flowpilot.ai.anthropic import AnthropicProvider
from flowpilot.ai.openai_compat import OpenAIProvider
from tests.conftest import Tenant
from tests.fakes.llm import anthropic_cut, anthropic_stream_error, openai_cut
from tests.fakes.server import Canned, anthropic_ok, openai_ok

JSON = {"Accept": "application/json"}
SSE = {"content-type": "text/event-stream"}


def _providers(vendors):  # type: ignore[no-untyped-def]
    return {
        "anthropic": (
            AnthropicProvider(
                api_key="k", model="claude-test", base_url=vendors.url, max_retries=0
            ),
            vendors.anthropic,
            Canned(200, anthropic_cut(["Check the ", "DNS ser"]), SSE),
            anthropic_ok("A complete answer."),
        ),
        "openai": (
            OpenAIProvider(
                api_key="k", model="gpt-test", base_url=f"{vendors.url}/v1", max_retries=0
            ),
            vendors.openai,
            Canned(200, openai_cut(["Check the ", "DNS ser"]), SSE),
            openai_ok("A complete answer."),
        ),
    }


@pytest.mark.parametrize("wire", ["anthropic", "openai"])
async def test_a_cut_stream_is_kept_as_cut_off_and_retry_is_offered(
    client: httpx.AsyncClient, tenant: Tenant, app, vendors, wire: str
) -> None:  # type: ignore[no-untyped-def]
    provider, script, cut, ok = _providers(vendors)[wire]
    app.state.provider = provider
    h = tenant.engineer.headers
    sid = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": "DNS down"}, headers=h)
    ).json()["id"]
    script.reset(cut)
    turn = await client.post(
        f"/api/v1/ai-sessions/{sid}/messages", json={"content": "DNS down"}, headers={**h, **JSON}
    )
    assert turn.status_code == 200, turn.text
    reply = turn.json()["assistant_message"]
    assert reply["meta"]["partial"] is True and reply["content"].startswith("Check the DNS ser")
    messages = (await client.get(f"/api/v1/ai-sessions/{sid}/messages", headers=h)).json()
    user = next(m for m in messages if m["role"] == "user")
    assert user["awaiting_reply"] is True  # a cut-off answer does not answer the message
    steps = (await client.get(f"/api/v1/ai-sessions/{sid}/steps", headers=h)).json()
    assert next(s for s in steps if s["message_id"] == reply["id"])["state"] == "record"

    script.reset(ok)
    again = await client.post(
        f"/api/v1/ai-sessions/{sid}/messages/{user['id']}/retry", headers={**h, **JSON}
    )
    assert again.status_code == 200, again.text
    assert "partial" not in again.json()["assistant_message"]["meta"]
    messages = (await client.get(f"/api/v1/ai-sessions/{sid}/messages", headers=h)).json()
    assert not any(m["awaiting_reply"] for m in messages)


async def test_an_error_event_inside_the_stream_is_retryable(
    client: httpx.AsyncClient, tenant: Tenant, app, vendors
) -> None:  # type: ignore[no-untyped-def]
    provider, script, _, _ = _providers(vendors)["anthropic"]
    app.state.provider = provider
    h = tenant.engineer.headers
    sid = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": "DNS down"}, headers=h)
    ).json()["id"]
    script.reset(Canned(200, anthropic_stream_error(["Partial "]), SSE))
    turn = await client.post(
        f"/api/v1/ai-sessions/{sid}/messages", json={"content": "DNS down"}, headers={**h, **JSON}
    )
    assert turn.status_code >= 400 and turn.status_code < 600
    body = turn.json()
    assert body["retryable"] is True, body
