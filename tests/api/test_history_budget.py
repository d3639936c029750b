"""Past the history budget: the prompt keeps a byte-stable prefix (old history is cut a whole
chunk at a time and replaced by stored digests), and what the cut part established still
guides the turn."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flowpilot.ai.anthropic import AnthropicProvider
from flowpilot.ai.base import ChatEvent, ChatRequest, Completed, TextDelta, Usage
from flowpilot.config import Settings
from flowpilot.jobs.runtime import Runtime, set_runtime
from flowpilot.sessions import history
from flowpilot.sessions.models import AISession, HistoryChunk, SessionBranch, SessionMessage
from flowpilot.sessions.tasks import store_history_chunk
from tests.conftest import Tenant, make_settings
from tests.fakes.recording import RecordingProvider

JSON = {"Accept": "application/json"}
BUDGET_TOKENS = 3_000  # ~12,000 characters: about 75 of the seeded messages and 2 digests


class ShortReplies(RecordingProvider):
    """Replies about as long as the seeded messages, so the window holds over a chunk."""

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatEvent]:
        self.requests.append(request)
        yield TextDelta("Check the mailbox's autodiscover record and the cached credentials. " * 2)
        yield Completed(usage=Usage())


@pytest.fixture
def provider() -> RecordingProvider:
    return ShortReplies()


@pytest.fixture
def settings() -> Settings:
    return make_settings(FLOWPILOT_HISTORY_TOKEN_BUDGET=BUDGET_TOKENS)


def window_start(payload: dict[str, Any]) -> int:
    """Depth of the first verbatim message: where the newest digest ends."""
    note = payload["messages"][0]["content"][0]["text"]
    return int(re.findall(r"\(Messages \d+–(\d+) of this path", note)[-1])


def wire(request: ChatRequest) -> dict[str, Any]:
    return AnthropicProvider(api_key="x", model="m", redact=False).build_payload(request)


async def seed(maker: async_sessionmaker[AsyncSession], session_id: str, count: int) -> None:
    """`count` alternating messages after the first one, as if worked for a long time."""
    async with maker() as db:
        session = await db.get(AISession, uuid.UUID(session_id))
        assert session is not None
        branch = await db.get(SessionBranch, session.active_branch_id)
        assert branch is not None and branch.head_message_id is not None
        head = await db.get(SessionMessage, branch.head_message_id)
        assert head is not None
        parent, depth = head.id, head.depth
        for _ in range(count):
            depth += 1
            role = "user" if depth % 2 == 0 else "assistant"
            message = SessionMessage(
                session_id=session.id,
                account_id=session.account_id,
                parent_id=parent,
                branch_id=branch.id,
                depth=depth,
                role=role,
                content=f"{role} note {depth}: " + "checked the mailbox settings again " * 3,
                attachments=[],
                meta={},
            )
            db.add(message)
            await db.flush()
            parent = message.id
        branch.head_message_id = parent
        await db.commit()


async def read_branch_history(
    maker: async_sessionmaker[AsyncSession], sid: str, **options: Any
) -> history.History:
    """What a turn on the session's active branch reads, as `read_history` gives it."""
    async with maker() as db:
        session = await db.get(AISession, uuid.UUID(sid))
        assert session is not None
        branch = await db.get(SessionBranch, session.active_branch_id)
        assert branch is not None and branch.head_message_id is not None
        return await history.read_history(db, session.id, branch.head_message_id, **options)


async def start(client: httpx.AsyncClient, tenant: Tenant) -> str:
    h = tenant.engineer.headers
    r = await client.post(
        "/api/v1/ai-sessions",
        json={"problem_summary": "Outlook keeps asking for the password on one laptop"},
        headers=h,
    )
    sid: str = r.json()["id"]
    first = "Outlook prompts for the password; the event log shows 0x800CCC0F on sync."
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/messages", json={"content": first}, headers={**h, **JSON}
    )
    assert r.status_code == 200, r.text
    return sid


async def turn(client: httpx.AsyncClient, tenant: Tenant, sid: str, n: int) -> None:
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/messages",
        json={"content": f"observation {n}: still prompting after the change"},
        headers={**tenant.engineer.headers, **JSON},
    )
    assert r.status_code == 200, r.text


async def test_prefix_stays_byte_identical_past_the_budget(
    client: httpx.AsyncClient,
    make_tenant: Any,
    provider: RecordingProvider,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    tenant = await make_tenant()
    sid = await start(client, tenant)
    await seed(maker, sid, 300)
    provider.requests.clear()
    # 90 messages: past the budget once; the window's start then jumps by whole chunks to
    # leave room for many turns (one cut, not one every few turns).
    turns = 45
    for n in range(turns):
        await turn(client, tenant, sid, n)
    payloads = [wire(r) for r in provider.requests]
    breaks = 0
    for previous, current in zip(payloads, payloads[1:], strict=False):
        assert json.dumps(current["system"]) == json.dumps(previous["system"])
        # Everything before the newest user turn (which carries the volatile context).
        kept = previous["messages"][:-1]
        if current["messages"][: len(kept)] != kept:
            breaks += 1
            # Only because the window moved on by whole chunks (another chunk was cut).
            moved = window_start(current) - window_start(previous)
            assert moved > 0 and moved % history.CHUNK == 0, moved
    assert breaks == 1, breaks
    # The cut part is digested, never silently dropped.
    note = payloads[-1]["messages"][0]["content"][0]["text"]
    assert note.startswith("(Earlier history of this branch, digested")
    # The newest turns stay verbatim.
    assert all(f"observation {n}:" not in note for n in range(turns - 3, turns))
    size = sum(len(json.dumps(m)) for m in payloads[-1]["messages"])
    assert size < BUDGET_TOKENS * 4 * 2  # the window and a few digests, not 360 messages


async def test_what_the_cut_history_established_still_guides_the_turn(
    client: httpx.AsyncClient,
    make_tenant: Any,
    provider: RecordingProvider,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    tenant = await make_tenant()
    sid = await start(client, tenant)
    await seed(maker, sid, 300)
    await turn(client, tenant, sid, 1)
    request = provider.requests[-1]
    wire_text = json.dumps(wire(request)["messages"][1:-1])
    assert "0x800CCC0F" not in wire_text  # the first message is long cut from the window
    assert "0x800CCC0F" in request.guide.evidence.codes  # …but its evidence is kept


async def test_stored_digests_read_the_same_as_ones_made_on_the_spot(
    client: httpx.AsyncClient,
    make_tenant: Any,
    provider: RecordingProvider,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    tenant = await make_tenant()
    sid = await start(client, tenant)
    await seed(maker, sid, 200)
    async with maker() as db:
        session = await db.get(AISession, uuid.UUID(sid))
        assert session is not None
        branch = await db.get(SessionBranch, session.active_branch_id)
        assert branch is not None and branch.head_message_id is not None
        head = branch.head_message_id
        before = await history.read_history(db, session.id, head, prompt_budget_chars=12_000)
    assert before.chunks and all(not c.stored for c in before.chunks)
    set_runtime(Runtime(sessionmaker=maker, provider=provider))
    for chunk in before.chunks:
        await store_history_chunk(last_message_id=str(chunk.last_message_id))
        await store_history_chunk(last_message_id=str(chunk.last_message_id))  # idempotent
    async with maker() as db:
        after = await history.read_history(db, uuid.UUID(sid), head, prompt_budget_chars=12_000)
        stored = await db.scalar(
            select(func.count())
            .select_from(HistoryChunk)
            .where(HistoryChunk.session_id == uuid.UUID(sid))
        )
    assert stored == len(before.chunks)
    assert all(c.stored for c in after.chunks)
    assert after.prompt_digests() and after.prompt_digests() == before.prompt_digests()
    assert [c.evidence for c in after.chunks] == [c.evidence for c in before.chunks]
    assert [r.id for r in after.tail] == [r.id for r in before.tail]
    assert len(after.tail) <= 2 * history.CHUNK


async def test_a_stored_chain_is_read_once_and_a_partial_one_never_kept(
    client: httpx.AsyncClient,
    make_tenant: Any,
    provider: RecordingProvider,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    """Stored digests never change, so a chain down to the first message is kept in memory;
    one with a chunk not stored yet is read again until it is stored."""
    tenant = await make_tenant()
    sid = await start(client, tenant)
    await seed(maker, sid, 200)
    chain_reads: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM history_chunks" in statement:
            chain_reads.append(statement)

    async def read() -> history.History:
        return await read_branch_history(maker, sid, prompt_budget_chars=12_000)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        partial = await read()
        set_runtime(Runtime(sessionmaker=maker, provider=provider))
        await store_history_chunk(last_message_id=str(partial.chunks[-1].last_message_id))
        chain_reads.clear()
        await read()  # the newest chunk stored, the older ones not: read, not kept
        await read()
        assert len(chain_reads) >= 2
        for chunk in partial.chunks:
            await store_history_chunk(last_message_id=str(chunk.last_message_id))
        first = await read()  # complete: read once more, then kept
        chain_reads.clear()
        again = await read()
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert chain_reads == []
    assert again.prompt_digests() == first.prompt_digests() == partial.prompt_digests()
    assert all(c.stored for c in again.chunks)


async def test_a_chain_grown_by_a_chunk_reads_one_row_and_matches_a_full_read(
    client: httpx.AsyncClient,
    make_tenant: Any,
    provider: RecordingProvider,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    """Every 40 messages the digested part grows by a chunk: the turn reads that chunk's row
    and extends the kept chain (and its merged evidence) instead of reading the chain again;
    the result is the chain a cold read gives."""
    tenant = await make_tenant()
    sid = await start(client, tenant)
    await seed(maker, sid, 360)  # 8 chunks before the tail, then 9: the oldest loses its text
    set_runtime(Runtime(sessionmaker=maker, provider=provider))
    chunk_reads: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM history_chunks" in statement:
            chunk_reads.append(statement)

    async def read() -> history.History:
        past = await read_branch_history(maker, sid, prompt_budget_chars=12_000)
        for chunk in past.unstored:
            await store_history_chunk(last_message_id=str(chunk.last_message_id))
        return past

    await read()  # digests every complete chunk before the tail
    kept = await read()  # complete: kept
    assert kept.chunks and all(c.stored for c in kept.chunks)
    kept.chunks_evidence()
    await seed(maker, sid, history.CHUNK)  # the tail moves on by a chunk
    await read()  # the chunk now before the tail is digested on the spot, then stored
    event.listen(Engine, "before_cursor_execute", count)
    try:
        grown = await read()
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert len(grown.chunks) == len(kept.chunks) + 1 and all(c.stored for c in grown.chunks)
    assert len(chunk_reads) == 1 and "RECURSIVE" not in chunk_reads[0]
    extended_evidence = grown.chunks_evidence()
    history._CHAINS.clear()
    history._CHAIN_EVIDENCE.clear()
    cold = await read()
    assert grown.chunks == cold.chunks  # digests (the newest 8 with text), evidence, marks
    assert grown.prompt_digests() == cold.prompt_digests()
    assert extended_evidence.as_dict() == cold.chunks_evidence().as_dict()


async def test_a_window_extended_from_memory_is_the_one_read_from_the_database(
    client: httpx.AsyncClient,
    make_tenant: Any,
    provider: RecordingProvider,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    """A turn sends the rows its branch's last prompt sent plus the newer ones without reading
    them again; across a cut (the window's start moves) it reads them: the same rows either way."""
    tenant = await make_tenant()
    sid = await start(client, tenant)
    await seed(maker, sid, 300)
    walks: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "RECURSIVE walk" in statement and "NULL::jsonb AS meta" in statement:
            walks.append(statement)  # the window's walk (text only)

    async def window(*, remembered: bool) -> tuple[list[tuple[Any, ...]], int]:
        kept = dict(history._WINDOWS)
        if not remembered:
            history._WINDOWS.clear()
        walks.clear()
        event.listen(Engine, "before_cursor_execute", count)
        try:
            async with maker() as db:
                session = await db.get(AISession, uuid.UUID(sid))
                assert session is not None
                branch = await db.get(SessionBranch, session.active_branch_id)
                assert branch is not None and branch.head_message_id is not None
                past = await history.read_history(
                    db,
                    session.id,
                    branch.head_message_id,
                    prompt_budget_chars=BUDGET_TOKENS * 4,
                    window_start=branch.prompt_window_start,
                )
        finally:
            event.remove(Engine, "before_cursor_execute", count)
            history._WINDOWS.clear()
            history._WINDOWS.update(kept)
        return [(r.id, r.depth, r.role, r.content, r.meta) for r in past.window], len(walks)

    extended = 0
    starts = set()
    for n in range(45):
        await turn(client, tenant, sid, n)
        fresh, _ = await window(remembered=False)
        remembered, reads = await window(remembered=True)
        assert remembered == fresh
        extended += reads == 0
        starts.add(fresh[0][1])
    assert len(starts) == 2  # one cut in these turns (the window read again there)
    assert extended >= 40
