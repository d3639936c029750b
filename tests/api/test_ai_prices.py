"""An account's own model prices: admins set one per provider and model prefix, and the usage
report (already recorded tokens too), budget spend and background calls are worked out at it;
removing it goes back to the shipped price. Leads read the table, engineers do not; each
account sees and changes its own only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from flowpilot.pricing.prices import FREE, SHIPPED, Price, PriceTable
from tests.api.test_ai_budget import CostlyModel
from tests.api.test_usage import TURN_COST, PricedModel, _turns
from tests.conftest import Tenant, add_member

V1 = "/api/v1"
JSON = {"Accept": "application/json"}
# The answers of PricedModel: 1000 in, 500 out, 100 cache write, 2000 cache read.
SONNET_45 = {
    "provider": "anthropic",
    "model_prefix": "claude-sonnet-4-5",
    "input_per_million": "6",
    "output_per_million": "30",
    "cache_write_per_million": "7.5",
    "cache_read_per_million": "0.6",
}
DOUBLE_TURN_COST = 2 * TURN_COST


@pytest.fixture
def provider() -> PricedModel:
    return PricedModel()


def _row(table: dict[str, Any], provider: str, prefix: str) -> dict[str, Any]:
    rows = [r for r in table["rows"] if (r["provider"], r["model_prefix"]) == (provider, prefix)]
    assert len(rows) == 1, rows
    return rows[0]


async def _cost(client: httpx.AsyncClient, member_headers: dict[str, str]) -> float:
    report = (await client.get(f"{V1}/usage?group_by=model", headers=member_headers)).json()
    return float(report["total"]["cost_usd"])


def test_the_longest_prefix_wins_across_shipped_and_own_rows() -> None:
    gpt4o = Price(2.0, 8.0, 0.0, 1.0)
    table = PriceTable({("openai", "gpt-4o"): gpt4o, ("anthropic", "claude"): Price(1, 1, 1, 1)})
    assert table.price("openai", "gpt-4o-2024-08-06") == gpt4o
    # A row of its own: a price set for gpt-4o does not reprice gpt-4o-mini.
    assert table.price("openai", "gpt-4o-mini") == SHIPPED.price("openai", "gpt-4o-mini")
    # A short prefix prices what no longer row does.
    assert table.price("anthropic", "claude-2.1") == Price(1, 1, 1, 1)
    assert table.price("anthropic", "claude-opus-4-1") == SHIPPED.price(
        "anthropic", "claude-opus-4"
    )
    # Nothing leaves for offline and local models: free whatever the table says.
    local = PriceTable({("openai", "llama3"): Price(5, 5, 5, 5)})
    assert local.price("openai", "llama3:8b", local=True) == FREE
    assert local.price("offline", "offline-playbooks") == FREE
    assert local.price("openai", "llama3:8b") == Price(5, 5, 5, 5)
    assert SHIPPED.price("openai", "llama3:8b") is None


async def test_an_override_reprices_the_report_and_removing_it_restores_the_default(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    admin = tenant.admin.headers
    await _turns(client, tenant.engineer.headers, "Acme Dental", 2)
    assert await _cost(client, admin) == pytest.approx(2 * TURN_COST)

    r = await client.put(f"{V1}/ai-prices", json=SONNET_45, headers=admin)
    assert r.status_code == 200, r.text
    row = _row(r.json(), "anthropic", "claude-sonnet-4-5")
    assert row["source"] == "override" and row["input_per_million"] == 6.0
    assert row["default"] is None  # a row of its own: the shipped row is claude-sonnet-4
    assert row["updated_by"] == tenant.admin.user.full_name and row["updated_at"]
    assert _row(r.json(), "anthropic", "claude-sonnet-4")["source"] == "default"
    # Tokens already recorded are priced when the report is read: at the new price.
    assert await _cost(client, admin) == pytest.approx(2 * DOUBLE_TURN_COST)
    session = (await client.get(f"{V1}/usage?group_by=session", headers=admin)).json()
    assert session["groups"][0]["cost_usd"] == pytest.approx(2 * DOUBLE_TURN_COST)

    # PUT again replaces the same row (no second row).
    again = await client.put(
        f"{V1}/ai-prices", json={**SONNET_45, "input_per_million": 9}, headers=admin
    )
    replaced = _row(again.json(), "anthropic", "claude-sonnet-4-5")
    assert replaced["id"] == row["id"] and replaced["input_per_million"] == 9.0

    # Overriding a shipped row shows what it replaces.
    shipped = {**SONNET_45, "model_prefix": "claude-sonnet-4"}
    table = (await client.put(f"{V1}/ai-prices", json=shipped, headers=admin)).json()
    own = _row(table, "anthropic", "claude-sonnet-4")
    assert own["source"] == "override" and own["default"]["input_per_million"] == 3.0

    for price_id in (row["id"], own["id"]):
        removed = await client.delete(f"{V1}/ai-prices/{price_id}", headers=admin)
        assert removed.status_code == 200, removed.text
    back = _row(removed.json(), "anthropic", "claude-sonnet-4")
    assert back["source"] == "default" and back["id"] is None and back["input_per_million"] == 3
    assert not [r for r in removed.json()["rows"] if r["model_prefix"] == "claude-sonnet-4-5"]
    assert await _cost(client, admin) == pytest.approx(2 * TURN_COST)
    # Gone is gone.
    assert (await client.delete(f"{V1}/ai-prices/{row['id']}", headers=admin)).status_code == 404

    events = (await client.get(f"{V1}/audit?action=settings.ai_price", headers=admin)).json()
    details = [e["detail"] for e in events["items"]]
    assert len(details) == 5 and sum(1 for d in details if d.get("removed")) == 2
    assert {d["model_prefix"] for d in details} == {"claude-sonnet-4-5", "claude-sonnet-4"}


async def test_a_model_without_a_shipped_price_is_priced_once_the_account_sets_one(
    app: Any, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    class OwnModel(PricedModel):
        model = "acme-finetune-v2"

    app.state.provider = OwnModel()
    admin = tenant.admin.headers
    await _turns(client, tenant.engineer.headers, "Acme Dental", 1)
    before = (await client.get(f"{V1}/usage", headers=admin)).json()["total"]
    assert before["unpriced_turns"] == 1 and before["cost_usd"] == 0
    own = {**SONNET_45, "provider": "anthropic", "model_prefix": "acme-finetune"}
    assert (await client.put(f"{V1}/ai-prices", json=own, headers=admin)).status_code == 200
    after = (await client.get(f"{V1}/usage", headers=admin)).json()["total"]
    assert after["unpriced_turns"] == 0 and after["cost_usd"] == pytest.approx(DOUBLE_TURN_COST)


async def test_budget_spend_and_background_calls_use_the_accounts_price(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    admin, engineer = tenant.admin.headers, tenant.engineer.headers
    await client.put(f"{V1}/ai-prices", json=SONNET_45, headers=admin)
    sid = await _turns(client, engineer, "Acme Dental", 1)
    status = (await client.get(f"{V1}/ai-budget", headers=engineer)).json()
    assert status["spent_usd"] == pytest.approx(DOUBLE_TURN_COST)
    assert status["my_spent_usd"] == pytest.approx(DOUBLE_TURN_COST)

    # Three documents: three calls of 400 in and 100 out, at $6 / $30.
    r = await client.post(f"{V1}/ai-sessions/{sid}/outputs/generate", headers=engineer)
    assert r.status_code in (200, 201), r.text
    calls = 3 * (400 * 6 + 100 * 30) / 1_000_000
    status = (await client.get(f"{V1}/ai-budget", headers=engineer)).json()
    assert status["spent_usd"] == pytest.approx(DOUBLE_TURN_COST + calls)
    report = (await client.get(f"{V1}/ai-sessions/{sid}/usage", headers=engineer)).json()
    assert report["total"]["job_calls"] == 3
    assert report["total"]["cost_usd"] == pytest.approx(DOUBLE_TURN_COST + calls)


async def test_a_blocking_budget_is_checked_at_the_accounts_price(
    app: Any, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    app.state.provider = CostlyModel()  # 100,000 in and 10,000 out: $0.45 at list price
    admin, engineer = tenant.admin.headers, tenant.engineer.headers
    await client.put(f"{V1}/ai-budget", json={"monthly_usd": 1, "action": "block"}, headers=admin)
    # At ten times the list price the first answer ($4.50) uses the budget up.
    tenfold = {**SONNET_45, "input_per_million": 30, "output_per_million": 150}
    await client.put(f"{V1}/ai-prices", json=tenfold, headers=admin)
    sid = await _turns(client, engineer, "Acme Dental", 1)
    assert (await client.get(f"{V1}/ai-budget", headers=engineer)).json()["spent_usd"] == 4.5
    say = {"content": "Still offline"}
    refused = await client.post(
        f"{V1}/ai-sessions/{sid}/messages", json=say, headers={**engineer, **JSON}
    )
    assert refused.status_code == 402 and refused.json()["code"] == "ai_budget_exhausted"
    # A model the account prices at nothing costs nothing: never refused, adds nothing.
    free = {k: (0 if k.endswith("_per_million") else v) for k, v in SONNET_45.items()}
    await client.put(f"{V1}/ai-prices", json=free, headers=admin)
    allowed = await client.post(
        f"{V1}/ai-sessions/{sid}/messages", json=say, headers={**engineer, **JSON}
    )
    assert allowed.status_code == 200, allowed.text
    assert (await client.get(f"{V1}/ai-budget", headers=engineer)).json()["spent_usd"] == 4.5


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"provider": "offline"}, "provider"),
        ({"provider": "gemini"}, "provider"),
        ({"model_prefix": ""}, "model_prefix"),
        ({"model_prefix": "   "}, "model_prefix"),
        ({"model_prefix": "x" * 101}, "model_prefix"),
        ({"model_prefix": "gpt 4o"}, "model_prefix"),
        ({"input_per_million": -1}, "input_per_million"),
        ({"output_per_million": "1000.01"}, "output_per_million"),
        ({"cache_read_per_million": "0.0000001"}, "cache_read_per_million"),
        ({"cache_write_per_million": "lots"}, "cache_write_per_million"),
        ({"cache_write_per_million": None}, "cache_write_per_million"),
    ],
)
async def test_bad_prices_are_422_naming_the_field(
    client: httpx.AsyncClient, tenant: Tenant, change: dict[str, Any], field: str
) -> None:
    r = await client.put(
        f"{V1}/ai-prices", json={**SONNET_45, **change}, headers=tenant.admin.headers
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "validation_error"
    assert body["detail"].startswith(f"Invalid request: {field}: "), body["detail"]
    table = (await client.get(f"{V1}/ai-prices", headers=tenant.admin.headers)).json()
    assert all(row["source"] == "default" for row in table["rows"])


async def test_a_prefix_is_trimmed_and_the_limits_are_accepted(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = {**SONNET_45, "model_prefix": "  gpt-5  ", "provider": "openai"}
    body |= {"input_per_million": 1000, "cache_read_per_million": "0.000001"}
    r = await client.put(f"{V1}/ai-prices", json=body, headers=tenant.admin.headers)
    assert r.status_code == 200, r.text
    row = _row(r.json(), "openai", "gpt-5")
    assert row["input_per_million"] == 1000 and row["cache_read_per_million"] == 0.000001
    assert r.json()["providers"] == ["anthropic", "openai"] and r.json()["max_per_million"] == 1000


async def test_leads_read_engineers_do_not_and_only_admins_change(
    client: httpx.AsyncClient, tenant: Tenant, maker: Any
) -> None:
    table = (
        await client.put(f"{V1}/ai-prices", json=SONNET_45, headers=tenant.admin.headers)
    ).json()
    price_id = _row(table, "anthropic", "claude-sonnet-4-5")["id"]
    lead = await add_member(maker, tenant, "lead")
    read = await client.get(f"{V1}/ai-prices", headers=lead.headers)
    assert read.status_code == 200 and _row(read.json(), "anthropic", "claude-sonnet-4-5")
    for member in (lead, tenant.engineer):
        put = await client.put(f"{V1}/ai-prices", json=SONNET_45, headers=member.headers)
        gone = await client.delete(f"{V1}/ai-prices/{price_id}", headers=member.headers)
        assert (put.status_code, gone.status_code) == (403, 403)
    refused = await client.get(f"{V1}/ai-prices", headers=tenant.engineer.headers)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


async def test_each_account_prices_its_own_usage(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    table = (
        await client.put(f"{V1}/ai-prices", json=SONNET_45, headers=tenant.admin.headers)
    ).json()
    price_id = _row(table, "anthropic", "claude-sonnet-4-5")["id"]
    await _turns(client, other_tenant.engineer.headers, "Bolt Logistics", 1)
    other = other_tenant.admin.headers
    assert await _cost(client, other) == pytest.approx(TURN_COST)
    theirs = (await client.get(f"{V1}/ai-prices", headers=other)).json()
    assert all(row["source"] == "default" for row in theirs["rows"])
    r = await client.delete(f"{V1}/ai-prices/{price_id}", headers=other)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    mine = (await client.get(f"{V1}/ai-prices", headers=tenant.admin.headers)).json()
    assert _row(mine, "anthropic", "claude-sonnet-4-5")["source"] == "override"


@pytest.fixture
def price_reads(connection: AsyncConnection) -> Iterator[list[str]]:
    """Every statement that reads the account's prices, as the tests' connection runs it."""
    seen: list[str] = []

    def before(_c: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FROM ai_prices" in statement:
            seen.append(statement)

    sync = connection.sync_connection
    assert sync is not None
    event.listen(sync, "before_cursor_execute", before)
    yield seen
    event.remove(sync, "before_cursor_execute", before)


async def test_prices_are_read_once_per_turn_job_and_report(
    app: Any, client: httpx.AsyncClient, tenant: Tenant, price_reads: list[str]
) -> None:
    engineer = tenant.engineer.headers
    sid = await _turns(client, engineer, "Acme Dental", 1)
    assert len(price_reads) == 1  # the answer's save
    price_reads.clear()
    await client.post(f"{V1}/ai-sessions/{sid}/outputs/generate", headers=engineer)
    assert len(price_reads) == 1  # three calls, one read
    price_reads.clear()
    await client.get(f"{V1}/usage?group_by=day", headers=tenant.admin.headers)
    assert len(price_reads) == 1
    # A provider that costs nothing reads nothing.
    from flowpilot.ai.offline import OfflineProvider

    app.state.provider = OfflineProvider()
    price_reads.clear()
    await _turns(client, engineer, "Acme Dental", 1)
    assert price_reads == []
