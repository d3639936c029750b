"""Concurrency with real commits on separate connections (no per-test rollback here)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from flowpilot.ai.anthropic import AnthropicProvider
from tests.conftest import committed_client, committed_team
from tests.fakes.server import anthropic_ok


@pytest.fixture
async def committed_member(database):  # type: ignore[no-untyped-def]
    return (await committed_team(database))[0].headers


async def test_twenty_concurrent_messages_leave_exact_totals(
    database, vendors, committed_member
) -> None:  # type: ignore[no-untyped-def]
    vendors.anthropic.reset(
        anthropic_ok("Noted.", input_tokens=25, output_tokens=15, cache_read=5, cache_write=3)
    )
    provider = AnthropicProvider(
        api_key="k", model="claude-test", base_url=vendors.url, max_retries=0
    )
    async with committed_client(database, provider) as client:
        s = (
            await client.post(
                "/api/v1/ai-sessions",
                json={"problem_summary": "Slow PC at reception"},
                headers=committed_member,
            )
        ).json()
        url = f"/api/v1/ai-sessions/{s['id']}/messages"
        headers = {**committed_member, "Accept": "application/json"}
        results = await asyncio.gather(
            *[
                client.post(url, json={"content": f"observation {i}"}, headers=headers)
                for i in range(20)
            ]
        )
        assert [r.status_code for r in results] == [200] * 20
        got = (await client.get(f"/api/v1/ai-sessions/{s['id']}", headers=committed_member)).json()
        assert got["usage"] == {
            "input_tokens": 500,
            "output_tokens": 300,
            "cache_read_tokens": 100,
            "cache_write_tokens": 60,
        }
        assert got["turn_count"] == 20 and got["step_count"] == 20
        history = (await client.get(url, headers=committed_member)).json()
        # Every message is on the branch's single path; every reply names its question.
        assert len(history) == 40
        assert sorted(m["content"] for m in history if m["role"] == "user") == sorted(
            f"observation {i}" for i in range(20)
        )
        user_ids = {m["id"] for m in history if m["role"] == "user"}
        assert {m["reply_to_id"] for m in history if m["role"] == "assistant"} == user_ids
    async with database.sessionmaker() as db:
        steps = (
            await db.execute(
                text(
                    "SELECT array_agg(step_number ORDER BY step_number)"
                    " FROM ai_session_steps WHERE session_id = :s"
                ),
                {"s": s["id"]},
            )
        ).scalar()
        assert steps == list(range(1, 21))


async def test_turns_and_transitions_racing_lose_no_increments(database, vendors) -> None:  # type: ignore[no-untyped-def]
    """Turns and park/resume transitions at the same time: tokens exact, and the time
    counters equal what the work intervals and status changes say."""
    vendors.anthropic.reset(anthropic_ok("Ok.", input_tokens=10, output_tokens=2))
    provider = AnthropicProvider(
        api_key="k", model="claude-test", base_url=vendors.url, max_retries=0
    )
    member = (await committed_team(database))[0]
    async with committed_client(database, provider) as client:
        s = (
            await client.post(
                "/api/v1/ai-sessions", json={"problem_summary": "Flaky VPN"}, headers=member.headers
            )
        ).json()
        base = f"/api/v1/ai-sessions/{s['id']}"

        async def talk(i: int) -> int:
            r = await client.post(
                f"{base}/messages",
                json={"content": f"note {i}"},
                headers={**member.headers, "Accept": "application/json"},
            )
            return r.status_code

        async def toggle() -> list[int]:
            codes = []
            for status in ("paused", "active", "paused", "active"):
                codes.append(
                    (
                        await client.patch(base, json={"status": status}, headers=member.headers)
                    ).status_code
                )
            return codes

        results = await asyncio.gather(*[talk(i) for i in range(12)], toggle(), toggle())
        turn_codes = results[:12]
        toggles = [c for codes in results[12:] for c in codes]  # type: ignore[union-attr]
        assert set(turn_codes) == {200}
        assert set(toggles) <= {200, 409}
        await client.patch(base, json={"status": "resolved"}, headers=member.headers)
        got = (await client.get(base, headers=member.headers)).json()
        assert got["usage"]["input_tokens"] == 120 and got["turn_count"] == 12
        spent = (await client.get(f"{base}/time", headers=member.headers)).json()
    # Every active interval is closed, and together they make up the active total.
    assert all(i["ended_at"] for i in spent["intervals"])
    assert abs(sum(i["seconds"] for i in spent["intervals"]) - got["total_active_seconds"]) <= len(
        spent["intervals"]
    )
