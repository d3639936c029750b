"""What the AI cost: per turn from the price table, grouped by engineer / client / session,
and a session's own cost."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from flowpilot.ai.base import (
    ChatEvent,
    ChatRequest,
    Completed,
    StructuredRequest,
    StructuredResult,
    TextDelta,
    Usage,
)
from flowpilot.ai.offline import OfflineProvider
from tests.conftest import Tenant

JSON = {"Accept": "application/json"}
# claude-sonnet-4-5 at $3 / $15 / $3.75 / $0.30 per million (in, out, cache write, cache read)
TURN_COST = (1000 * 3 + 500 * 15 + 100 * 3.75 + 2000 * 0.30) / 1_000_000
TURN_SAVED = 2000 * (3 - 0.30) / 1_000_000


class PricedModel(OfflineProvider):
    name = "anthropic"
    model = "claude-sonnet-4-5"

    async def structured(self, request: StructuredRequest) -> StructuredResult:
        written = await super().structured(request)
        return StructuredResult(written.data, Usage(input_tokens=400, output_tokens=100))

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatEvent]:
        yield TextDelta("Check the print spooler on PRINT01.")
        yield Completed(
            usage=Usage(
                input_tokens=1000, output_tokens=500, cache_read_tokens=2000, cache_write_tokens=100
            )
        )


@pytest.fixture
def provider() -> PricedModel:
    return PricedModel()


async def _turns(
    client: httpx.AsyncClient, headers: dict[str, str], client_name: str, n: int
) -> str:
    sid = (
        await client.post(
            "/api/v1/ai-sessions",
            json={
                "problem_summary": "Printer offline for everyone",
                "intake": {"client": client_name},
            },
            headers=headers,
        )
    ).json()["id"]
    for i in range(n):
        r = await client.post(
            f"/api/v1/ai-sessions/{sid}/messages",
            json={"content": f"Still offline after step {i}"},
            headers={**headers, **JSON},
        )
        assert r.status_code == 200, r.text
    return str(sid)


async def test_cost_per_turn_and_grouped(client: httpx.AsyncClient, tenant: Tenant) -> None:
    eng, admin = tenant.engineer.headers, tenant.admin.headers
    sid = await _turns(client, eng, "Acme Dental", 2)
    await _turns(client, admin, "Bolt Logistics", 1)

    by_engineer = (await client.get("/api/v1/usage?group_by=engineer", headers=admin)).json()
    assert by_engineer["total"]["turns"] == 3
    assert by_engineer["total"]["cost_usd"] == pytest.approx(3 * TURN_COST)
    assert by_engineer["total"]["cache_savings_usd"] == pytest.approx(3 * TURN_SAVED)
    costs = {g["label"]: g["cost_usd"] for g in by_engineer["groups"]}
    assert costs[tenant.engineer.user.full_name] == pytest.approx(2 * TURN_COST)
    assert costs[tenant.admin.user.full_name] == pytest.approx(TURN_COST)

    by_client = (await client.get("/api/v1/usage?group_by=client", headers=admin)).json()
    assert {g["label"]: g["turns"] for g in by_client["groups"]} == {
        "Acme Dental": 2,
        "Bolt Logistics": 1,
    }
    # An engineer sees their own turns only.
    own = (await client.get("/api/v1/usage?group_by=session", headers=eng)).json()
    assert own["total"]["turns"] == 2 and [g["key"] for g in own["groups"]] == [sid]

    session = (await client.get(f"/api/v1/ai-sessions/{sid}/usage", headers=eng)).json()
    assert session["total"]["cost_usd"] == pytest.approx(2 * TURN_COST)
    assert session["groups"][0]["label"] == "anthropic/claude-sonnet-4-5"


async def test_bad_ranges_and_groups_are_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    h = tenant.admin.headers
    bad = await client.get(
        "/api/v1/usage?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", headers=h
    )
    assert bad.status_code == 422
    assert (await client.get("/api/v1/usage?group_by=planet", headers=h)).status_code == 422
    window = await client.get(
        "/api/v1/usage?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z", headers=h
    )
    assert window.status_code == 200 and window.json()["total"]["turns"] == 0


def test_unknown_and_local_models() -> None:
    from flowpilot.pricing.prices import FREE, SHIPPED

    assert SHIPPED.price("offline", "offline-playbooks") == FREE
    assert SHIPPED.price("openai", "llama3:8b", local=True) == FREE
    assert SHIPPED.price("openai", "some-new-model") is None
    assert SHIPPED.price("anthropic", "claude-opus-4-1").output == 75.0


async def test_background_calls_are_counted_with_the_session(
    client: httpx.AsyncClient, tenant: Tenant, provider: PricedModel, maker: Any
) -> None:
    from flowpilot.branching.tasks import summarize_branch
    from flowpilot.jobs.runtime import Runtime, set_runtime

    h = tenant.engineer.headers
    sid = await _turns(client, h, "Acme Dental", 1)
    tree = (await client.get(f"/api/v1/ai-sessions/{sid}/branches", headers=h)).json()
    set_runtime(Runtime(sessionmaker=maker, provider=provider))
    await summarize_branch(branch_id=tree["branches"][0]["id"])
    report = (await client.get(f"/api/v1/ai-sessions/{sid}/usage", headers=h)).json()
    summary_cost = (400 * 3 + 100 * 15) / 1_000_000
    assert report["total"]["turns"] == 1 and report["total"]["job_calls"] == 1
    assert report["total"]["cost_usd"] == pytest.approx(TURN_COST + summary_cost)


async def test_an_escalation_assessment_and_a_briefing_are_counted(
    client: httpx.AsyncClient, tenant: Tenant, maker: Any
) -> None:
    from tests.conftest import add_member

    h = tenant.engineer.headers
    sid = await _turns(client, h, "Acme Dental", 1)
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/handoff", json={"intent": "escalate"}, headers=h
    )
    assert r.status_code == 201, r.text
    lead = await add_member(maker, tenant, "lead")
    claim = await client.post(
        f"/api/v1/ai-sessions/{sid}/handoffs/{r.json()['id']}/claim", headers=lead.headers
    )
    assert claim.status_code == 200, claim.text
    briefing = await client.get(
        f"/api/v1/ai-sessions/{sid}/handoffs/{r.json()['id']}/briefing", headers=lead.headers
    )
    assert briefing.status_code == 200, briefing.text
    report = (await client.get(f"/api/v1/ai-sessions/{sid}/usage", headers=h)).json()
    call_cost = (400 * 3 + 100 * 15) / 1_000_000  # each structured call: 400 in, 100 out
    assert report["total"]["job_calls"] == 2  # the assessment and the briefing
    assert report["total"]["cost_usd"] == pytest.approx(TURN_COST + 2 * call_cost)
