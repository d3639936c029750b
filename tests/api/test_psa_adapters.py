"""The PSA adapters against an HTTP-level fake of each vendor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from flowpilot.integrations.psa.base import PsaError, PsaPerson, TimeBilling
from flowpilot.integrations.psa.registry import adapter_for
from tests.fakes.psa import CW_AUTH, FakePsa

CW_HEADERS = {"Authorization": CW_AUTH, "clientId": "client-guid"}
AT_HEADERS = {"ApiIntegrationCode": "CODE", "UserName": "api@acme.example", "Secret": "at-secret"}
BILLABLE = TimeBilling()
JANE = PsaPerson(id="jdoe", name="Jane Doe")
ANN = PsaPerson(id="5", name="Ann Agent")
RITA = PsaPerson(id="29682930", name="Rita Resource", role_id="29683461")


def connectwise(psa: FakePsa, private: str = "priv"):  # type: ignore[no-untyped-def]
    return adapter_for(
        "connectwise",
        base_url=f"{psa.url}/cw/apis/3.0",
        company_id="acme",
        public_key="pub",
        private_key=private,
        client_id="client-guid",
    )


def halo(psa: FakePsa):  # type: ignore[no-untyped-def]
    return adapter_for(
        "halo", base_url=f"{psa.url}/halo", client_id="fp", client_secret="halo-secret"
    )


def autotask(psa: FakePsa):  # type: ignore[no-untyped-def]
    return adapter_for(
        "autotask",
        username="api@acme.example",
        secret="at-secret",
        integration_code="CODE",
        zone_url=f"{psa.url}/at/zoneInformation",
    )


async def test_connectwise_ticket_note_and_time_entry(psa: FakePsa) -> None:
    cw = connectwise(psa)
    ticket = await cw.get_ticket("4242")
    assert (ticket.summary, ticket.company, ticket.contact) == (
        "Outlook prompts for password",
        "Acme Ltd",
        "Dana Scully",
    )
    note_id = await cw.add_note(
        "4242", "Re-registered the device", internal=True, resolution=False, hours=None
    )
    assert psa.state.notes[-1]["internalAnalysisFlag"] is True and note_id == "9000"
    start = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    entry = await cw.add_time_entry(
        "4242", start, start + timedelta(minutes=35), "FlowPilot session", by=JANE, billing=BILLABLE
    )
    assert entry == "500"
    assert psa.state.time_entries[-1]["timeStart"] == "2026-11-20T14:00:00Z"
    assert psa.state.time_entries[-1]["chargeToId"] == 4242
    assert psa.state.time_entries[-1]["member"] == {"identifier": "jdoe"}


async def test_halo_token_is_reused_and_action_is_an_array(psa: FakePsa) -> None:
    h = halo(psa)
    assert (await h.get_ticket("4242")).description == "CEO laptop"
    action_id = await h.add_note(
        "4242", "<p>Fixed</p>", internal=True, resolution=True, hours=0.5, by=ANN
    )
    assert action_id == "700"
    assert (
        psa.state.actions[-1]["timetaken"] == 0.5
        and psa.state.actions[-1]["outcome"] == "Private Note"
    )
    assert psa.state.tokens_issued == 1  # one token for both calls


async def test_autotask_zone_lookup_then_child_url_note(psa: FakePsa) -> None:
    at = autotask(psa)
    assert (await at.get_ticket("4242")).summary == "Outlook prompts for password"
    item = await at.add_note("4242", "Resolved", internal=False, resolution=True, hours=None)
    assert item.startswith("3000") and psa.state.notes[-1]["publish"] == 1


async def test_vendor_errors_are_clear_and_classified(psa: FakePsa) -> None:
    with pytest.raises(PsaError) as err:
        await connectwise(psa, private="wrong").get_ticket("4242")
    assert (
        err.value.status == 401
        and "rejected the credentials" in err.value.message
        and not err.value.retryable
    )

    psa.state.fail_next.append((429, {"error": "slow down"}, {"Retry-After": "7"}))
    with pytest.raises(PsaError) as err:
        await halo(psa).add_note("4242", "x", internal=True, resolution=False, hours=None)
    assert err.value.retryable and err.value.retry_after == 7

    psa.state.fail_next.append((503, {"errors": ["Database timeout"]}, {}))
    with pytest.raises(PsaError) as err:
        await autotask(psa).add_note("4242", "x", internal=True, resolution=False, hours=None)
    assert err.value.retryable and "Database timeout" in err.value.message

    with pytest.raises(PsaError) as err:
        await connectwise(psa).get_ticket("999")
    assert err.value.status == 404 and "Ticket 999 not found" in err.value.message


# ── ConnectWise: the description is the first detail note ──


async def test_connectwise_reads_the_description_from_the_first_detail_note(psa: FakePsa) -> None:
    """`initialDescription` is write-only: GET /service/tickets/{id} never returns it."""
    async with httpx.AsyncClient(base_url=f"{psa.url}/cw/apis/3.0", headers=CW_HEADERS) as raw:
        shown = (await raw.get("/service/tickets/4242")).json()
        assert "initialDescription" not in shown and shown["board"]["id"] == 1
        bad = await raw.get("/service/tickets/4242/notes", params={"conditions": "text like x"})
        assert bad.status_code == 400  # the fake understands only the conditions it documents
    # A later note also flagged as description must not win over the first one.
    psa.state.notes.append(
        {
            "vendor": "connectwise",
            "id": 9500,
            "ticketId": 4242,
            "text": "Follow-up from the client",
            "detailDescriptionFlag": True,
            "internalAnalysisFlag": False,
            "resolutionFlag": False,
        }
    )
    ticket = await connectwise(psa).get_ticket("4242")
    assert ticket.description == "CEO laptop"
    psa.state.tickets[77] = {**psa.state.tickets[4242], "description": ""}
    assert (await connectwise(psa).get_ticket("77")).description == ""


# ── Autotask ──


async def test_autotask_missing_ticket_is_not_found(psa: FakePsa) -> None:
    """Autotask answers 200 with {"item": null} for an id that does not exist."""
    at = autotask(psa)
    with pytest.raises(PsaError) as err:
        await at.get_ticket("999")
    assert err.value.status == 404 and not err.value.retryable
    assert "999" in err.value.message and "not found" in err.value.message


async def test_autotask_validation_error_is_a_refusal_not_an_outage(psa: FakePsa) -> None:
    """Autotask reports validation errors as HTTP 500 with {"errors": [...]}: retrying
    cannot help, and the vendor's text says what to fix."""
    at = autotask(psa)
    psa.state.fail_next.append(
        (500, {"errors": ["Value for field noteType is not a valid picklist value."]}, {})
    )
    with pytest.raises(PsaError) as err:
        await at.add_note("4242", "x", internal=True, resolution=False, hours=None)
    assert not err.value.retryable and err.value.status == 500
    assert "refused" in err.value.message and "noteType" in err.value.message
    # A 500 without that body (a proxy's page, an empty answer) is still an outage.
    psa.state.fail_next.append((500, {}, {}))
    with pytest.raises(PsaError) as err:
        await at.add_note("4242", "x", internal=True, resolution=False, hours=None)
    assert err.value.retryable


async def test_autotask_test_connection_is_authenticated_and_shows_the_usage(
    psa: FakePsa,
) -> None:
    """The zone lookup needs no credentials, so only an authenticated call proves them."""
    wrong = adapter_for(
        "autotask",
        username="api@acme.example",
        secret="wrong",
        integration_code="CODE",
        zone_url=f"{psa.url}/at/zoneInformation",
    )
    with pytest.raises(PsaError) as err:
        await wrong.test_connection()
    assert err.value.status == 401 and "rejected the credentials" in err.value.message
    at = autotask(psa)
    await at.get_ticket("4242")  # three authenticated calls: ticket, company, contact…
    used = psa.state.autotask_requests + 1  # …and the threshold call itself
    message = await at.test_connection()
    assert "Zone 1" in message
    assert f"{used} of 10,000 API requests" in message and "60 minutes" in message


# ── ConnectWise: the resolved status is looked up on the ticket's board ──


async def test_connectwise_finds_the_resolved_status_on_the_tickets_board(psa: FakePsa) -> None:
    psa.state.tickets[5150] = {**psa.state.tickets[4242], "board_id": 2}
    cw = connectwise(psa)
    for ticket, expected in (("4242", 564), ("5150", 777)):
        status = await cw.resolved_status(ticket)
        assert status == expected
        await cw.set_status(ticket, status)
    assert psa.state.status_changes == [("connectwise", 4242, 564), ("connectwise", 5150, 777)]
    # One fixed id for every board is what the fake (like ConnectWise) refuses.
    with pytest.raises(PsaError) as err:
        await cw.set_status("5150", 564)
    assert err.value.status == 400 and not err.value.retryable


async def test_connectwise_resolved_status_name_and_id_are_configurable(psa: FakePsa) -> None:
    named = adapter_for(
        "connectwise",
        base_url=f"{psa.url}/cw/apis/3.0",
        company_id="acme",
        public_key="pub",
        private_key="priv",
        client_id="client-guid",
        resolved_status_name="Closed",
    )
    assert await named.resolved_status("4242") == 565
    pinned = adapter_for(
        "connectwise",
        base_url=f"{psa.url}/cw/apis/3.0",
        company_id="acme",
        public_key="pub",
        private_key="priv",
        client_id="client-guid",
        resolved_status_id="2",
    )
    assert await pinned.resolved_status("4242") == 2  # the old setting still wins
    missing = adapter_for(
        "connectwise",
        base_url=f"{psa.url}/cw/apis/3.0",
        company_id="acme",
        public_key="pub",
        private_key="priv",
        client_id="client-guid",
        resolved_status_name="Done",
    )
    with pytest.raises(PsaError) as err:
        await missing.resolved_status("4242")
    assert not err.value.retryable
    assert "'Done'" in err.value.message and "Help Desk" in err.value.message
    assert "New, In Progress, Resolved, Closed" in err.value.message


# ── HaloPSA ──


def halo_with(psa: FakePsa, **settings: str):  # type: ignore[no-untyped-def]
    return adapter_for(
        "halo", base_url=f"{psa.url}/halo", client_id="fp", client_secret="halo-secret", **settings
    )


async def test_halo_outcome_is_configurable_and_must_exist(psa: FakePsa) -> None:
    await halo(psa).add_note("4242", "Checked DNS", internal=True, resolution=False, hours=None)
    assert psa.state.actions[-1]["outcome"] == "Private Note"  # the default
    public = halo_with(psa, note_outcome="private note", resolution_outcome="Public Note")
    await public.add_note("4242", "Fixed", internal=False, resolution=True, hours=None)
    await public.add_note("4242", "Noted", internal=True, resolution=False, hours=None)
    assert [a["outcome"] for a in psa.state.actions[1:]] == ["Public Note", "Private Note"]
    assert (
        psa.state.actions[1]["outcome_id"] == 2 and psa.state.actions[1]["hiddenfromuser"] is False
    )

    sent = len(psa.state.actions)
    with pytest.raises(PsaError) as err:
        await halo_with(psa, note_outcome="Note").add_note(
            "4242", "x", internal=True, resolution=False, hours=None
        )
    assert not err.value.retryable and len(psa.state.actions) == sent
    assert "'Note'" in err.value.message
    assert "Private Note, Public Note, Email User, Change Status" in err.value.message
    with pytest.raises(PsaError) as err:
        await halo_with(psa, note_outcome="Note").test_connection()
    assert "'Note'" in err.value.message
    assert "Private Note" in await halo(psa).test_connection()


async def test_halo_outcome_list_out_of_reach_sends_the_configured_name(psa: FakePsa) -> None:
    """An API application without access to the outcome list still writes notes: the
    configured name goes as it is and Halo judges it."""
    psa.state.fail_next.append((403, {"error": "forbidden"}, {}))  # GET /api/Outcome
    await halo_with(psa, note_outcome="Public Note").add_note(
        "4242", "x", internal=True, resolution=False, hours=None
    )
    assert psa.state.actions[-1]["outcome"] == "Public Note"
    assert "outcome_id" not in psa.state.actions[-1]
    psa.state.fail_next.append((403, {"error": "forbidden"}, {}))
    with pytest.raises(PsaError) as err:
        await halo_with(psa, note_outcome="Note").add_note(
            "4242", "x", internal=True, resolution=False, hours=None
        )
    assert err.value.status == 400 and "[0].outcome: Invalid outcome" in err.value.message


async def test_halo_fake_refuses_an_unknown_outcome(psa: FakePsa) -> None:
    async with httpx.AsyncClient(base_url=f"{psa.url}/halo") as raw:
        token = (
            await raw.post(
                "/auth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": "fp",
                    "client_secret": "halo-secret",
                    "scope": "all",
                },
            )
        ).json()["access_token"]
        action = [{"ticket_id": 4242, "note": "x", "outcome": "Note", "timetaken": 0}]
        r = await raw.post(
            "/api/Actions", json=action, headers={"Authorization": f"Bearer {token}"}
        )
    assert r.status_code == 400 and psa.state.actions == []


async def test_halo_timetaken_is_in_hours(psa: FakePsa) -> None:
    await halo(psa).add_note("4242", "x", internal=True, resolution=False, hours=30 / 3600, by=ANN)
    assert psa.state.actions[-1]["timetaken"] == pytest.approx(30 / 3600, abs=1e-4)
    assert psa.state.actions[-1]["timetaken"] > 0


async def test_halo_refreshes_an_expired_token_once(psa: FakePsa) -> None:
    h = halo(psa)
    await h.get_ticket("4242")
    psa.expire_halo_tokens()  # the cached token dies before its expires_in
    assert (await h.get_ticket("4242")).summary == "Outlook prompts for password"
    assert psa.state.tokens_issued == 2
    psa.state.halo_refuse_tokens = True  # every token refused: one refresh, then give up
    with pytest.raises(PsaError) as err:
        await h.get_ticket("4242")
    assert err.value.status == 401 and psa.state.tokens_issued == 3


async def test_autotask_note_is_cut_to_32000_characters_with_a_marker(psa: FakePsa) -> None:
    at = autotask(psa)
    exact = "a" * 32_000
    await at.add_note("4242", exact, internal=True, resolution=False, hours=None)
    assert psa.state.notes[-1]["description"] == exact
    long = "".join(f"line {i}\n" for i in range(6000))  # about 47,000 characters
    await at.add_note("4242", long, internal=True, resolution=False, hours=None)
    sent = psa.state.notes[-1]["description"]
    assert len(sent) <= 32_000 and sent.startswith("line 0\nline 1\n")
    assert "truncated" in sent[-200:] and "32,000" in sent[-200:]


async def test_autotask_403_is_missing_permissions_not_bad_credentials(psa: FakePsa) -> None:
    at = autotask(psa)
    psa.state.autotask_read_only = True  # the API user's security level cannot add notes
    with pytest.raises(PsaError) as err:
        await at.add_note("4242", "x", internal=True, resolution=False, hours=None)
    assert err.value.status == 403 and not err.value.retryable
    assert "permission" in err.value.message and "credentials" not in err.value.message
    assert "security level" in err.value.message
    # Autotask also reports some permission problems as a 500 with the same text.
    psa.state.autotask_read_only = False
    psa.state.fail_next.append(
        (
            500,
            {
                "errors": [
                    "The logged in Resource does not have the adequate permissions to "
                    "create this entity type."
                ]
            },
            {},
        )
    )
    with pytest.raises(PsaError) as err:
        await at.add_note("4242", "x", internal=True, resolution=False, hours=None)
    assert err.value.status == 403 and "security level" in err.value.message


# ── ConnectWise: only the site given, the codebase looked up ──


def connectwise_site(psa: FakePsa, company: str = "acme"):  # type: ignore[no-untyped-def]
    return adapter_for(
        "connectwise",
        base_url=f"{psa.url}/cw",
        company_id=company,
        public_key="pub",
        private_key="priv",
        client_id="client-guid",
    )


async def test_connectwise_site_only_looks_up_the_codebase(psa: FakePsa) -> None:
    cw = connectwise_site(psa)
    assert "v2025.1" in await cw.test_connection()
    assert (await cw.get_ticket("4242")).description == "CEO laptop"
    assert psa.state.paths[0] == "/cw/login/companyinfo/acme"
    assert psa.state.paths.count("/cw/login/companyinfo/acme") == 1  # looked up once
    assert all(p.startswith("/cw/v4_6_release/apis/3.0/") for p in psa.state.paths[1:])


async def test_connectwise_unknown_company_at_the_site_is_clear(psa: FakePsa) -> None:
    with pytest.raises(PsaError) as err:
        await connectwise_site(psa, company="nobody").get_ticket("4242")
    assert "'nobody'" in err.value.message and "company" in err.value.message
    assert err.value.status != 404  # not to be mistaken for a missing ticket
    assert not err.value.retryable


def test_connectwise_cloud_sites_use_their_api_host() -> None:
    from flowpilot.integrations.psa.connectwise import api_site

    assert api_site("https://na.myconnectwise.net") == "https://api-na.myconnectwise.net"
    assert api_site("https://eu.myconnectwise.net/") == "https://api-eu.myconnectwise.net"
    assert api_site("https://api-au.myconnectwise.net") == "https://api-au.myconnectwise.net"
    assert api_site("https://cw.msp.example:8443/cw") == "https://cw.msp.example:8443/cw"


# ── people: looked up by e-mail, and who notes and time are written as ──


async def test_connectwise_finds_members_by_primary_or_office_email(psa: FakePsa) -> None:
    cw = connectwise(psa)
    [primary] = await cw.find_people("Jane.Doe@acme.example")
    assert (primary.id, primary.name, primary.active) == ("jdoe", "Jane Doe", True)
    [office] = await cw.find_people("jane@acme.example")  # officeEmail, asked second
    assert office.id == "jdoe"
    [inactive] = await cw.find_people("old.tech@acme.example")
    assert inactive.id == "oldtech" and inactive.active is False
    assert await cw.find_people("nobody@acme.example") == []
    asked = [p for p in psa.state.paths if p.endswith("/system/members")]
    assert len(asked) == 1 + 2 + 1 + 2  # office only after a primary miss


async def test_connectwise_writes_notes_and_time_as_the_member(psa: FakePsa) -> None:
    cw = connectwise(psa)
    await cw.add_note("4242", "Fixed", internal=True, resolution=False, hours=None, by=JANE)
    assert psa.state.notes[-1]["member"] == {"identifier": "jdoe"}
    start = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    await cw.add_time_entry(
        "4242",
        start,
        start + timedelta(minutes=20),
        "FlowPilot",
        by=JANE,
        billing=TimeBilling(work_type="Remote Support", billable=False),
    )
    entry = psa.state.time_entries[-1]
    assert entry["member"] == {"identifier": "jdoe"} and entry["billableOption"] == "DoNotBill"
    assert entry["workType"] == {"name": "Remote Support"}
    await cw.add_time_entry("4242", start, start, "x", by=JANE, billing=TimeBilling(work_type="2"))
    assert psa.state.time_entries[-1]["workType"] == {"id": 2}
    # The fake, like ConnectWise, refuses a member or work type it does not know.
    for by, billing in (
        (PsaPerson(id="oldtech"), BILLABLE),
        (PsaPerson(id="ghost"), BILLABLE),
        (JANE, TimeBilling(work_type="Gardening")),
    ):
        with pytest.raises(PsaError) as err:
            await cw.add_time_entry("4242", start, start, "x", by=by, billing=billing)
        assert err.value.status == 400 and not err.value.retryable
    assert len(psa.state.time_entries) == 2


async def test_halo_finds_agents_by_their_exact_address(psa: FakePsa) -> None:
    """Halo's `search` also matches parts of addresses: joann@… contains ann@…."""
    h = halo(psa)
    [ann] = await h.find_people("ann@acme.example")
    assert (ann.id, ann.name) == ("5", "Ann Agent")
    [gone] = await h.find_people("gone@acme.example")
    assert gone.active is False
    assert await h.find_people("nobody@acme.example") == []


async def test_halo_action_with_time_is_written_as_the_agent(psa: FakePsa) -> None:
    h = halo(psa)
    await h.add_note(
        "4242",
        "Fixed",
        internal=True,
        resolution=False,
        hours=0.5,
        by=ANN,
        billing=TimeBilling(billable=False),
    )
    action = psa.state.actions[-1]
    assert (action["who_agentid"], action["who"], action["timetaken"]) == (5, "Ann Agent", 0.5)
    assert action["actisbillable"] is False
    # Time without a person is never sent (Halo would book it to the API application).
    with pytest.raises(PsaError) as err:
        await h.add_note("4242", "x", internal=True, resolution=False, hours=0.5)
    assert "no person to log this time as" in err.value.message
    with pytest.raises(PsaError) as err:
        await h.add_note(
            "4242", "x", internal=True, resolution=False, hours=0.5, by=PsaPerson(id="7")
        )
    assert err.value.status == 400 and "who_agentid" in err.value.message
    assert len(psa.state.actions) == 1


async def test_autotask_finds_resources_with_their_default_role(psa: FakePsa) -> None:
    at = autotask(psa)
    [rita] = await at.find_people("RITA@acme.example")
    assert (rita.id, rita.name, rita.role_id) == ("29682930", "Rita Resource", "29683461")
    [noel] = await at.find_people("noel@acme.example")
    assert noel.role_id is None
    [ivy] = await at.find_people("ivy@acme.example")
    assert ivy.active is False
    assert await at.find_people("nobody@acme.example") == []


async def test_autotask_time_entry_is_the_resources_in_its_role(psa: FakePsa) -> None:
    at = autotask(psa)
    start = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    item = await at.add_time_entry(
        "4242",
        start,
        start + timedelta(minutes=35),
        "FlowPilot: Outlook",
        by=RITA,
        billing=TimeBilling(work_type="29682801", billable=False),
    )
    [entry] = psa.state.time_entries
    assert item == str(entry["itemId"])
    assert (entry["ticketID"], entry["resourceID"], entry["roleID"]) == (4242, 29682930, 29683461)
    assert entry["hoursWorked"] == 0.58 and entry["dateWorked"] == "2026-11-20T00:00:00Z"
    assert entry["startDateTime"] == "2026-11-20T14:00:00Z"
    assert entry["endDateTime"] == "2026-11-20T14:35:00Z"
    assert entry["billingCodeID"] == 29682801 and entry["isNonBillable"] is True
    # No role: refused before anything is sent.
    sent = len(psa.state.paths)
    with pytest.raises(PsaError) as err:
        await at.add_time_entry(
            "4242", start, start + timedelta(hours=1), "x", by=PsaPerson(id="29682931"),
            billing=BILLABLE,
        )  # fmt: skip
    assert "role" in err.value.message and len(psa.state.paths) == sent
    # A role the resource does not hold, an inactive resource: Autotask's refusal, no retry.
    for by in (
        PsaPerson(id="29682931", role_id="29683461"),
        PsaPerson(id="29682932", role_id="29683461"),
    ):
        with pytest.raises(PsaError) as err:
            await at.add_time_entry("4242", start, start + timedelta(hours=1), "x", by=by,
                                    billing=BILLABLE)  # fmt: skip
        assert err.value.status == 500 and not err.value.retryable
    assert len(psa.state.time_entries) == 1


async def test_autotask_fake_time_entries_are_strict(psa: FakePsa) -> None:
    """What the fake refuses, as Autotask does: missing fields, wrong types, no role."""
    good = {
        "ticketID": 4242,
        "resourceID": 29682930,
        "roleID": 29683461,
        "dateWorked": "2026-11-20T00:00:00Z",
        "startDateTime": "2026-11-20T14:00:00Z",
        "endDateTime": "2026-11-20T14:30:00Z",
        "hoursWorked": 0.5,
        "summaryNotes": "x",
    }
    bad = [
        {k: v for k, v in good.items() if k != "roleID"},
        {k: v for k, v in good.items() if k != "startDateTime"},
        {k: v for k, v in good.items() if k != "summaryNotes"},
        {**good, "resourceID": "29682930"},
        {**good, "hoursWorked": "0.5"},
        {**good, "hoursWorked": 25},
        {**good, "endDateTime": "2026-11-20T13:00:00Z"},
        {**good, "resourceID": 1},
        {**good, "ticketID": 999},
        {**good, "billingCodeID": 1},
    ]
    async with httpx.AsyncClient(base_url=f"{psa.url}/at/zone1/V1.0", headers=AT_HEADERS) as raw:
        for body in bad:
            r = await raw.post("/TimeEntries", json=body)
            assert r.status_code == 500 and r.json()["errors"], body
        assert psa.state.time_entries == []
        ok = await raw.post("/TimeEntries", json=good)
        assert ok.status_code == 200 and ok.json()["itemId"]
        query = await raw.post(
            "/Resources/query", json={"filter": [{"op": "eq", "field": "mail", "value": "x"}]}
        )
        assert query.status_code == 500  # an unknown field


async def test_autotask_note_is_written_as_the_impersonated_resource(psa: FakePsa) -> None:
    at = autotask(psa)
    await at.add_note("4242", "Fixed", internal=True, resolution=False, hours=None, by=RITA)
    assert psa.state.notes[-1]["impersonation"] == 29682930
    await at.add_note("4242", "API user", internal=True, resolution=False, hours=None)
    assert psa.state.notes[-1]["impersonation"] is None
    with pytest.raises(PsaError) as err:
        await at.add_note(
            "4242", "x", internal=True, resolution=False, hours=None, by=PsaPerson(id="29682932")
        )
    assert err.value.status == 500 and "Impersonation" in err.value.message


async def test_autotask_close_writes_the_resolution_field(psa: FakePsa) -> None:
    at = autotask(psa)
    await at.set_status("4242", 5, resolution="Re-registered the device")
    assert psa.state.status_changes == [("autotask", 4242, 5)]
    assert psa.state.tickets[4242]["resolution"] == "Re-registered the device"
