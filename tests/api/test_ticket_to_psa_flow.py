"""The whole PSA round trip per vendor, over the API against the strict fakes: a ticket picked by
search starts the session (its description in the problem), the session is resolved, the notes
approved and pushed with the ticket closed, as the engineer mapped to a member / agent /
resource. The vendor then holds exactly one note and one time entry written as that person, the
ticket in the status meaning resolved on its board, and (HaloPSA) the tenant's outcome name."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.test_deliveries import (
    V1,
    add_connection,
    approve_and_push,
    autotask_connection,
    cw_connection,
    halo_connection,
    pushes,
    run_job,
)
from tests.api.test_psa_people import KNOWN, look_up, with_time
from tests.conftest import Tenant
from tests.fakes.psa import FakePsa


def connection(vendor: str, psa: FakePsa) -> dict[str, Any]:
    if vendor == "connectwise":
        return cw_connection(psa)  # the Resolved status is found on the ticket's board
    body = halo_connection(psa) if vendor == "halo" else autotask_connection(psa)
    body["settings"]["resolved_status_id"] = "9" if vendor == "halo" else "5"
    return body


RESOLVED = {"connectwise": 564, "halo": 9, "autotask": 5}


@pytest.mark.parametrize("vendor", ["connectwise", "halo", "autotask"])
async def test_a_picked_ticket_is_worked_resolved_and_written_back_once_as_the_engineer(
    vendor: str,
    client: httpx.AsyncClient,
    tenant: Tenant,
    psa: FakePsa,
    maker,
    provider,
    settings,
    db,
) -> None:  # type: ignore[no-untyped-def]
    h = tenant.engineer.headers
    cid = await add_connection(client, tenant, connection(vendor, psa))
    email, person_id, role_id = KNOWN[vendor]
    assert (await look_up(client, tenant, cid, tenant.engineer.user.id, email)).json()["found"]

    found = await client.get(
        f"{V1}/psa-connections/{cid}/tickets", params={"q": "Outlook"}, headers=h
    )
    assert found.status_code == 200, found.text
    [picked] = [t for t in found.json()["items"] if "Outlook" in t["summary"]]
    r = await client.post(
        f"{V1}/ai-sessions",
        json={"psa_ticket_id": picked["id"], "psa_connection_id": cid},
        headers=h,
    )
    assert r.status_code == 201, r.text
    session = r.json()
    assert "CEO laptop" in session["problem_summary"]  # the ticket's description
    sid = session["id"]

    await client.patch(f"{V1}/ai-sessions/{sid}", json={"status": "resolved"}, headers=h)
    generated = await client.post(f"{V1}/ai-sessions/{sid}/outputs/generate", headers=h)
    outputs = {o["output_type"]: o for o in generated.json()["outputs"]}
    await with_time(db, sid)
    base = f"{V1}/ai-sessions/{sid}/outputs"
    notes = outputs["psa_ticket_notes"]
    push_id = await approve_and_push(client, tenant, base, notes["id"], close_ticket=True)
    await run_job(maker, provider, settings, push_id)

    [log] = await pushes(client, tenant, base, notes["id"])
    assert log["result"] == "ok", log["error"]
    assert psa.state.status_changes == [(vendor, int(picked["id"]), RESOLVED[vendor])]
    if vendor == "connectwise":
        [note], [entry] = psa.state.notes, psa.state.time_entries
        assert note["member"] == entry["member"] == {"identifier": person_id}
        assert note["internalAnalysisFlag"] is True and entry["chargeToId"] == 4242
    elif vendor == "halo":
        [action] = psa.state.actions  # the time is the action's timetaken
        assert action["who_agentid"] == int(person_id) and action["timetaken"] > 0
        assert action["outcome"] == "Private Note" and psa.state.time_entries == []
    else:
        [note], [entry] = psa.state.notes, psa.state.time_entries
        assert note["impersonation"] == int(person_id) == entry["resourceID"]
        assert entry["roleID"] == int(role_id or 0) and entry["ticketID"] == 4242
