from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from flowpilot.conversation.tasks import analyse_intake
from flowpilot.jobs.runtime import Runtime, set_runtime
from flowpilot.library.loader import DATA_DIR
from flowpilot.library.playbook_format import read_file
from tests.conftest import Tenant, add_member, parse_sse

OUTLOOK = "Outlook keeps asking for a password on one laptop"


def playbook(slug: str) -> dict:  # type: ignore[type-arg]
    return read_file(DATA_DIR / f"{slug}.toml")


async def _create(client: httpx.AsyncClient, member, summary: str = OUTLOOK, **extra) -> dict:  # type: ignore[no-untyped-def]
    r = await client.post(
        "/api/v1/ai-sessions", json={"problem_summary": summary, **extra}, headers=member.headers
    )
    assert r.status_code == 201, r.text
    return r.json()


async def test_create_session_has_root_branch_and_team(
    client: httpx.AsyncClient, tenant: Tenant, db
) -> None:  # type: ignore[no-untyped-def]
    s = await _create(client, tenant.engineer)
    assert s["status"] == "active" and s["team_name"] == "Service Desk"
    assert s["active_branch_id"] and s["title"] == OUTLOOK and s["can_write"] is True
    branches = (
        await db.execute(
            text(
                "SELECT label, branch_order, head_message_id"
                " FROM session_branches WHERE session_id = :s"
            ),
            {"s": s["id"]},
        )
    ).all()
    assert branches == [("Main", 1, None)]
    # The intake job was deferred in the same transaction.
    jobs = (
        await db.execute(text("SELECT task_name, args->>'session_id' FROM procrastinate_jobs"))
    ).all()
    assert ("analyse_intake", s["id"]) in jobs


async def test_long_problem_gives_the_full_title_cut_only_past_300_at_a_word(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:  # type: ignore[no-untyped-def]
    # 150 characters: kept whole (it used to be cut at 80), on one line.
    problem = (
        "Since the firewall firmware update on Monday, users at the Leeds office lose\n"
        "their VPN connection every hour and Teams calls drop at the same moment"
    )
    s = await _create(client, tenant.engineer, problem)
    assert s["title"] == " ".join(problem.split()) and len(s["title"]) > 80
    assert s["problem_summary"] == problem
    listed = (await client.get("/api/v1/ai-sessions", headers=tenant.engineer.headers)).json()
    assert " ".join(problem.split()) in [i["title"] for i in listed["items"]]

    # Past 300: cut at the last whole word that fits, with an ellipsis; the summary stays whole.
    words = " ".join(f"word{n:03d}" for n in range(60))  # 479 characters
    s = await _create(client, tenant.engineer, words)
    title = s["title"]
    assert len(title) <= 300 and title.endswith("…")
    assert words.startswith(title[:-1]) and words[len(title) - 1] == " "
    assert title[:-1].split(" ")[-1] == "word036"
    assert s["problem_summary"] == words

    # An explicit title is kept as given.
    s = await _create(client, tenant.engineer, OUTLOOK, title="Outlook prompts (Jane's laptop)")
    assert s["title"] == "Outlook prompts (Jane's laptop)"


async def test_intake_job_classifies_from_library(
    client: httpx.AsyncClient, tenant: Tenant, maker, provider
) -> None:  # type: ignore[no-untyped-def]
    s = await _create(client, tenant.engineer)
    set_runtime(Runtime(sessionmaker=maker, provider=provider))
    await analyse_intake(session_id=s["id"])
    got = (
        await client.get(f"/api/v1/ai-sessions/{s['id']}", headers=tenant.engineer.headers)
    ).json()
    assert got["problem_domain"] == playbook("outlook-password-prompts")["domain"]
    steps = (
        await client.get(f"/api/v1/ai-sessions/{s['id']}/steps", headers=tenant.engineer.headers)
    ).json()
    assert steps[0]["step_type"] == "intake_analysis"
    assert steps[0]["data"]["playbooks"][0] == "outlook-password-prompts"


async def test_streamed_offline_answer_is_grounded_and_saved(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    s = await _create(client, tenant.engineer)
    r = await client.post(
        f"/api/v1/ai-sessions/{s['id']}/messages",
        json={"content": OUTLOOK},
        headers=tenant.engineer.headers,
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(r.text)
    names = [e for e, _ in events]
    assert names[0] == "message" and names[-1] == "done" and names.count("delta") > 5
    streamed = "".join(d["text"] for e, d in events if e == "delta")
    assert "Offline mode" in streamed and "Outlook keeps asking for a password" in streamed
    assert "Next check:" in streamed and "match " in streamed
    done = events[-1][1]
    assert done["assistant_message"]["content"] == streamed.strip()
    guide = done["assistant_message"]["meta"]["guide"]
    assert guide["focus"]["slug"] == "outlook-password-prompts"
    assert guide["focus"]["confidence"] > 0.4
    first_step = guide["step_id"]
    assert done["step"]["step_number"] == 1 and done["step"]["title"]

    msgs = (
        await client.get(f"/api/v1/ai-sessions/{s['id']}/messages", headers=tenant.engineer.headers)
    ).json()
    assert [m["role"] for m in msgs] == ["user", "assistant"]
    assert msgs[1]["reply_to_id"] == msgs[0]["id"] and msgs[1]["parent_id"] == msgs[0]["id"]
    assert not msgs[0]["awaiting_reply"]

    # The next turn continues the same playbook with the next uncovered step.
    r2 = await client.post(
        f"/api/v1/ai-sessions/{s['id']}/messages",
        json={"content": "Only this laptop, OWA works fine"},
        headers={**tenant.engineer.headers, "Accept": "application/json"},
    )
    assert r2.status_code == 200, r2.text
    second = r2.json()["assistant_message"]
    assert second["meta"]["guide"]["focus"]["slug"] == "outlook-password-prompts"
    assert second["meta"]["guide"]["step_id"] != first_step
    assert "Known so far" in second["content"]
    got = (
        await client.get(f"/api/v1/ai-sessions/{s['id']}", headers=tenant.engineer.headers)
    ).json()
    assert got["turn_count"] == 2


async def test_unmatched_problem_asks_for_details(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    s = await _create(client, tenant.engineer, summary="zzzz qqqq")
    r = await client.post(
        f"/api/v1/ai-sessions/{s['id']}/messages",
        json={"content": "xyzzy"},
        headers={**tenant.engineer.headers, "Accept": "application/json"},
    )
    assert "exact error message" in r.json()["assistant_message"]["content"]
    assert "No playbook fits this well" in r.json()["assistant_message"]["content"]
    assert r.json()["assistant_message"]["meta"]["guide"]["no_fit"] is True
    assert r.json()["step"]["step_type"] == "info_request"


async def test_status_machine_and_time_accrual(
    client: httpx.AsyncClient, tenant: Tenant, db
) -> None:  # type: ignore[no-untyped-def]
    s = await _create(client, tenant.engineer)
    url, h = f"/api/v1/ai-sessions/{s['id']}", tenant.engineer.headers
    await db.execute(
        text(
            "UPDATE ai_sessions SET status_changed_at = now() - interval '90 seconds' WHERE id = :s"
        ),
        {"s": s["id"]},
    )
    await db.commit()
    paused = await client.patch(url, json={"status": "paused"}, headers=h)
    assert paused.status_code == 200 and paused.json()["total_active_seconds"] >= 90
    assert (await client.patch(url, json={"status": "resolved"}, headers=h)).status_code == 200
    assert (await client.patch(url, json={"status": "closed"}, headers=h)).json()[
        "status"
    ] == "closed"
    bad = await client.patch(url, json={"status": "escalated"}, headers=h)
    assert bad.status_code == 409 and bad.json()["code"] == "illegal_transition"
    msg = await client.post(f"{url}/messages", json={"content": "hello"}, headers=h)
    assert msg.status_code == 409 and msg.json()["code"] == "session_not_active"
    assert (await client.patch(url, json={"status": "sleeping"}, headers=h)).status_code == 422


async def test_list_filters_and_pagination(
    client: httpx.AsyncClient, tenant: Tenant, maker
) -> None:  # type: ignore[no-untyped-def]
    teammate = await add_member(maker, tenant, "engineer")
    for i in range(3):
        await _create(client, tenant.engineer, summary=f"VPN problem number {i}")
    await _create(client, teammate, summary="Printer jam at the front desk")
    h = tenant.engineer.headers
    mine = (await client.get("/api/v1/ai-sessions?scope=mine&limit=2", headers=h)).json()
    assert mine["total"] == 3 and len(mine["items"]) == 2
    page2 = (await client.get("/api/v1/ai-sessions?scope=mine&limit=2&offset=2", headers=h)).json()
    assert len(page2["items"]) == 1
    team = (await client.get("/api/v1/ai-sessions?scope=team", headers=h)).json()
    assert team["total"] == 4
    searched = (await client.get("/api/v1/ai-sessions?q=printer", headers=h)).json()
    assert [i["title"] for i in searched["items"]] == ["Printer jam at the front desk"]
    assert searched["items"][0]["can_write"] is False
    assert (await client.get("/api/v1/ai-sessions?status=paused", headers=h)).json()["total"] == 0
    assert (await client.get("/api/v1/ai-sessions?limit=0", headers=h)).status_code == 422
    assert (await client.get("/api/v1/ai-sessions?scope=everyone", headers=h)).status_code == 422


async def test_teammate_reads_but_cannot_write(
    client: httpx.AsyncClient, tenant: Tenant, maker
) -> None:  # type: ignore[no-untyped-def]
    s = await _create(client, tenant.engineer)
    teammate = await add_member(maker, tenant, "engineer")
    loner = await add_member(maker, tenant, "engineer", team=False)
    url = f"/api/v1/ai-sessions/{s['id']}"
    assert (await client.get(url, headers=teammate.headers)).status_code == 200
    w = await client.post(f"{url}/messages", json={"content": "hi"}, headers=teammate.headers)
    assert w.status_code == 403
    assert (await client.get(url, headers=loner.headers)).status_code == 404
    lead = await add_member(maker, tenant, "lead", team=False)
    assert (
        await client.patch(url, json={"title": "Renamed by lead"}, headers=lead.headers)
    ).status_code == 200


async def test_bad_input_never_500(client: httpx.AsyncClient, tenant: Tenant) -> None:
    h = tenant.engineer.headers
    assert (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": 5}, headers=h)
    ).status_code == 422
    assert (await client.post("/api/v1/ai-sessions", json={}, headers=h)).status_code == 422
    assert (await client.post("/api/v1/ai-sessions", json=[1, 2], headers=h)).status_code == 422
    assert (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": "x" * 5000}, headers=h)
    ).status_code == 422
    huge = await client.post(
        "/api/v1/ai-sessions",
        content=b"{" + b" " * 2_000_000 + b"}",
        headers={**h, "content-type": "application/json"},
    )
    assert huge.status_code == 413 and huge.json()["code"] == "payload_too_large"
    s = await _create(client, tenant.engineer)
    assert (
        await client.post(
            f"/api/v1/ai-sessions/{s['id']}/messages", json={"content": ""}, headers=h
        )
    ).status_code == 422
    assert (
        await client.post(
            f"/api/v1/ai-sessions/{s['id']}/messages", json={"content": "x" * 40_000}, headers=h
        )
    ).status_code == 422
    unknown = "00000000-0000-0000-0000-000000000000"
    assert (await client.get(f"/api/v1/ai-sessions/{unknown}", headers=h)).status_code == 404
    assert (
        await client.post(
            f"/api/v1/ai-sessions/{unknown}/messages", json={"content": "x"}, headers=h
        )
    ).status_code == 404
    assert (await client.get("/api/v1/ai-sessions/nope", headers=h)).status_code == 422
    other_team = await client.post(
        "/api/v1/ai-sessions", json={"problem_summary": "abc def", "team_id": unknown}, headers=h
    )
    assert other_team.status_code == 404


async def test_cannot_create_in_another_accounts_team(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    other = await client.post(
        "/api/v1/ai-sessions",
        json={"problem_summary": "abc def", "team_id": str(tenant.team.id)},
        headers=other_tenant.admin.headers,
    )
    assert other.status_code == 404


async def test_totals_are_counted_up_to_a_cap(
    client: httpx.AsyncClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flowpilot.db import counting

    monkeypatch.setattr(counting, "COUNT_CAP", 2)
    h = tenant.engineer.headers
    for n in range(3):
        r = await client.post(
            "/api/v1/ai-sessions", json={"problem_summary": f"Printer {n} offline"}, headers=h
        )
        assert r.status_code == 201
    page = (await client.get("/api/v1/ai-sessions?q=printer", headers=h)).json()
    assert (page["total"], page["total_capped"], len(page["items"])) == (2, True, 3)
    exact = (await client.get("/api/v1/ai-sessions?q=printer%201", headers=h)).json()
    assert (exact["total"], exact["total_capped"]) == (1, False)


async def test_a_status_keeps_the_reason_given_for_it(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    h = tenant.engineer.headers
    sid = (
        await client.post(
            "/api/v1/ai-sessions", json={"problem_summary": "Printer offline"}, headers=h
        )
    ).json()["id"]
    url = f"/api/v1/ai-sessions/{sid}"
    reason = "Waiting for the client to reboot the print server tonight"
    r = await client.patch(url, json={"status": "paused", "status_reason": reason}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["status_reason"] == reason
    assert (await client.get(url, headers=h)).json()["status_reason"] == reason
    # A later status without a reason does not carry the old one.
    resumed = await client.patch(url, json={"status": "active"}, headers=h)
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["status_reason"] is None
