"""A truthful record: suggestions stay suggestions until the engineer reports on them, and
everything downstream (summaries, briefings, documents) reads performed work only."""

from __future__ import annotations

import uuid

import httpx
import pytest

from flowpilot.auth.service import principal_for_token
from flowpilot.conversation import chat
from flowpilot.conversation.follow_up import run_follow_up
from flowpilot.jobs.runtime import Runtime, set_runtime
from flowpilot.resolutions.tasks import generate_resolution_outputs
from tests.conftest import Tenant

JSON = {"Accept": "application/json"}
COPIER = "The office copier prints grey streaks down every page and jams on duplex jobs"
VENDOR_FIX = (
    "I have not tried any of that - the vendor's technician replaced the fuser unit "
    "and it prints fine now"
)


async def _session(client: httpx.AsyncClient, tenant: Tenant, problem: str) -> str:
    r = await client.post(
        "/api/v1/ai-sessions", json={"problem_summary": problem}, headers=tenant.engineer.headers
    )
    return str(r.json()["id"])


async def _say(client: httpx.AsyncClient, tenant: Tenant, sid: str, text: str, branch=None):  # type: ignore[no-untyped-def]
    h = {**tenant.engineer.headers, **JSON}
    if branch:
        r = await client.post(
            f"/api/v1/ai-sessions/{sid}/branches/{branch}/message",
            json={"message": text},
            headers=h,
        )
    else:
        r = await client.post(
            f"/api/v1/ai-sessions/{sid}/messages", json={"content": text}, headers=h
        )
    assert r.status_code == 200, r.text
    return r.json()


async def _steps(client: httpx.AsyncClient, tenant: Tenant, sid: str) -> list[dict]:  # type: ignore[type-arg]
    r = await client.get(f"/api/v1/ai-sessions/{sid}/steps", headers=tenant.engineer.headers)
    return r.json()  # type: ignore[no-any-return]


async def _copier_suggestion(client: httpx.AsyncClient, tenant: Tenant) -> tuple[str, dict]:  # type: ignore[type-arg]
    """A copier session whose first answer made a suggestion: (session, that suggestion)."""
    sid = await _session(client, tenant, COPIER)
    await _say(client, tenant, sid, COPIER)
    first = next(s for s in await _steps(client, tenant, sid) if s["state"] == "suggested")
    return sid, first


async def _documents(client, tenant, sid, maker, provider) -> dict[str, str]:  # type: ignore[no-untyped-def]
    set_runtime(Runtime(sessionmaker=maker, provider=provider))
    await generate_resolution_outputs(session_id=sid)
    r = await client.get(f"/api/v1/ai-sessions/{sid}/outputs", headers=tenant.engineer.headers)
    return {o["output_type"]: o["generated_content"] for o in r.json()["outputs"]}


async def test_the_copier_story_claims_no_work_nobody_did(
    client: httpx.AsyncClient, tenant: Tenant, maker, provider
) -> None:  # type: ignore[no-untyped-def]
    sid = await _session(client, tenant, COPIER)
    await _say(client, tenant, sid, COPIER)
    [suggestion] = [s for s in await _steps(client, tenant, sid) if s["state"] == "suggested"]
    assert "Offline mode" not in suggestion["title"]
    await _say(client, tenant, sid, VENDOR_FIX)
    steps = {s["id"]: s for s in await _steps(client, tenant, sid)}
    assert steps[suggestion["id"]]["state"] == "skipped"
    assert steps[suggestion["id"]]["reported_by_name"]
    assert not [s for s in steps.values() if s["state"] == "done"]

    tree = (
        await client.get(f"/api/v1/ai-sessions/{sid}/branches", headers=tenant.engineer.headers)
    ).json()
    main = tree["branches"][0]
    assert suggestion["title"] not in str(main.get("context_summary") or "")
    r = await client.patch(
        f"/api/v1/ai-sessions/{sid}", json={"status": "resolved"}, headers=tenant.engineer.headers
    )
    assert r.status_code == 200, r.text
    docs = await _documents(client, tenant, sid, maker, provider)
    titles = [s["title"] for s in steps.values() if s["state"] != "record"]
    for kind, text in docs.items():
        assert "fuser unit" in text, kind
        assert "Offline mode" not in text, kind
        for title in titles:
            assert title not in text, (kind, title)
    psa = docs["psa_ticket_notes"]
    assert "**" not in psa and psa.startswith("Issue: ")
    assert "Work performed:\n- " in psa and "replaced the fuser unit" in psa
    assert "outside party" in docs["client_summary"]
    assert "worked through the likely causes" not in docs["client_summary"]


async def test_forked_session_records_exactly_the_work_done(
    client: httpx.AsyncClient, tenant: Tenant, maker, provider
) -> None:  # type: ignore[no-untyped-def]
    h = tenant.engineer.headers
    problem = "Print jobs stuck in the queue on the office print server"
    sid = await _session(client, tenant, problem)
    await _say(client, tenant, sid, problem)
    fork = await client.post(
        f"/api/v1/ai-sessions/{sid}/branches/fork",
        json={
            "fork_reason": "two ideas",
            "options": [{"label": "Corrupt spool job"}, {"label": "Bad printer driver"}],
        },
        headers=h,
    )
    spool, driver = (b["id"] for b in fork.json()["branches"])
    # Five suggestions in all; the engineer does two of them, skips one, ignores two.
    await _say(client, tenant, sid, "Where do I start on the spool folder?", spool)
    newest = [s for s in await _steps(client, tenant, sid) if s["state"] == "suggested"][-1]
    await _say(client, tenant, sid, f"Checked: {newest['title']}. Jobs still stuck", spool)
    await _say(client, tenant, sid, "skip that, no access to the server console", spool)
    r = await client.patch(
        f"/api/v1/ai-sessions/{sid}/branches/{spool}",
        json={"status": "dead_end", "status_reason": "Spool folder was empty"},
        headers=h,
    )
    assert r.status_code == 200
    await _say(client, tenant, sid, "What should I check for the driver?", driver)
    await _say(
        client,
        tenant,
        sid,
        "Checked the PrintService log: faulting module is the HP driver",
        driver,
    )
    steps = await _steps(client, tenant, sid)
    done = [s for s in steps if s["state"] == "done"]
    assert len(done) == 2 and all(s["result"] for s in done)
    assert len([s for s in steps if s["state"] == "skipped"]) == 1
    assert len([s for s in steps if s["state"] == "suggested"]) >= 1
    r = await client.patch(
        f"/api/v1/ai-sessions/{sid}/branches/{driver}",
        json={
            "status": "solved",
            "status_reason": "Replaced the HP driver with the Type 4 driver",
            "resolve_session": True,
        },
        headers=h,
    )
    assert r.status_code == 200, r.text
    psa = (await _documents(client, tenant, sid, maker, provider))["psa_ticket_notes"]
    work = psa.split("Work performed:\n")[1].split("\n\n")[0].splitlines()
    assert len(work) == 2, psa
    assert "Jobs still stuck" in work[0] and "HP driver" in work[1]
    assert "Ruled out:\n- Corrupt spool job: Spool folder was empty" in psa
    done_titles = {s["title"] for s in done}
    for s in steps:
        if s["state"] in ("suggested", "skipped") and s["title"] not in done_titles:
            assert s["title"] not in psa, s["title"]
    assert "Cause: Bad printer driver" in psa and "Offline mode" not in psa


async def test_the_engineer_corrects_a_step(client: httpx.AsyncClient, tenant: Tenant) -> None:
    h = tenant.engineer.headers
    sid = await _session(client, tenant, COPIER)
    await _say(client, tenant, sid, COPIER)
    steps = await _steps(client, tenant, sid)
    suggestion = next(s for s in steps if s["state"] == "suggested")
    url = f"/api/v1/ai-sessions/{sid}/steps/{suggestion['id']}"
    assert (await client.patch(url, json={"state": "done"}, headers=h)).status_code == 422
    assert (await client.patch(url, json={"state": "finished"}, headers=h)).status_code == 422
    r = await client.patch(
        url, json={"state": "done", "result": "Streaks gone after cleaning"}, headers=h
    )
    assert r.status_code == 200 and r.json()["report_source"] == "engineer"
    assert r.json()["result"] == "Streaks gone after cleaning" and r.json()["reported_at"]
    r = await client.patch(url, json={"state": "suggested"}, headers=h)
    assert r.json()["state"] == "suggested" and r.json()["result"] == ""
    record = next((s for s in steps if s["state"] == "record"), None)
    if record is not None:
        r = await client.patch(
            f"/api/v1/ai-sessions/{sid}/steps/{record['id']}", json={"state": "skipped"}, headers=h
        )
        assert r.status_code == 409
    missing = f"/api/v1/ai-sessions/{sid}/steps/00000000-0000-0000-0000-000000000000"
    assert (await client.patch(missing, json={"state": "skipped"}, headers=h)).status_code == 404


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("We don't have a print server, it's direct IP printing", "not_applicable"),
        ("Skip that one, I can't reach the device", "skipped"),
        ("The panel shows no errors and only tray 2 jams", "done"),
        ("What does the fuser do?", "suggested"),
    ],
)
async def test_a_message_reports_on_the_open_suggestion(
    client: httpx.AsyncClient, tenant: Tenant, text: str, state: str
) -> None:
    sid, first = await _copier_suggestion(client, tenant)
    await _say(client, tenant, sid, text)
    after = next(s for s in await _steps(client, tenant, sid) if s["id"] == first["id"])
    assert after["state"] == state, after


async def _suggested_then_reported(client, tenant, maker) -> tuple[str, dict, str]:  # type: ignore[no-untyped-def]
    """A session whose first answer made a suggestion, and an engineer message reporting on
    it saved the way a turn saves it, its turn not run yet: (session, suggestion, message)."""
    sid, first = await _copier_suggestion(client, tenant)
    async with maker() as db:
        principal = await principal_for_token(db, tenant.engineer.token, False)
        saved = await chat.append_user_message(
            db, principal, uuid.UUID(sid), "The panel shows no errors and only tray 2 jams"
        )
        await db.commit()
    return sid, first, str(saved.message.id)


async def test_a_message_whose_turn_never_ran_reports_on_retry(
    client: httpx.AsyncClient, tenant: Tenant, maker
) -> None:  # type: ignore[no-untyped-def]
    """The process stopped after the message was saved, before its follow-up ran: the
    suggestion is still open, and Retry both answers the message and records its report."""
    sid, first, message_id = await _suggested_then_reported(client, tenant, maker)
    still = next(s for s in await _steps(client, tenant, sid) if s["id"] == first["id"])
    assert still["state"] == "suggested"
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/messages/{message_id}/retry",
        headers={**tenant.engineer.headers, **JSON},
    )
    assert r.status_code == 200, r.text
    after = next(s for s in await _steps(client, tenant, sid) if s["id"] == first["id"])
    assert after["state"] == "done" and after["report_source"] == "message", after
    # Claimed once: running it again finds nothing due.
    async with maker() as db:
        assert not await run_follow_up(
            db, uuid.UUID(sid), tenant.account.id, uuid.UUID(message_id), model_evidence=False
        )


async def test_a_follow_up_that_fails_on_its_own_runs_with_the_reply(
    client: httpx.AsyncClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The follow-up's own transaction fails: the reply's transaction runs it, so the report
    and the answer land together."""
    sid, first = await _copier_suggestion(client, tenant)
    real = chat.run_follow_up
    calls: list[bool] = []

    async def fails_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(True)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return await real(*args, **kwargs)

    monkeypatch.setattr(chat, "run_follow_up", fails_once)
    result = await _say(client, tenant, sid, "The panel shows no errors and only tray 2 jams")
    assert result["assistant_message"]["content"]
    assert len(calls) == 2
    after = next(s for s in await _steps(client, tenant, sid) if s["id"] == first["id"])
    assert after["state"] == "done", after
