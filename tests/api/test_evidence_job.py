"""With a real model, each engineer message is also read by the model (a job): its evidence
joins the extractor's on the message, and later turns rank and reason on both."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from flowpilot.ai.anthropic import AnthropicProvider
from flowpilot.ai.base import ProviderError
from flowpilot.conversation.tasks import run_evidence_extraction
from flowpilot.jobs.runtime import Runtime, set_runtime
from tests.conftest import Tenant
from tests.fakes.llm import anthropic_error, anthropic_tool_message
from tests.fakes.recording import RecordingProvider
from tests.fakes.server import Canned

MESSAGE = (
    "Since Tuesday the accounting PCs get 'The trust relationship between this workstation and "
    "the primary domain failed'. I already rejoined one PC to the domain and that one works."
)
MODEL_READING = {
    "codes": [],
    "products": ["Active Directory"],
    "versions": [],
    "changes": ["Since Tuesday"],
    "commands": [],
    "done": ["Rejoined one PC to the domain: that PC works again"],
    "not_done": [],
    "findings": ["Accounting PCs lose the domain trust relationship"],
    "scope": "several users",
}


class ModelProvider(RecordingProvider):
    """Answers offline, but says it is a real model (so messages get the evidence job)."""

    name = "anthropic"


@pytest.fixture
def provider() -> RecordingProvider:
    return ModelProvider()


async def _send(client: httpx.AsyncClient, tenant: Tenant) -> tuple[str, str]:
    h = {**tenant.engineer.headers, "Accept": "application/json"}
    s = await client.post("/api/v1/ai-sessions", json={"problem_summary": MESSAGE}, headers=h)
    turn = await client.post(
        f"/api/v1/ai-sessions/{s.json()['id']}/messages", json={"content": MESSAGE}, headers=h
    )
    assert turn.status_code == 200, turn.text
    return s.json()["id"], turn.json()["user_message"]["id"]


async def _messages(client: httpx.AsyncClient, tenant: Tenant, sid: str) -> list[dict]:  # type: ignore[type-arg]
    r = await client.get(f"/api/v1/ai-sessions/{sid}/messages", headers=tenant.engineer.headers)
    return r.json()  # type: ignore[no-any-return]


async def test_a_message_is_read_by_the_model_and_its_evidence_joined(
    client: httpx.AsyncClient, tenant: Tenant, app, vendors, db
) -> None:  # type: ignore[no-untyped-def]
    sid, mid = await _send(client, tenant)
    queued = await db.scalar(
        text(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'extract_evidence' "
            "AND args->>'message_id' = :m"
        ),
        {"m": mid},
    )
    assert queued == 1
    before = next(m for m in await _messages(client, tenant, sid) if m["id"] == mid)
    assert "evidence_source" not in before["meta"]

    vendors.anthropic.reset(Canned(200, anthropic_tool_message("message_evidence", MODEL_READING)))
    model = AnthropicProvider(api_key="k", model="claude-test", base_url=vendors.url, max_retries=0)
    set_runtime(Runtime(sessionmaker=app.state.sessionmaker, provider=model))
    await run_evidence_extraction(mid)

    after = next(m for m in await _messages(client, tenant, sid) if m["id"] == mid)
    evidence = after["meta"]["evidence"]
    assert after["meta"]["evidence_source"] == "model"
    assert evidence["done"] == ["Rejoined one PC to the domain: that PC works again"]
    assert evidence["scope"] == "several users" and "Active Directory" in evidence["products"]
    sent = vendors.anthropic.requests[-1]
    assert MESSAGE in str(sent["messages"]) and sent["tools"][0]["name"] == "message_evidence"
    session = (
        await client.get(f"/api/v1/ai-sessions/{sid}", headers=tenant.engineer.headers)
    ).json()
    assert session["usage"]["input_tokens"] >= 40  # the job's tokens count for the session

    # The next turn reasons on the model's reading ("Known so far" lists it).
    h = {**tenant.engineer.headers, "Accept": "application/json"}
    turn = await client.post(
        f"/api/v1/ai-sessions/{sid}/messages", json={"content": "What next?"}, headers=h
    )
    assert "Rejoined one PC to the domain" in str(turn.json()["assistant_message"]["meta"])

    # Run twice (a retried job): nothing is read or written again.
    calls = len(vendors.anthropic.requests)
    await run_evidence_extraction(mid)
    assert len(vendors.anthropic.requests) == calls


async def test_a_refused_call_leaves_the_extractor_evidence_and_a_failure_is_retried(
    client: httpx.AsyncClient, tenant: Tenant, app, vendors
) -> None:  # type: ignore[no-untyped-def]
    sid, mid = await _send(client, tenant)
    model = AnthropicProvider(api_key="k", model="claude-test", base_url=vendors.url, max_retries=0)
    set_runtime(Runtime(sessionmaker=app.state.sessionmaker, provider=model))
    vendors.anthropic.reset(Canned(400, anthropic_error("invalid_request_error", "too long")))
    await run_evidence_extraction(mid)  # not retryable: logged, nothing changes
    vendors.anthropic.reset(Canned(529, anthropic_error("overloaded_error", "busy")))
    with pytest.raises(ProviderError):
        await run_evidence_extraction(mid)  # retryable: procrastinate retries the job
    message = next(m for m in await _messages(client, tenant, sid) if m["id"] == mid)
    assert "evidence_source" not in message["meta"]
    assert message["meta"]["evidence"]["changes"]  # the extractor's reading stays


async def test_offline_mode_queues_no_model_reading(
    client: httpx.AsyncClient, tenant: Tenant, app, db
) -> None:  # type: ignore[no-untyped-def]
    app.state.provider = RecordingProvider()
    _, mid = await _send(client, tenant)
    queued = await db.scalar(
        text("SELECT count(*) FROM procrastinate_jobs WHERE args->>'message_id' = :m"),
        {"m": mid},
    )
    assert queued == 0


async def test_the_model_maps_a_report_the_extractor_left_open(
    client: httpx.AsyncClient, tenant: Tenant, app, vendors
) -> None:  # type: ignore[no-untyped-def]
    sid, _ = await _send(client, tenant)
    h = {**tenant.engineer.headers, "Accept": "application/json"}
    reply = await client.post(
        f"/api/v1/ai-sessions/{sid}/messages",
        json={"content": "ok, the accounting lead will get back to me on that one"},
        headers=h,
    )
    mid = reply.json()["user_message"]["id"]
    steps = (
        await client.get(f"/api/v1/ai-sessions/{sid}/steps", headers=tenant.engineer.headers)
    ).json()
    open_steps = [s for s in steps if s["state"] == "suggested"]
    assert open_steps, steps  # the deterministic reading left it open
    reading = {
        **MODEL_READING,
        "step_reports": [
            {"suggestion": 1, "state": "skipped", "result": "waiting on the accounting lead"},
            {"suggestion": 9, "state": "done", "result": "out of range: ignored"},
        ],
    }
    vendors.anthropic.reset(Canned(200, anthropic_tool_message("message_evidence", reading)))
    model = AnthropicProvider(api_key="k", model="claude-test", base_url=vendors.url, max_retries=0)
    set_runtime(Runtime(sessionmaker=app.state.sessionmaker, provider=model))
    await run_evidence_extraction(mid)
    sent = vendors.anthropic.requests[-1]
    assert "Open suggestions:\n1. " in sent["messages"][0]["content"][-1]["text"]
    after = (
        await client.get(f"/api/v1/ai-sessions/{sid}/steps", headers=tenant.engineer.headers)
    ).json()
    newest = max(
        (s for s in after if s["id"] in {o["id"] for o in open_steps}),
        key=lambda s: s["step_number"],
    )
    assert newest["state"] == "skipped" and newest["report_source"] == "model"
    assert newest["result"] == "waiting on the accounting lead"
