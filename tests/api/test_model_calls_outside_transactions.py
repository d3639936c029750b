"""Model calls run with no database transaction open and no row locked: escalation
assessments (preview and escalate), the three resolution documents (route and job), branch
summaries and upload descriptions. A slow model must not hold connections or block other writers.

The watch counts ORM sessions with an open transaction (SQLAlchemy session events); the
provider records that count at every call it receives."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from flowpilot.ai.base import ChatEvent, ChatRequest, StructuredRequest, StructuredResult
from flowpilot.ai.offline import OfflineProvider
from flowpilot.branching.tasks import summarize_branch
from flowpilot.jobs.runtime import Runtime, set_runtime
from flowpilot.resolutions.tasks import generate_resolution_outputs
from flowpilot.uploads.tasks import run_description
from tests.conftest import Tenant

JSON = {"Accept": "application/json"}


class OpenTransactions:
    def __init__(self) -> None:
        self.sessions: set[int] = set()

    def began(self, session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            self.sessions.add(id(session))

    def ended(self, session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            self.sessions.discard(id(session))


class WatchingProvider(OfflineProvider):
    """Answers like the offline provider, but as a 'model' (so every path calls it) and
    notes how many transactions were open at each call."""

    name = "watching"

    def __init__(self, watch: OpenTransactions) -> None:
        super().__init__()
        self.watch = watch
        self.calls: list[tuple[str, int]] = []

    async def structured(self, request: StructuredRequest) -> StructuredResult:
        self.calls.append((request.name, len(self.watch.sessions)))
        return await super().structured(request)

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatEvent]:
        self.calls.append(("chat", len(self.watch.sessions)))
        async for item in super().stream_chat(request):
            yield item


@pytest.fixture
def watch() -> Iterator[OpenTransactions]:
    found = OpenTransactions()
    event.listen(Session, "after_transaction_create", found.began)
    event.listen(Session, "after_transaction_end", found.ended)
    yield found
    event.remove(Session, "after_transaction_create", found.began)
    event.remove(Session, "after_transaction_end", found.ended)


@pytest.fixture
def provider(watch: OpenTransactions) -> WatchingProvider:
    return WatchingProvider(watch)


def calls_named(provider: WatchingProvider, *names: str) -> list[tuple[str, int]]:
    return [c for c in provider.calls if c[0] in names]


async def new_session(client: httpx.AsyncClient, tenant: Tenant, text: str) -> str:
    h = tenant.engineer.headers
    r = await client.post("/api/v1/ai-sessions", json={"problem_summary": text}, headers=h)
    sid = str(r.json()["id"])
    said = await client.post(
        f"/api/v1/ai-sessions/{sid}/messages", json={"content": text}, headers={**h, **JSON}
    )
    assert said.status_code == 200, said.text
    return sid


async def test_escalation_assessment_is_written_with_no_transaction_open(
    client: httpx.AsyncClient, tenant: Tenant, provider: WatchingProvider
) -> None:
    sid = await new_session(client, tenant, "Outlook keeps asking for the password")
    h = tenant.engineer.headers
    preview = await client.post(
        f"/api/v1/ai-sessions/{sid}/handoff/preview", json={"intent": "escalate"}, headers=h
    )
    assert preview.status_code == 200, preview.text
    made = await client.post(
        f"/api/v1/ai-sessions/{sid}/handoff", json={"intent": "escalate"}, headers=h
    )
    assert made.status_code == 201, made.text
    assert made.json()["ai_assessment"]
    briefing = await client.get(
        f"/api/v1/ai-sessions/{sid}/handoffs/{made.json()['id']}/briefing", headers=h
    )
    assert briefing.status_code == 200, briefing.text
    calls = calls_named(provider, "escalation_assessment", "handoff_briefing", "chat")
    assert [name for name, _ in calls].count("escalation_assessment") == 2
    assert {name for name, _ in calls} == {"chat", "escalation_assessment", "handoff_briefing"}
    assert all(open_ == 0 for _, open_ in calls), calls


async def test_documents_and_summaries_are_written_with_no_transaction_open(
    client: httpx.AsyncClient, tenant: Tenant, provider: WatchingProvider, maker: Any
) -> None:
    sid = await new_session(client, tenant, "Mapped drive S: missing after reboot")
    base = f"/api/v1/ai-sessions/{sid}"
    h = tenant.engineer.headers
    tree = (await client.get(f"{base}/branches", headers=h)).json()
    main = tree["branches"][0]["id"]
    solved = await client.patch(
        f"{base}/branches/{main}",
        json={"status": "solved", "status_reason": "GPO drive map fixed", "resolve_session": True},
        headers=h,
    )
    assert solved.status_code == 200, solved.text
    set_runtime(Runtime(sessionmaker=maker, provider=provider))
    await generate_resolution_outputs(session_id=sid)
    await summarize_branch(branch_id=main)
    again = await client.post(f"{base}/outputs/generate", headers=h)
    assert again.status_code == 200, again.text
    assert {o["version"] for o in again.json()["outputs"]} == {2}
    documents = calls_named(provider, "psa_ticket_notes", "knowledge_base", "client_summary")
    summaries = calls_named(provider, "branch_summary")
    assert len(documents) == 6 and len(summaries) == 1
    assert all(open_ == 0 for _, open_ in documents + summaries), documents + summaries


async def test_upload_descriptions_are_written_with_no_transaction_open(
    client: httpx.AsyncClient, tenant: Tenant, provider: WatchingProvider, app: Any
) -> None:
    sid = await new_session(client, tenant, "Event log full of disk errors")
    h = tenant.engineer.headers
    log = b"Event 7: The device, \\Device\\Harddisk1\\DR1, has a bad block.\n" * 20
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/uploads",
        files=[("files", ("System.log", log, "text/plain"))],
        headers=h,
    )
    assert r.status_code == 201, r.text
    upload = r.json()[0]
    set_runtime(
        Runtime(
            sessionmaker=app.state.sessionmaker,
            provider=provider,
            settings=app.state.settings,
            storage=app.state.storage,
        )
    )
    await run_description(upload["id"])
    served = await client.get(f"/api/v1/ai-sessions/{sid}/uploads/{upload['id']}", headers=h)
    assert served.json()["description_status"] == "done"
    calls = calls_named(provider, "attachment_summary")
    assert len(calls) == 1 and calls[0][1] == 0, calls
