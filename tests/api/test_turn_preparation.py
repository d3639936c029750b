"""A turn's request is built in the transaction that saves the engineer's message (nothing
read twice, no second connection before the first words); a build that fails there never
costs the message."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.conversation.account_facts import AccountFacts
from flowpilot.conversation.chat import ChatRunner, Prepared, Saved, Turn
from tests.api.test_uploads import PNG
from tests.conftest import Tenant, parse_sse, upload
from tests.fakes.recording import RecordingProvider

OUTLOOK = "Outlook keeps asking for a password on one laptop"


async def _session(client: httpx.AsyncClient, tenant: Tenant) -> str:
    r = await client.post(
        "/api/v1/ai-sessions", json={"problem_summary": OUTLOOK}, headers=tenant.engineer.headers
    )
    assert r.status_code == 201, r.text
    sid: str = r.json()["id"]
    return sid


async def _say(client: httpx.AsyncClient, tenant: Tenant, sid: str, text_: str) -> list[Any]:
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/messages",
        json={"content": text_},
        headers=tenant.engineer.headers,
    )
    assert r.status_code == 200, r.text
    return parse_sse(r.text)


async def _roles(client: httpx.AsyncClient, tenant: Tenant, sid: str) -> list[str]:
    msgs = (
        await client.get(f"/api/v1/ai-sessions/{sid}/messages", headers=tenant.engineer.headers)
    ).json()
    return [m["role"] for m in msgs]


async def test_the_request_reads_nothing_the_saved_message_already_loaded(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    sid = await _session(client, tenant)
    await _say(client, tenant, sid, OUTLOOK)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        events = await _say(client, tenant, sid, "Only this laptop; OWA works fine")
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert events[-1][0] == "done"
    # (each written with its branch's head move: "WITH move_head AS (UPDATE …) INSERT INTO …")
    inserts = [i for i, s in enumerate(statements) if "INSERT INTO session_messages" in s]
    assert len(inserts) == 2  # the question, then the answer
    # From the question saved to the provider called (the answer's save locks the session).
    between = statements[inserts[0] : inserts[1]]
    between = between[: next(i for i, s in enumerate(between) if "FOR NO KEY UPDATE" in s)]
    # The session, its branch and the new message are not read again to build the prompt.
    assert not [s for s in between if s.startswith("SELECT ai_sessions.")], between
    assert not [s for s in between if s.startswith("SELECT session_branches.") and ".id = " in s], (
        between
    )
    assert not [s for s in between if s.startswith("SELECT session_messages.depth")], between


@pytest.mark.parametrize("fails", [1, 2])
async def test_a_build_that_fails_never_costs_the_message(
    client: httpx.AsyncClient,
    tenant: Tenant,
    monkeypatch: pytest.MonkeyPatch,
    fails: int,
) -> None:
    """The first build (in the request) hits a database error, which aborts the transaction:
    the message is saved again and the turn builds its request after the commit. When that
    fails too, the turn ends with an error and the message waits for Retry."""
    sid = await _session(client, tenant)
    real_prepare = ChatRunner.prepare
    calls: list[int] = []

    async def flaky(
        self: ChatRunner,
        db: AsyncSession,
        turn: Turn,
        saved: Saved | None = None,
        facts: AccountFacts | None = None,
    ) -> Prepared:
        calls.append(1)
        if len(calls) <= fails:
            await db.execute(text("SELECT 1 / 0"))  # aborts the transaction
        return await real_prepare(self, db, turn, saved, facts)

    monkeypatch.setattr(ChatRunner, "prepare", flaky)
    events = await _say(client, tenant, sid, OUTLOOK)
    assert len(calls) == 2
    if fails == 1:
        assert events[-1][0] == "done"
        assert await _roles(client, tenant, sid) == ["user", "assistant"]
    else:
        assert events[-1][0] == "error" and events[-1][1]["code"] == "internal_error"
        assert await _roles(client, tenant, sid) == ["user"]
    # Saved once, not twice.
    assert events[0][1]["user_message"]["content"] == OUTLOOK


class VisionRecorder(RecordingProvider):
    """A model that takes images (as a vision model does), remembering what it was sent."""

    name = "vision-test"
    supports_images = True


async def test_a_screenshot_sent_with_a_message_reaches_a_vision_model(
    client: httpx.AsyncClient, tenant: Tenant, app: Any
) -> None:
    """Screenshots are read from file storage after the message is committed (never inside
    the transaction): the model still gets them, once, with the message they came with."""
    vision = VisionRecorder()
    app.state.provider = vision
    sid = await _session(client, tenant)
    h = tenant.engineer.headers
    upload_id = (await upload(client, h, sid, "screen.png", PNG))["id"]
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/messages",
        json={"content": "The error dialog is in the screenshot", "upload_ids": [upload_id]},
        headers=h,
    )
    assert r.status_code == 200 and parse_sse(r.text)[-1][0] == "done", r.text
    sent = vision.requests[-1].history[-1]
    assert sent.text.startswith("The error dialog")
    images = [(i.media_type, base64.b64decode(i.data_b64)) for i in sent.images]
    assert images == [("image/png", PNG)]
    # The next turn does not send it again.
    await _say(client, tenant, sid, "Cleared the cache, same dialog")
    assert all(not m.images for m in vision.requests[-1].history)
