"""Deliveries are idempotent across lost answers and crashes: every note and time entry carries
a FlowPilot delivery reference, and an attempt after one that may have reached the vendor looks
the reference up on the ticket before writing, adopting what is there instead of writing it
twice. Against the strict fakes of the three PSAs, with the vendor answers lost in transit."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from flowpilot.jobs.runtime import Runtime, set_runtime
from tests.api.test_deliveries import (
    V1,
    add_connection,
    approve_and_push,
    autotask_connection,
    cw_connection,
    halo_connection,
    pushes,
    resolved_from_ticket,
    run_job,
)
from tests.api.test_psa_people import KNOWN, look_up, with_time
from tests.conftest import Tenant
from tests.fakes.psa import FakePsa

CONNECTIONS = {
    "connectwise": cw_connection,
    "halo": halo_connection,
    "autotask": autotask_connection,
}


def written(psa: FakePsa) -> tuple[list[Any], list[Any]]:
    """Notes (Halo: actions) and time entries the vendor holds."""
    return [*psa.state.notes, *psa.state.actions], list(psa.state.time_entries)


@pytest.mark.parametrize("vendor", list(CONNECTIONS))
async def test_a_note_whose_answer_was_lost_is_found_not_written_twice(
    vendor: str,
    client: httpx.AsyncClient,
    tenant: Tenant,
    psa: FakePsa,
    maker,
    provider,
    settings,
    db,
) -> None:  # type: ignore[no-untyped-def]
    cid = await add_connection(client, tenant, CONNECTIONS[vendor](psa))
    email, _, _ = KNOWN[vendor]
    await look_up(client, tenant, cid, tenant.engineer.user.id, email)
    s = await resolved_from_ticket(client, tenant, cid)
    await with_time(db, s["sid"])
    notes = s["outputs"]["psa_ticket_notes"]
    push_id = await approve_and_push(client, tenant, s["base"], notes["id"])

    # The vendor takes the note (and, on the second attempt, the time entry) but its answer
    # never arrives: each attempt ends in a gateway timeout after the write.
    psa.state.lose_writes = 1
    await run_job(maker, provider, settings, push_id)
    [log] = await pushes(client, tenant, s["base"], notes["id"])
    assert log["result"] == "retrying" and log["external_id"] is None
    assert len(written(psa)[0]) == 1
    psa.state.lose_writes = 1
    await run_job(maker, provider, settings, push_id)
    psa.state.lose_writes = 0
    await run_job(maker, provider, settings, push_id)

    [log] = await pushes(client, tenant, s["base"], notes["id"])
    assert log["result"] == "ok", log["error"]
    [note], entries = written(psa)
    note_id = note.get("itemId", note.get("id"))
    assert log["external_id"].split()[0] == f"note:{note_id}"
    if vendor == "halo":
        assert entries == []  # Halo's time travels on the action
    else:
        [entry] = entries
        entry_id = entry.get("itemId", entry.get("id"))
        assert log["external_id"].split()[1] == f"time:{entry_id}"


async def test_a_job_killed_mid_send_leaves_its_attempt_and_the_next_run_adopts_the_note(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings, db
) -> None:  # type: ignore[no-untyped-def]
    """The attempt is on record before anything is sent: a job stopped while the vendor is
    still writing leaves attempts = 1 behind, and the next run looks the note up first."""
    await add_connection(client, tenant, cw_connection(psa))
    s = await resolved_from_ticket(client, tenant)
    summary = s["outputs"]["client_summary"]
    push_id = await approve_and_push(client, tenant, s["base"], summary["id"])
    psa.state.latency_s = 1.0
    job = asyncio.create_task(run_job(maker, provider, settings, push_id))
    await asyncio.sleep(0.3)  # the note is on its way to the vendor
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    attempts = await db.scalar(
        text("SELECT attempts FROM resolution_push_log WHERE id = :p"), {"p": push_id}
    )
    assert attempts == 1
    for _ in range(50):  # the vendor finishes the write the client no longer waits for
        if psa.state.notes:
            break
        await asyncio.sleep(0.1)
    assert len(psa.state.notes) == 1
    psa.state.latency_s = 0.0
    await run_job(maker, provider, settings, push_id)
    [log] = await pushes(client, tenant, s["base"], summary["id"])
    assert log["result"] == "ok" and log["attempts"] == 2
    assert len(psa.state.notes) == 1 and log["external_id"] == f"note:{psa.state.notes[0]['id']}"


async def test_a_lost_handoff_note_is_found_on_the_retry(
    client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, maker, provider, settings
) -> None:  # type: ignore[no-untyped-def]
    from flowpilot.handoffs.tasks import RetryablePsaError, push_handoff_note

    await add_connection(client, tenant, autotask_connection(psa))
    h = tenant.engineer.headers
    sid = (
        await client.post(f"{V1}/ai-sessions", json={"psa_ticket_id": "4242"}, headers=h)
    ).json()["id"]
    handoff = await client.post(
        f"{V1}/ai-sessions/{sid}/handoff", json={"intent": "escalate"}, headers=h
    )
    set_runtime(Runtime(sessionmaker=maker, provider=provider, settings=settings))
    psa.state.lose_writes = 1
    with pytest.raises(RetryablePsaError):
        await push_handoff_note(handoff_id=handoff.json()["id"])
    await push_handoff_note(handoff_id=handoff.json()["id"])  # procrastinate's retry
    [note] = psa.state.notes
    [shown] = (await client.get(f"{V1}/ai-sessions/{sid}/handoffs", headers=h)).json()
    assert shown["psa_note_pushed"] is True and shown["psa_note_id"] == str(note["itemId"])


def test_a_cut_autotask_note_keeps_its_reference_as_the_last_line() -> None:
    from flowpilot.integrations.psa.autotask import NOTE_LIMIT, fit_note

    note = fit_note("line\n" * 9000, "FP-0123456789ab")
    assert len(note) <= NOTE_LIMIT and "truncated by FlowPilot" in note
    assert note.endswith("(FlowPilot delivery FP-0123456789ab)")
