"""Stop and disconnect semantics of a streamed turn (real commits, separate connections)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from flowpilot.ai.base import ChatEvent, ChatRequest, Completed, TextDelta, Usage
from flowpilot.ai.offline import OfflineProvider
from tests.conftest import committed_client, committed_team, parse_sse
from tests.live import start_server

PIECES = 60


class SlowProvider(OfflineProvider):
    name = "slow"
    model = "slow-test"

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatEvent]:
        for i in range(PIECES):
            await asyncio.sleep(0.03)
            yield TextDelta(f"w{i} ")
        yield Completed(usage=Usage(input_tokens=7, output_tokens=PIECES))


@pytest.fixture
async def committed(database):  # type: ignore[no-untyped-def]
    return (await committed_team(database))[0].headers


async def _messages(client: httpx.AsyncClient, sid: str, headers: dict[str, str]) -> list[dict]:  # type: ignore[type-arg]
    return (await client.get(f"/api/v1/ai-sessions/{sid}/messages", headers=headers)).json()  # type: ignore[no-any-return]


async def _stop_mid_answer(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> tuple[str, str, dict[str, Any]]:
    """A session whose first answer is stopped part-way: (session, question, the saved reply)."""
    sid = (
        await client.post(
            "/api/v1/ai-sessions", json={"problem_summary": "Slow answer"}, headers=headers
        )
    ).json()["id"]
    turn = asyncio.create_task(
        client.post(f"/api/v1/ai-sessions/{sid}/messages", json={"content": "go"}, headers=headers)
    )
    while not (msgs := await _messages(client, sid, headers)):  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)
    stop = await client.post(
        f"/api/v1/ai-sessions/{sid}/messages/{msgs[0]['id']}/stop", headers=headers
    )
    assert stop.status_code == 202
    events = parse_sse((await turn).text)
    assert events[-1][0] == "done"
    return sid, msgs[0]["id"], events[-1][1]["assistant_message"]


async def test_stop_keeps_partial_text(database, committed) -> None:  # type: ignore[no-untyped-def]
    async with committed_client(database, SlowProvider()) as client:
        sid, question, reply = await _stop_mid_answer(client, committed)
        assert reply["meta"]["stopped"] is True
        words = reply["content"].split()
        assert 0 < len(words) < PIECES
        assert (await _messages(client, sid, committed))[-1]["content"] == reply["content"]
        # A stopped reply proposes nothing: it never becomes a suggestion or a step of work.
        steps = (await client.get(f"/api/v1/ai-sessions/{sid}/steps", headers=committed)).json()
        stopped = next(s for s in steps if s["message_id"] == reply["id"])
        assert stopped["state"] == "record"
        again = await client.post(
            f"/api/v1/ai-sessions/{sid}/messages/{question}/stop", headers=committed
        )
        assert again.status_code == 409


async def test_a_stop_this_process_receives_needs_no_database_poll(
    database, committed, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The streaming turn is told directly (the flag in the database is for other processes,
    read every STOP_POLL_SECONDS): here the poll never comes, and the stop still lands."""
    from flowpilot.conversation import chat

    monkeypatch.setattr(chat, "STOP_POLL_SECONDS", 3600.0)
    async with committed_client(database, SlowProvider()) as client:
        _, _, reply = await _stop_mid_answer(client, committed)
    assert reply["meta"]["stopped"] is True
    assert 0 < len(reply["content"].split()) < PIECES


async def test_disconnected_client_still_gets_the_reply_saved(
    worker_database_uri, committed
) -> None:  # type: ignore[no-untyped-def]
    live = start_server(provider=SlowProvider(), DATABASE_URL=worker_database_uri)
    try:
        async with httpx.AsyncClient(base_url=live.url, timeout=10) as client:
            sid = (
                await client.post(
                    "/api/v1/ai-sessions",
                    json={"problem_summary": "Flaky Wi-Fi"},
                    headers=committed,
                )
            ).json()["id"]
            async with client.stream(
                "POST",
                f"/api/v1/ai-sessions/{sid}/messages",
                json={"content": "go"},
                headers=committed,
            ) as response:
                async for line in response.aiter_lines():
                    if line.startswith("event: delta"):
                        break  # the tab closes mid-answer
            deadline = time.time() + 10
            while len(msgs := await _messages(client, sid, committed)) < 2:
                assert time.time() < deadline, "reply was not saved after the client left"
                await asyncio.sleep(0.1)
            assert msgs[1]["content"].split() == [f"w{i}" for i in range(PIECES)]
            assert "stopped" not in msgs[1]["meta"]
    finally:
        live.stop()
