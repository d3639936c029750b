"""The ticket picker: searching a connection's open tickets by number, summary or company,
a page at a time, per vendor against the strict fakes, and through the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from flowpilot.integrations.psa.base import BadCursor, PsaAdapter, PsaError, TicketPage
from tests.api.test_deliveries import (
    V1,
    add_connection,
    autotask_connection,
    cw_connection,
    halo_connection,
)
from tests.api.test_psa_adapters import AT_HEADERS, CW_HEADERS, autotask, connectwise, halo
from tests.conftest import Tenant
from tests.fakes.psa import FakePsa

# Beside ticket 4242 (Acme Ltd, "Outlook prompts for password", open): open and closed
# tickets of several companies. Open: 365, 4242, 4243, 4244, 4247, 4248.
TICKETS: dict[int, dict[str, Any]] = {
    365: {"summary": "Office 365 licence missing", "company": "Acme Ltd"},
    4243: {
        "summary": "VPN drops every hour",
        "company": "Globex Corp",
        "status": "In Progress",
        "updated": "2026-11-21T10:00:00Z",
    },
    4244: {
        "summary": "VPN client will not install",
        "company": "Acme Ltd",
        "status": "Waiting Customer",
        "updated": "2026-11-19T08:00:00Z",
    },
    4245: {"summary": "Printer offline", "company": "Initech", "closed": True},
    4246: {"summary": "VPN certificate expired", "company": "Initech", "closed": True},
    4247: {
        "summary": "New starter laptop",
        "company": "Globex Corp",
        "updated": "2026-11-18T08:00:00Z",
    },
    4248: {
        "summary": "Printer jams on tray 2",
        "company": 'Umbrella "Quoted" Co',
        "updated": "2026-11-17T08:00:00Z",
    },
}
OPEN = {"365", "4242", "4243", "4244", "4247", "4248"}
VENDORS: dict[str, Callable[[FakePsa], PsaAdapter]] = {
    "connectwise": connectwise,
    "halo": halo,
    "autotask": autotask,
}
CONNECTIONS = {
    "connectwise": cw_connection,
    "halo": halo_connection,
    "autotask": autotask_connection,
}


@pytest.fixture
def tickets(psa: FakePsa) -> FakePsa:
    for tid, t in TICKETS.items():
        psa.state.tickets[tid] = {"description": "", "contact": "", **t}
    return psa


def ids(page: TicketPage) -> list[str]:
    return [t.id for t in page.items]


async def every_page(adapter: PsaAdapter, query: str, size: int) -> list[TicketPage]:
    pages = [await adapter.search_tickets(query, cursor=None, page_size=size)]
    while pages[-1].has_more:
        assert len(pages) < 10, "paging does not end"
        pages.append(
            await adapter.search_tickets(query, cursor=pages[-1].next_cursor, page_size=size)
        )
    return pages


# ── each vendor ──


@pytest.mark.parametrize("vendor", VENDORS)
async def test_search_by_text_finds_open_tickets_only(tickets: FakePsa, vendor: str) -> None:
    adapter = VENDORS[vendor](tickets)
    vpn = await adapter.search_tickets("vpn", cursor=None, page_size=10)
    # 4246 is about a VPN too, but closed.
    assert set(ids(vpn)) == {"4243", "4244"} and not vpn.has_more
    first = next(t for t in vpn.items if t.id == "4243")
    assert (first.summary, first.company, first.status) == (
        "VPN drops every hour",
        "Globex Corp",
        "In Progress",
    )
    assert first.updated == datetime(2026, 11, 21, 10, tzinfo=UTC)
    printers = await adapter.search_tickets("PRINTER", cursor=None, page_size=10)
    assert ids(printers) == ["4248"]  # 4245 is closed


@pytest.mark.parametrize("vendor", VENDORS)
async def test_search_by_company(tickets: FakePsa, vendor: str) -> None:
    adapter = VENDORS[vendor](tickets)
    globex = await adapter.search_tickets("globex", cursor=None, page_size=10)
    assert set(ids(globex)) == {"4243", "4247"}
    assert {t.company for t in globex.items} == {"Globex Corp"}
    # Quotes in the text are quoted (ConnectWise conditions) or sent as data (the others).
    quoted = await adapter.search_tickets('Umbrella "Quoted"', cursor=None, page_size=10)
    assert ids(quoted) == ["4248"]
    assert not (await adapter.search_tickets("initech", cursor=None, page_size=10)).items


@pytest.mark.parametrize("vendor", VENDORS)
async def test_search_by_number(tickets: FakePsa, vendor: str) -> None:
    adapter = VENDORS[vendor](tickets)
    assert ids(await adapter.search_tickets("4243", cursor=None, page_size=10)) == ["4243"]
    # Digits are also text: ticket 365 is found by its number and its summary, once.
    assert ids(await adapter.search_tickets("365", cursor=None, page_size=10)) == ["365"]
    # A closed ticket is not offered even by its number.
    assert not (await adapter.search_tickets("4245", cursor=None, page_size=10)).items


@pytest.mark.parametrize("vendor", VENDORS)
async def test_paging_walks_every_open_ticket_once(tickets: FakePsa, vendor: str) -> None:
    pages = await every_page(VENDORS[vendor](tickets), "", 2)
    # Six open tickets, two a page: the third page is full and the last (no empty fourth).
    assert [len(p.items) for p in pages] == [2, 2, 2]
    assert [p.has_more for p in pages] == [True, True, False]
    found = [t for p in pages for t in ids(p)]
    assert len(found) == len(set(found)) and set(found) == OPEN
    pages = await every_page(VENDORS[vendor](tickets), "", 4)
    assert [len(p.items) for p in pages] == [4, 2]


async def test_connectwise_lists_newest_activity_first(tickets: FakePsa) -> None:
    found = await connectwise(tickets).search_tickets("", cursor=None, page_size=10)
    assert ids(found)[:2] == ["4243", "365"] and ids(found)[-1] == "4248"
    assert tickets.state.paths[-1].endswith("/service/tickets")  # the page was not full


async def test_autotask_shows_its_ticket_numbers_and_status_labels(tickets: FakePsa) -> None:
    at = autotask(tickets)
    found = await at.search_tickets("T20261120.4244", cursor=None, page_size=10)
    assert [(t.id, t.number, t.status) for t in found.items] == [
        ("4244", "T20261120.4244", "Waiting Customer")
    ]
    before = len(tickets.state.paths)
    await at.search_tickets("globex", cursor=None, page_size=10)
    # The status picklist and the names of companies already seen are not asked again.
    asked = tickets.state.paths[before:]
    assert not any(p.endswith("entityInformation/fields") for p in asked)


async def test_autotask_follows_only_its_own_next_page_urls(tickets: FakePsa) -> None:
    at = autotask(tickets)
    first = await at.search_tickets("", cursor=None, page_size=2)
    assert first.next_cursor and "/Tickets/query/next?" in first.next_cursor
    for foreign in (
        "https://attacker.example/at/zone1/V1.0/Tickets/query/next?paging=x",
        first.next_cursor.replace("/Tickets/query/next", "/Resources/query/next"),
        "/Tickets/query/next?paging=x",
    ):
        with pytest.raises(BadCursor):
            await at.search_tickets("", cursor=foreign, page_size=2)
    async with httpx.AsyncClient(headers=AT_HEADERS) as raw:
        # A nextPageUrl is POSTed with the query again: a GET is refused, so is another query.
        assert (await raw.get(first.next_cursor)).status_code == 405
        other = {"filter": [{"op": "eq", "field": "id", "value": 1}], "MaxRecords": 2}
        assert (await raw.post(first.next_cursor, json=other)).status_code == 500


@pytest.mark.parametrize("vendor", ["connectwise", "halo"])
async def test_page_cursors_are_page_numbers_only(tickets: FakePsa, vendor: str) -> None:
    for bad in ("0", "x", "²", "https://attacker.example/"):
        with pytest.raises(BadCursor):
            await VENDORS[vendor](tickets).search_tickets("", cursor=bad, page_size=2)


async def test_the_fakes_refuse_what_the_vendors_would(tickets: FakePsa) -> None:
    async with httpx.AsyncClient(base_url=f"{tickets.url}/cw/apis/3.0", headers=CW_HEADERS) as cw:
        ok = await cw.get(
            "/service/tickets",
            params={"conditions": 'closedFlag=false and summary contains "vpn"', "fields": "id"},
        )
        assert ok.status_code == 200 and ok.json() == [{"id": 4243}, {"id": 4244}]
        for params in (
            {"conditions": "summary contains vpn"},  # an unquoted string
            {"conditions": 'description contains "vpn"'},  # a field it does not filter on
            {"conditions": "closedFlag=false and (id=1"},
            {"pagesize": "5"},  # parameter names are case-sensitive
            {"orderBy": "priority desc"},
            {"fields": "id,secret"},
        ):
            assert (await cw.get("/service/tickets", params=params)).status_code == 400, params
    async with httpx.AsyncClient(base_url=f"{tickets.url}/halo") as h:
        token = (
            await h.post(
                "/auth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": "fp",
                    "client_secret": "halo-secret",
                    "scope": "all",
                },
            )
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        typo = await h.get("/api/Tickets", params={"paginate": "true"}, headers=auth)
        assert typo.status_code == 400 and "paginate" in typo.json()
        # Without pageinate=true Halo ignores the page size and lists everything.
        unpaged = await h.get("/api/Tickets", params={"page_size": "2"}, headers=auth)
        assert len(unpaged.json()["tickets"]) == len(tickets.state.tickets)
    async with httpx.AsyncClient(base_url=f"{tickets.url}/at/zone1/V1.0", headers=AT_HEADERS) as at:
        for body in (
            {"filter": [{"op": "contains", "field": "subject", "value": "x"}]},
            {"filter": [{"op": "like", "field": "title", "value": "x"}]},
            {"filter": [{"op": "eq", "field": "id", "value": 1}], "MaxRecords": 501},
            {"filter": [{"op": "eq", "field": "id", "value": 1}], "pageNumber": 2},
            {"MaxRecords": 10},
        ):
            refused = await at.post("/Tickets/query", json=body)
            assert refused.status_code == 500 and refused.json()["errors"], body


async def test_vendor_failures_are_psa_errors(tickets: FakePsa) -> None:
    tickets.state.fail_next.append((503, {"errors": ["Database timeout"]}, {}))
    with pytest.raises(PsaError) as err:
        await autotask(tickets).search_tickets("vpn", cursor=None, page_size=5)
    assert err.value.retryable
    with pytest.raises(PsaError) as err:
        await connectwise(tickets, private="wrong").search_tickets("", cursor=None, page_size=5)
    assert err.value.status == 401


# ── the API ──


async def connection(client: httpx.AsyncClient, tenant: Tenant, psa: FakePsa, vendor: str) -> str:
    return await add_connection(client, tenant, CONNECTIONS[vendor](psa))


@pytest.mark.parametrize("vendor", VENDORS)
async def test_any_member_searches_and_pages(
    client: httpx.AsyncClient, tenant: Tenant, tickets: FakePsa, vendor: str
) -> None:
    cid = await connection(client, tenant, tickets, vendor)
    url, h = f"{V1}/psa-connections/{cid}/tickets", tenant.engineer.headers
    r = await client.get(url, params={"q": "vpn"}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["vendor"] == vendor and body["connection_id"] == cid
    assert {t["id"] for t in body["items"]} == {"4243", "4244"} and not body["has_more"]
    hit = next(t for t in body["items"] if t["id"] == "4243")
    assert (hit["summary"], hit["company"], hit["status"]) == (
        "VPN drops every hour",
        "Globex Corp",
        "In Progress",
    )
    assert hit["updated"].startswith("2026-11-21T10:00:00")
    seen: list[str] = []
    params: dict[str, Any] = {"page_size": 4}
    while True:
        page = (await client.get(url, params=params, headers=h)).json()
        seen += [t["id"] for t in page["items"]]
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        params["cursor"] = page["next_cursor"]
    assert sorted(seen) == sorted(OPEN)


async def test_cursors_cannot_be_forged_or_reused_for_another_search(
    client: httpx.AsyncClient, tenant: Tenant, tickets: FakePsa
) -> None:
    cid = await connection(client, tenant, tickets, "autotask")
    url, h = f"{V1}/psa-connections/{cid}/tickets", tenant.engineer.headers
    first = (await client.get(url, params={"page_size": 2}, headers=h)).json()
    cursor = first["next_cursor"]
    assert cursor and "autotask" not in cursor and "127.0.0.1" not in cursor  # opaque
    ok = await client.get(url, params={"page_size": 2, "cursor": cursor}, headers=h)
    assert ok.status_code == 200 and len(ok.json()["items"]) == 2
    data, _, mac = cursor.partition(".")
    for params in (
        {"page_size": 2, "cursor": f"{data}.{'0' * len(mac)}"},  # tampered
        {"page_size": 2, "cursor": "aHR0cHM6Ly9ldmlsLmV4YW1wbGUv.00"},  # made up
        {"page_size": 3, "cursor": cursor},  # another page size
        {"page_size": 2, "q": "vpn", "cursor": cursor},  # another search
    ):
        r = await client.get(url, params=params, headers=h)
        assert r.status_code == 422 and r.json()["code"] == "bad_cursor", (params, r.text)
    other = await connection(client, tenant, tickets, "halo")
    r = await client.get(
        f"{V1}/psa-connections/{other}/tickets",
        params={"page_size": 2, "cursor": cursor},
        headers=h,
    )
    assert r.status_code == 422


async def test_bad_search_input_is_a_422(
    client: httpx.AsyncClient, tenant: Tenant, tickets: FakePsa
) -> None:
    cid = await connection(client, tenant, tickets, "connectwise")
    url, h = f"{V1}/psa-connections/{cid}/tickets", tenant.engineer.headers
    for params in ({"q": "x" * 101}, {"page_size": 51}, {"page_size": 0}, {"q": "a\nb"}):
        assert (await client.get(url, params=params, headers=h)).status_code == 422, params
    assert (await client.get(url, params={"q": "x" * 100}, headers=h)).status_code == 200


async def test_another_accounts_connection_is_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, tickets: FakePsa
) -> None:
    cid = await connection(client, tenant, tickets, "connectwise")
    r = await client.get(
        f"{V1}/psa-connections/{cid}/tickets",
        params={"q": "vpn"},
        headers=other_tenant.engineer.headers,
    )
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert not any("/service/tickets" in p for p in tickets.state.paths)  # nothing was asked


@pytest.mark.parametrize("vendor", VENDORS)
async def test_vendor_outages_and_odd_answers_are_clear_502s(
    client: httpx.AsyncClient, tenant: Tenant, tickets: FakePsa, vendor: str
) -> None:
    cid = await connection(client, tenant, tickets, vendor)
    url, h = f"{V1}/psa-connections/{cid}/tickets", tenant.engineer.headers
    tickets.state.fail_next.append((503, {"message": "Service Unavailable"}, {}))
    r = await client.get(url, params={"q": "4243"}, headers=h)
    assert r.status_code == 502 and r.json()["code"] == "psa_error"
    assert "failed (503)" in r.json()["detail"]
    # A search answer of the wrong shape (an object where a list belongs, or none of the
    # fields a page has) is a 502 that says so, not a 500.
    tickets.state.fail_next.append((200, {"unexpected": True}, {}))
    r = await client.get(url, params={"q": "4243"}, headers=h)
    assert r.status_code == 502 and "shape" in r.json()["detail"], r.text
    assert (await client.get(url, params={"q": "4243"}, headers=h)).status_code == 200


async def test_rejected_credentials_are_a_502_naming_them(
    client: httpx.AsyncClient, tenant: Tenant, tickets: FakePsa
) -> None:
    cid = await add_connection(client, tenant, cw_connection(tickets, private="wrong"))
    r = await client.get(f"{V1}/psa-connections/{cid}/tickets", headers=tenant.engineer.headers)
    assert r.status_code == 502 and "rejected the credentials" in r.json()["detail"]
