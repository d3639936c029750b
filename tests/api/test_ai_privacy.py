"""With the account's AI privacy at "identifiers", a cloud model never sees the client's names,
e-mail addresses, IPs, host names or ticket numbers; the engineer sees the real values."""

from __future__ import annotations

import json
import re
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
from flowpilot.ai.openai_compat import is_private_host
from flowpilot.branching.tasks import summarize_branch
from flowpilot.jobs.runtime import Runtime, set_runtime
from flowpilot.privacy.scrub import Identifiers
from flowpilot.privacy.vault import StreamRestorer, Vault
from tests.conftest import Tenant

JSON = {"Accept": "application/json"}
CLIENT = "Acme Dental Group"
SECRETS = [
    CLIENT,
    "Jane Smith",
    "jane.smith@acmedental.co.uk",
    "10.20.30.40",
    "SRV-DC01",
    "fs01.acme.local",
    "48213",
    "+44 161 496 0000",
]
PROBLEM = (
    "Outlook at Acme Dental Group keeps asking Jane Smith (jane.smith@acmedental.co.uk) for "
    "her password; DNS on SRV-DC01 (10.20.30.40) and the share on fs01.acme.local; PSA "
    "ticket #48213; she is on +44 161 496 0000."
)


class CloudModel(OfflineProvider):
    """A cloud model as far as FlowPilot knows: it records everything it is sent and answers
    with the placeholders it was given (so the restore is visible)."""

    name = "fake-cloud"
    model = "fake-cloud-1"
    reads_history = True

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def _placeholders(self, text: str) -> list[str]:
        return sorted(set(re.findall(r"\[[A-Z]+_\d+\]", text)))

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatEvent]:
        text = json.dumps(
            [b.text for b in request.system]
            + [m.text + m.context for m in request.history]
            + [request.volatile_context]
        )
        self.sent.append(text)
        answer = "Check " + ", ".join(self._placeholders(text)) + " first."
        for i in range(0, len(answer), 3):  # placeholders cut across pieces
            yield TextDelta(answer[i : i + 3])
        yield Completed(usage=Usage(input_tokens=10, output_tokens=5))

    async def structured(self, request: StructuredRequest) -> StructuredResult:
        self.sent.append(request.system + request.prompt)
        return await super().structured(request)


@pytest.fixture
def provider() -> CloudModel:
    return CloudModel()


async def test_a_cloud_model_sees_placeholders_and_the_engineer_the_real_values(
    client: httpx.AsyncClient, tenant: Tenant, provider: CloudModel, maker: Any
) -> None:
    admin, h = tenant.admin.headers, tenant.engineer.headers
    assert (await client.get("/api/v1/ai-privacy", headers=h)).json() == {"level": "secrets"}
    refused = await client.put("/api/v1/ai-privacy", json={"level": "identifiers"}, headers=h)
    assert refused.status_code == 403
    r = await client.put("/api/v1/ai-privacy", json={"level": "identifiers"}, headers=admin)
    assert r.status_code == 200, r.text
    assert (
        await client.put("/api/v1/ai-privacy", json={"level": "all"}, headers=admin)
    ).status_code == 422

    r = await client.post(
        "/api/v1/ai-sessions",
        json={
            "problem_summary": PROBLEM,
            "intake": {"client": CLIENT, "contact": "Jane Smith"},
        },
        headers=h,
    )
    sid = r.json()["id"]
    turn = await client.post(
        f"/api/v1/ai-sessions/{sid}/messages", json={"content": PROBLEM}, headers={**h, **JSON}
    )
    assert turn.status_code == 200, turn.text
    reply = turn.json()["assistant_message"]["content"]
    # The engineer reads the real values...
    assert "SRV-DC01" in reply and "10.20.30.40" in reply and "[" not in reply
    # ...and the model never saw them.
    set_runtime(Runtime(sessionmaker=maker, provider=provider))
    tree = (await client.get(f"/api/v1/ai-sessions/{sid}/branches", headers=h)).json()
    await summarize_branch(branch_id=tree["branches"][0]["id"])
    assert len(provider.sent) >= 2
    for text in provider.sent:
        leaked = [s for s in SECRETS if s.lower() in text.lower()]
        assert not leaked, leaked
    # The session shows what was replaced, the same placeholder for the same value each time.
    shown = (await client.get(f"/api/v1/ai-sessions/{sid}/redactions", headers=h)).json()
    assert shown["level"] == "identifiers" and shown["applies"] is True
    originals = {e["original"].lower() for e in shown["entries"]}
    assert {"srv-dc01", "10.20.30.40", CLIENT.lower()} <= originals
    placeholders = [e["placeholder"] for e in shown["entries"]]
    assert len(placeholders) == len(set(placeholders))
    again = await client.post(
        f"/api/v1/ai-sessions/{sid}/messages",
        json={"content": "SRV-DC01 answers ping from 10.20.30.40"},
        headers={**h, **JSON},
    )
    assert again.status_code == 200
    by_value = {e["original"].lower(): e["placeholder"] for e in shown["entries"]}
    assert by_value["srv-dc01"] in provider.sent[-1]


async def test_with_secrets_only_the_model_is_sent_the_values(
    client: httpx.AsyncClient, tenant: Tenant, provider: CloudModel
) -> None:
    h = tenant.engineer.headers
    sid = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": PROBLEM}, headers=h)
    ).json()["id"]
    await client.post(
        f"/api/v1/ai-sessions/{sid}/messages", json={"content": PROBLEM}, headers={**h, **JSON}
    )
    assert "SRV-DC01" in provider.sent[-1]
    shown = (await client.get(f"/api/v1/ai-sessions/{sid}/redactions", headers=h)).json()
    assert shown["level"] == "secrets" and shown["entries"] == []


def test_placeholders_cut_across_streamed_pieces_are_restored() -> None:
    vault = Vault(ids=Identifiers.of({"client": CLIENT}, []))
    redacted = vault.redact(f"{CLIENT} server SRV-DC01 at 10.20.30.40")
    assert CLIENT not in redacted and "SRV-DC01" not in redacted
    restorer = StreamRestorer(vault)
    pieces = re.findall(r".{1,2}", redacted, re.S)
    out = "".join(restorer.feed(p) for p in pieces) + restorer.finish()
    assert out == f"{CLIENT} server SRV-DC01 at 10.20.30.40"
    # Text that only looks like the start of a placeholder is not held back for ever.
    assert restorer.feed("see [note") + restorer.finish() == "see [note"


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("192.168.10.5", True),
        ("ollama.lan", True),
        ("api.openai.com", False),
        ("8.8.8.8", False),
    ],
)
def test_models_on_private_addresses_count_as_local(host: str, local: bool) -> None:
    assert is_private_host(host) is local


async def test_log_uploads_are_read_with_the_same_placeholders(
    client: httpx.AsyncClient, tenant: Tenant, provider: CloudModel, app: Any
) -> None:
    from flowpilot.uploads.tasks import run_description

    await client.put(
        "/api/v1/ai-privacy", json={"level": "identifiers"}, headers=tenant.admin.headers
    )
    h = tenant.engineer.headers
    sid = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": PROBLEM}, headers=h)
    ).json()["id"]
    log = b"Error: DNS lookup for fs01.acme.local failed on SRV-DC01 (10.20.30.40)\n" * 5
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/uploads",
        files=[("files", ("dns.log", log, "text/plain"))],
        headers=h,
    )
    assert r.status_code == 201, r.text
    set_runtime(
        Runtime(
            sessionmaker=app.state.sessionmaker,
            provider=provider,
            settings=app.state.settings,
            storage=app.state.storage,
        )
    )
    await run_description(r.json()[0]["id"])
    sent = provider.sent[-1]
    assert "dns.log" in sent or "DNS" in sent
    assert not [s for s in ("SRV-DC01", "10.20.30.40", "fs01.acme.local") if s in sent]
