"""Monthly AI budgets: answers and background calls add their list-price cost to running totals;
admins and leads are told once at 80 % and once at 100 %; a budget set to block refuses model
turns with a 402 naming the figures and writes nothing; the offline provider is never refused;
one engineer's own budget; admins only set it; each account sees its own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text

from flowpilot.ai.base import ChatEvent, ChatRequest, Completed, TextDelta, Usage
from flowpilot.ai.offline import OfflineProvider
from tests.api.test_usage import PricedModel
from tests.conftest import Tenant, add_member

JSON = {"Accept": "application/json"}
V1 = "/api/v1"


class CostlyModel(PricedModel):
    """Each answer: 100,000 tokens in and 10,000 out of claude-sonnet-4-5 = $0.45."""

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatEvent]:
        yield TextDelta("Check the print spooler on PRINT01.")
        yield Completed(usage=Usage(input_tokens=100_000, output_tokens=10_000))


@pytest.fixture
def provider() -> PricedModel:
    return CostlyModel()


async def _session(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    r = await client.post(
        f"{V1}/ai-sessions", json={"problem_summary": "Printer offline"}, headers=headers
    )
    return str(r.json()["id"])


async def _say(client: httpx.AsyncClient, headers: dict[str, str], sid: str) -> httpx.Response:
    return await client.post(
        f"{V1}/ai-sessions/{sid}/messages",
        json={"content": "Spooler restarted, still offline"},
        headers={**headers, **JSON},
    )


async def test_spend_is_counted_and_a_blocking_budget_refuses_the_next_turn(
    client: httpx.AsyncClient, tenant: Tenant, db
) -> None:  # type: ignore[no-untyped-def]
    admin, engineer = tenant.admin.headers, tenant.engineer.headers
    # The first answer ($0.45) passes 80 %, the second 100 %: the third turn is refused.
    budget = 0.5
    r = await client.put(
        f"{V1}/ai-budget", json={"monthly_usd": budget, "action": "block"}, headers=admin
    )
    assert r.status_code == 200, r.text
    sid = await _session(client, engineer)
    spent = 0.0
    while spent < budget:
        assert (await _say(client, engineer, sid)).status_code == 200
        status = (await client.get(f"{V1}/ai-budget", headers=engineer)).json()
        assert status["spent_usd"] > spent  # each answer added its cost (and intake, if any)
        spent = status["spent_usd"]
    messages = await db.scalar(
        text("SELECT count(*) FROM session_messages WHERE session_id = :s"), {"s": sid}
    )
    refused = await _say(client, engineer, sid)
    assert refused.status_code == 402, refused.text
    body = refused.json()
    assert body["code"] == "ai_budget_exhausted" and body["budget_usd"] == budget
    assert f"of ${budget:.2f}" in body["detail"]
    # Nothing was written: the message stays with the engineer, not half in the session.
    assert messages == await db.scalar(
        text("SELECT count(*) FROM session_messages WHERE session_id = :s"), {"s": sid}
    )
    assert (await client.get(f"{V1}/ai-budget", headers=engineer)).json()["blocked"] is True
    # Admins and leads were told at 80 % and at 100 %, once each.
    notes = (await client.get(f"{V1}/notifications", headers=admin)).json()["items"]
    budget_notes = [n["title"] for n in notes if n["kind"] == "ai_budget"]
    assert sorted(t.split(":")[0] for t in budget_notes) == [
        "AI budget at 80 %",
        "AI budget used up",
    ]
    mine = (await client.get(f"{V1}/notifications", headers=engineer)).json()["items"]
    assert not [n for n in mine if n["kind"] == "ai_budget"]


async def test_a_warning_budget_lets_turns_through(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await client.put(
        f"{V1}/ai-budget",
        json={"monthly_usd": "0.5", "action": "warn"},
        headers=tenant.admin.headers,
    )
    sid = await _session(client, tenant.engineer.headers)
    for _ in range(3):
        assert (await _say(client, tenant.engineer.headers, sid)).status_code == 200
    status = (await client.get(f"{V1}/ai-budget", headers=tenant.engineer.headers)).json()
    assert status["used"] > 1 and status["blocked"] is False


async def test_one_engineers_budget_blocks_only_them(
    client: httpx.AsyncClient, tenant: Tenant, maker
) -> None:  # type: ignore[no-untyped-def]
    await client.put(
        f"{V1}/ai-budget",
        json={"monthly_usd": 100, "engineer_monthly_usd": "0.4", "action": "block"},
        headers=tenant.admin.headers,
    )
    sid = await _session(client, tenant.engineer.headers)
    assert (await _say(client, tenant.engineer.headers, sid)).status_code == 200
    refused = await _say(client, tenant.engineer.headers, sid)
    assert refused.status_code == 402 and refused.json()["code"] == "ai_engineer_budget_exhausted"
    # A lead on the same account is under their own figure.
    lead = await add_member(maker, tenant, "lead")
    lead_sid = await _session(client, lead.headers)
    assert (await _say(client, lead.headers, lead_sid)).status_code == 200


async def test_the_offline_provider_is_never_refused(
    app, client: httpx.AsyncClient, tenant: Tenant, db
) -> None:  # type: ignore[no-untyped-def]
    app.state.provider = OfflineProvider()
    await client.put(
        f"{V1}/ai-budget",
        json={"monthly_usd": "0.01", "action": "block"},
        headers=tenant.admin.headers,
    )
    await db.execute(
        text(
            "INSERT INTO ai_spend_months (id, account_id, month, cost_usd)"
            " VALUES (gen_random_uuid(), :a, date_trunc('month', now())::date, 5)"
        ),
        {"a": tenant.account.id},
    )
    await db.commit()
    sid = await _session(client, tenant.engineer.headers)
    assert (await _say(client, tenant.engineer.headers, sid)).status_code == 200


async def test_only_admins_set_the_budget_and_bad_figures_are_422(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, maker
) -> None:  # type: ignore[no-untyped-def]
    body = {"monthly_usd": 50, "action": "block"}
    assert (
        await client.put(f"{V1}/ai-budget", json=body, headers=tenant.engineer.headers)
    ).status_code == 403
    lead = await add_member(maker, tenant, "lead")
    assert (await client.put(f"{V1}/ai-budget", json=body, headers=lead.headers)).status_code == 403
    for bad in ({"monthly_usd": 0}, {"monthly_usd": -5}, {"monthly_usd": 5, "action": "stop"}):
        r = await client.put(f"{V1}/ai-budget", json=bad, headers=tenant.admin.headers)
        assert r.status_code == 422, bad
    r = await client.put(f"{V1}/ai-budget", json=body, headers=tenant.admin.headers)
    assert r.json()["configured"] is True and r.json()["monthly_usd"] == 50
    # Another account has its own (none), and cannot remove this one.
    other = (await client.get(f"{V1}/ai-budget", headers=other_tenant.admin.headers)).json()
    assert other["configured"] is False
    await client.delete(f"{V1}/ai-budget", headers=other_tenant.admin.headers)
    mine = (await client.get(f"{V1}/ai-budget", headers=tenant.admin.headers)).json()
    assert mine["configured"] is True
    removed = await client.delete(f"{V1}/ai-budget", headers=tenant.admin.headers)
    assert removed.json()["configured"] is False


async def test_a_blocking_budget_refuses_a_message_sent_on_a_branch_too(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """Every route that runs a model turn checks the budget (the branch route once did not)."""
    admin, engineer = tenant.admin.headers, tenant.engineer.headers
    await client.put(f"{V1}/ai-budget", json={"monthly_usd": 0.1, "action": "block"}, headers=admin)
    sid = await _session(client, engineer)
    assert (await _say(client, engineer, sid)).status_code == 200  # $0.45: the budget is spent
    tree = (await client.get(f"{V1}/ai-sessions/{sid}/branches", headers=engineer)).json()
    refused = await client.post(
        f"{V1}/ai-sessions/{sid}/branches/{tree['active_branch_id']}/message",
        json={"message": "Driver reinstalled"},
        headers={**engineer, **JSON},
    )
    assert refused.status_code == 402 and refused.json()["code"] == "ai_budget_exhausted"
