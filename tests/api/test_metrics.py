"""GET /metrics: Prometheus text for operators, and the series move when a turn runs."""

from __future__ import annotations

import re

import httpx

from tests.conftest import Tenant

JSON = {"Accept": "application/json"}


def value(text: str, series: str) -> float:
    """The sample of one series (name with its labels, as exposed)."""
    match = re.search(rf"^{re.escape(series)} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


async def test_the_series_move_when_a_turn_runs(client: httpx.AsyncClient, tenant: Tenant) -> None:
    before = (await client.get("/metrics")).text
    h = tenant.engineer.headers
    sid = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": "VPN drops"}, headers=h)
    ).json()["id"]
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/messages",
        json={"content": "The VPN drops every hour for all users"},
        headers={**h, **JSON},
    )
    assert r.status_code == 200
    got = await client.get("/metrics")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/plain")
    after = got.text
    turns = 'flowpilot_chat_turn_seconds_count{provider="offline"}'
    first = 'flowpilot_chat_first_token_seconds_count{provider="offline"}'
    assert value(after, turns) == value(before, turns) + 1
    assert value(after, first) == value(before, first) + 1
    route = (
        'flowpilot_http_requests_total{method="POST",'
        'route="/api/v1/ai-sessions/{session_id}/messages",status="200"}'
    )
    assert value(after, route) == value(before, route) + 1
    assert sid not in after  # routes by template, never one series per session
    assert 'flowpilot_jobs_waiting{queue="default",status="todo"}' in after
    assert "flowpilot_active_streams 0.0" in after
    for name in ("flowpilot_http_request_seconds_bucket", "flowpilot_db_pool_connections"):
        assert name in after
