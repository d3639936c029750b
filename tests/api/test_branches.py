"""The branch engine through HTTP: the seed's full story and the rules around it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event, text

from flowpilot.ai.base import StructuredRequest, StructuredResult
from flowpilot.branching.tasks import summarize_branch
from flowpilot.config import Settings
from flowpilot.jobs.runtime import Runtime, set_runtime
from tests.conftest import Tenant
from tests.fakes.recording import RecordingProvider

JSON = {"Accept": "application/json"}


@pytest.fixture
def provider() -> RecordingProvider:
    return RecordingProvider()


class Api:
    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str], sid: str = "") -> None:
        self.client, self.h, self.sid = client, headers, sid

    @property
    def base(self) -> str:
        return f"/api/v1/ai-sessions/{self.sid}"

    async def create(
        self, summary: str = "Outlook keeps asking for a password on one laptop"
    ) -> dict:  # type: ignore[type-arg]
        r = await self.client.post(
            "/api/v1/ai-sessions", json={"problem_summary": summary}, headers=self.h
        )
        assert r.status_code == 201, r.text
        self.sid = r.json()["id"]
        return r.json()  # type: ignore[no-any-return]

    async def say(self, content: str) -> dict:  # type: ignore[type-arg]
        r = await self.client.post(
            f"{self.base}/messages", json={"content": content}, headers={**self.h, **JSON}
        )
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    async def say_on(self, branch: str, content: str) -> httpx.Response:
        return await self.client.post(
            f"{self.base}/branches/{branch}/message",
            json={"message": content},
            headers={**self.h, **JSON},
        )

    async def fork(self, labels: list[str], **extra: object) -> httpx.Response:
        options = [{"label": label, "description": f"Hypothesis: {label}"} for label in labels]
        body = {"fork_reason": "Several plausible causes", "options": options, **extra}
        return await self.client.post(f"{self.base}/branches/fork", json=body, headers=self.h)

    async def tree(self) -> dict:  # type: ignore[type-arg]
        return (await self.client.get(f"{self.base}/branches", headers=self.h)).json()  # type: ignore[no-any-return]

    async def patch(self, branch: str, **body: object) -> httpx.Response:
        return await self.client.patch(f"{self.base}/branches/{branch}", json=body, headers=self.h)

    async def switch(self, branch: str) -> httpx.Response:
        return await self.client.post(f"{self.base}/branches/{branch}/switch", headers=self.h)

    async def messages(self, branch: str) -> list[dict]:  # type: ignore[type-arg]
        return (
            await self.client.get(f"{self.base}/branches/{branch}/messages", headers=self.h)
        ).json()  # type: ignore[no-any-return]


@pytest.fixture
def api(client: httpx.AsyncClient, tenant: Tenant) -> Api:
    return Api(client, tenant.engineer.headers)


async def test_seed_story(api: Api, provider: RecordingProvider, maker, db) -> None:  # type: ignore[no-untyped-def]
    await api.create()
    for text_ in (
        "Outlook keeps asking for a password",
        "Only this laptop",
        "Password changed last week",
    ):
        await api.say(text_)
    rows_before = await db.scalar(text("SELECT count(*) FROM session_messages"))

    r = await api.fork(
        ["Stale cached credentials", "Broken WAM broker", "Conditional Access block"]
    )
    assert r.status_code == 201, r.text
    forked = r.json()
    a, b, c = (br["id"] for br in forked["branches"])
    assert forked["active_branch_id"] == a
    assert [o["status"] for o in forked["fork_point"]["options"]] == [
        "active",
        "untried",
        "untried",
    ]
    # A fork writes branches and a fork point, never copies of the history.
    assert await db.scalar(text("SELECT count(*) FROM session_messages")) == rows_before
    assert [m["content"] for m in await api.messages(b)] == [
        m["content"] for m in await api.messages(a)
    ]

    # Work branch A, then rule it out.
    r = await api.say_on(a, "Cleared Credential Manager, still prompting")
    assert r.status_code == 200, r.text
    assert r.json()["step"]["branch_id"] == a
    r = await api.patch(
        a, status="dead_end", status_reason="Credential Manager was clean and prompts continue"
    )
    assert r.status_code == 200 and r.json()["status"] == "dead_end"
    set_runtime(Runtime(sessionmaker=maker, provider=provider))
    await summarize_branch(branch_id=a)
    tree = await api.tree()
    by_id = {br["id"]: br for br in tree["branches"]}
    assert by_id[a]["context_summary"]["concluded"].startswith(
        "Ruled out: Credential Manager was clean"
    )
    assert by_id[a]["summary_stale"] is False and by_id[a]["step_count"] == 1
    # Each branch counts the messages on its path; only the main branch is the root.
    for branch in (a, b):
        assert by_id[branch]["message_count"] == len(await api.messages(branch))
    assert by_id[a]["message_count"] == by_id[b]["message_count"] + 2  # A's turn
    assert [br["is_root"] for br in tree["branches"]].count(True) == 1
    assert tree["hypothesis_count"] == 3
    assert [o["status"] for o in tree["fork_points"][0]["options"]] == [
        "dead_end",
        "untried",
        "untried",
    ]

    # Switch to B: the transition context says what A concluded.
    r = await api.switch(b)
    assert r.status_code == 200, r.text
    switched = r.json()
    assert switched["active_branch_id"] == b and switched["branch"]["status"] == "active"
    change = next(ch for ch in switched["transition"]["changes"] if ch["branch_id"] == a)
    assert "Credential Manager was clean" in change["concluded"]
    assert switched["conversation_messages"][-1]["content"] == switched["messages"][-1]["content"]

    # B's prompt carries A only as a ruled-out summary, not A's own turns.
    provider.requests.clear()
    assert (await api.say_on(b, "Checking the WAM broker now")).status_code == 200
    prompt = provider.requests[-1]
    assert "RULED OUT: Stale cached credentials" in prompt.volatile_context
    assert all("Cleared Credential Manager" not in m.text for m in prompt.history)
    assert "Current hypothesis (branch): Broken WAM broker" in prompt.system[1].text

    # Revive A with evidence from B, then solve B and resolve the session.
    r = await api.client.post(
        f"{api.base}/branches/{a}/revive",
        json={
            "evidence_from_branch_id": b,
            "evidence_description": "WAM token is fine, prompts come from a saved credential",
        },
        headers=api.h,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "revived" and r.json()["evidence_from_branch_id"] == b
    assert (await api.messages(a))[-1]["role"] == "system"
    r = await api.patch(
        b,
        status="solved",
        status_reason="Re-registered the device; prompts stopped",
        resolve_session=True,
    )
    assert r.status_code == 200 and r.json()["status"] == "solved"
    session = (await api.client.get(api.base, headers=api.h)).json()
    assert session["status"] == "resolved" and session["is_branching"] is True


async def test_fork_from_the_middle_leaves_the_original_untouched(api: Api) -> None:
    await api.create()
    turns = [await api.say(f"observation {i}") for i in range(3)]
    main = (await api.tree())["active_branch_id"]
    before = await api.messages(main)
    middle = turns[0]["assistant_message"]["id"]
    r = await api.fork(["Alt A", "Alt B"], from_message_id=middle)
    assert r.status_code == 201, r.text
    new = r.json()["branches"][0]
    history = await api.messages(new["id"])
    assert history[-1]["id"] == middle and len(history) == 2
    assert new["parent_branch_id"] == main
    assert await api.messages(main) == before
    assert (await api.say_on(new["id"], "Try the alternative")).status_code == 200
    assert await api.messages(main) == before


async def test_free_plan_can_fork_twice_then_gets_402(
    client: httpx.AsyncClient, make_tenant, db
) -> None:  # type: ignore[no-untyped-def]
    free = await make_tenant(plan="free")
    api = Api(client, free.engineer.headers)
    await api.create()
    await api.say("first")
    assert (await api.fork(["One", "Two"])).status_code == 201
    branches_before = await db.scalar(text("SELECT count(*) FROM session_branches"))
    r = await api.fork(["Three", "Four"])
    assert r.status_code == 402
    body = r.json()
    assert body["code"] == "plan_limit" and body["plan"] == "free"
    assert body["limit"] == 2 and body["current"] == 2
    assert "free plan allows 2" in body["detail"]
    assert await db.scalar(text("SELECT count(*) FROM session_branches")) == branches_before
    assert (await api.tree())["hypothesis_count"] == 2


async def test_branch_order_is_unique_across_forks(api: Api) -> None:
    await api.create()
    await api.say("first")
    await api.fork(["A", "B"])
    await api.fork(["C", "D", "E"])
    orders = [b["branch_order"] for b in (await api.tree())["branches"]]
    assert orders == [1, 2, 3, 4, 5, 6]


async def test_status_machine(api: Api) -> None:
    await api.create()
    await api.say("first")
    a, b = (br["id"] for br in (await api.fork(["A", "B"])).json()["branches"])
    assert (await api.patch(a, status="dead_end")).json()["code"] == "reason_required"
    assert (await api.patch(a, status="dead_end", status_reason="nope")).status_code == 200
    back = await api.patch(a, status="active")
    assert back.status_code == 409 and "Revive it" in back.json()["detail"]
    closed = await api.say_on(a, "more")
    assert closed.status_code == 409 and closed.json()["code"] == "branch_closed"
    not_dead = await api.client.post(
        f"{api.base}/branches/{b}/revive",
        json={"evidence_from_branch_id": a, "evidence_description": "some new evidence"},
        headers=api.h,
    )
    assert not_dead.status_code == 409
    self_evidence = await api.client.post(
        f"{api.base}/branches/{a}/revive",
        json={"evidence_from_branch_id": a, "evidence_description": "some new evidence"},
        headers=api.h,
    )
    assert self_evidence.status_code == 400
    assert (await api.patch(b, status="exploded")).status_code == 422
    renamed = await api.patch(b, label="WAM broker")
    assert renamed.status_code == 200 and renamed.json()["label"] == "WAM broker"
    assert (await api.fork(["only one"])).status_code == 422
    assert (await api.fork([f"o{i}" for i in range(11)])).status_code == 422


async def test_compare_two_branches(api: Api) -> None:
    await api.create()
    first = await api.say("first")
    a, b = (br["id"] for br in (await api.fork(["A", "B"])).json()["branches"])
    await api.say_on(a, "tried A")
    await api.patch(a, status="dead_end", status_reason="A is fine")
    await api.say_on(b, "tried B")
    r = await api.client.get(f"{api.base}/branches/compare", params={"a": a, "b": b}, headers=api.h)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["a"]["conclusion"]["concluded"] == "Ruled out: A is fine"
    assert len(data["a"]["steps"]) == 1 and len(data["b"]["steps"]) == 1
    assert data["common_ancestor_message_id"] == first["assistant_message"]["id"]
    same = await api.client.get(
        f"{api.base}/branches/compare", params={"a": a, "b": a}, headers=api.h
    )
    assert same.status_code == 400


async def test_ids_from_another_session_are_404(
    api: Api, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    other = Api(client, tenant.engineer.headers)
    await other.create("VPN drops")
    other_msg = (await other.say("VPN drops hourly"))["assistant_message"]["id"]
    other_branch = (await other.fork(["X", "Y"])).json()["branches"][0]["id"]
    await api.create()
    await api.say("first")
    a = (await api.fork(["A", "B"])).json()["branches"][0]["id"]
    await api.patch(a, status="dead_end", status_reason="no")
    assert (await api.fork(["C", "D"], from_message_id=other_msg)).status_code == 404
    assert (await api.switch(other_branch)).status_code == 404
    assert (await api.patch(other_branch, label="x")).status_code == 404
    r = await api.client.post(
        f"{api.base}/branches/{a}/revive",
        json={
            "evidence_from_branch_id": other_branch,
            "evidence_description": "cross-session evidence",
        },
        headers=api.h,
    )
    assert r.status_code == 404
    r = await api.client.get(
        f"{api.base}/branches/compare", params={"a": a, "b": other_branch}, headers=api.h
    )
    assert r.status_code == 404
    assert (await api.say_on(other_branch, "hi")).status_code == 404


async def test_offline_suggests_forks_when_playbooks_compete(api: Api) -> None:
    problem = "Users cannot reach the file server over VPN, names do not resolve"
    await api.create(problem)
    reply = await api.say(problem)
    suggestions = reply["assistant_message"]["meta"].get("fork_suggestions")
    assert suggestions and len(suggestions) >= 2
    assert reply["step"]["data"]["fork_suggestions"] == suggestions


async def test_summary_jobs_are_deduplicated_per_branch(api: Api, db) -> None:  # type: ignore[no-untyped-def]
    await api.create()
    await api.say("first")
    await api.say("second")
    main = (await api.tree())["active_branch_id"]
    pending = await db.scalar(
        text(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'summarize_branch'"
            " AND status = 'todo' AND args->>'branch_id' = :b"
        ),
        {"b": main},
    )
    assert pending == 1


async def test_a_chat_turns_summary_settles_and_a_status_change_brings_it_forward(
    api: Api, db, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    """Chatting summarises the branch once per settle interval (not once per turn, and not
    while the next turn is being prepared); marking it a dead end wants the summary now."""
    await api.create()
    await api.say("first")
    main = (await api.tree())["active_branch_id"]
    due = text(
        "SELECT scheduled_at - now() FROM procrastinate_jobs WHERE task_name = 'summarize_branch'"
        " AND status = 'todo' AND args->>'branch_id' = :b"
    )
    settle = settings.summary_settle_seconds
    waits = (await db.execute(due, {"b": main})).scalars().all()
    assert len(waits) == 1 and waits[0].total_seconds() > settle - 5
    r = await api.patch(main, status="dead_end", status_reason="Credential Manager was clean")
    assert r.status_code == 200
    waits = (await db.execute(due, {"b": main})).scalars().all()
    assert len(waits) == 1 and waits[0].total_seconds() <= 0


class ReadsSummaryPrompts(RecordingProvider):
    """A model-like provider for jobs: records each structured request's prompt."""

    name = "model-like"

    def __init__(self) -> None:
        super().__init__()
        self.prompts: list[str] = []

    async def structured(self, request: StructuredRequest) -> StructuredResult:
        self.prompts.append(request.prompt)
        return await super().structured(request)


async def test_a_summary_reads_the_engineers_words_only_for_a_model(api: Api, maker, db) -> None:  # type: ignore[no-untyped-def]
    """Offline, the summary is composed from the record: the transcript is not read."""
    await api.create()
    await api.say("Cleared Credential Manager, still prompting")
    main = (await api.tree())["active_branch_id"]
    walks: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "RECURSIVE walk" in statement:
            walks.append(statement)

    model = ReadsSummaryPrompts()
    event.listen(Engine, "before_cursor_execute", count)
    try:
        set_runtime(Runtime(sessionmaker=maker, provider=RecordingProvider()))
        await summarize_branch(branch_id=main)
        offline_walks = len(walks)
        await db.execute(text("UPDATE session_branches SET summary_stale = true"))
        await db.commit()
        set_runtime(Runtime(sessionmaker=maker, provider=model))
        await summarize_branch(branch_id=main)
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert offline_walks == 0 and len(walks) == 1
    assert "Cleared Credential Manager, still prompting" in model.prompts[-1]


async def test_offline_follows_each_branchs_hypothesis(api: Api) -> None:
    problem = "Users cannot reach the file server over VPN, names do not resolve"
    await api.create(problem)
    reply = await api.say(problem)
    r = await api.fork(
        ["DNS names do not resolve (nslookup fails)", "Remote-access VPN will not connect"],
        from_message_id=reply["assistant_message"]["id"],
    )
    dns, vpn = (b["id"] for b in r.json()["branches"])
    on_vpn = (await api.say_on(vpn, "Checked, still failing")).json()["assistant_message"]
    assert on_vpn["meta"]["guide"]["focus"]["slug"] == "vpn-cannot-connect"
    on_dns = (await api.say_on(dns, "ping works, nslookup fails")).json()["assistant_message"]
    assert on_dns["meta"]["guide"]["focus"]["slug"] == "dns-resolution-failure"
    # Each branch keeps its own playbook on the next turn instead of drifting.
    again = (await api.say_on(vpn, "Same error on a second laptop")).json()["assistant_message"]
    assert again["meta"]["guide"]["focus"]["slug"] == "vpn-cannot-connect"
    assert again["meta"]["guide"]["step_id"] != on_vpn["meta"]["guide"].get("step_id")
