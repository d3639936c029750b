"""Session list search (`q=`) and filters (`client=`, `has_ticket=`), over HTTP, real Postgres."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.sessions import search
from tests.conftest import Member, Tenant, add_member

URL = "/api/v1/ai-sessions"


async def _session(
    client: httpx.AsyncClient,
    member: Member,
    problem: str,
    intake: dict[str, Any] | None = None,
    said: list[str] = (),  # type: ignore[assignment]
) -> str:
    r = await client.post(
        URL, json={"problem_summary": problem, "intake": intake or {}}, headers=member.headers
    )
    assert r.status_code == 201, r.text
    sid: str = r.json()["id"]
    for content in said:
        turn = await client.post(
            f"{URL}/{sid}/messages",
            json={"content": content},
            headers={**member.headers, "Accept": "application/json"},
        )
        assert turn.status_code == 200, turn.text
    return sid


async def _link_ticket(db: AsyncSession, sid: str, ticket: str, company: str = "") -> None:
    """As a session started from a PSA ticket stores it (the PSA itself is not the point)."""
    block = {"ticket_id": ticket, "company": company, "contact": "", "summary": ""}
    await db.execute(
        text(
            "UPDATE ai_sessions SET psa_ticket_id = :t,"
            " intake = intake || jsonb_build_object('psa_ticket', CAST(:b AS jsonb))"
            " WHERE id = :s"
        ),
        {"t": ticket, "b": json.dumps(block), "s": sid},
    )
    await db.commit()


async def _search(http: httpx.AsyncClient, member: Member, **params: Any) -> dict[str, Any]:
    r = await http.get(URL, params=params, headers=member.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _ids(page: dict[str, Any]) -> list[str]:
    return [i["id"] for i in page["items"]]


@pytest.fixture
async def desk(client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession) -> dict[str, str]:
    """Three sessions of one engineer: a client with a device, a ticket, and neither."""
    acme = await _session(
        client,
        tenant.engineer,
        "Outlook keeps asking for a password on one laptop",
        {"client": "Acme Dental", "contact": "Jane Okafor", "device": "ACME-LT-042"},
        said=["Event log shows 0x80070005 after the credential reset, so I rebooted"],
    )
    harbor = await _session(
        client,
        tenant.engineer,
        "Front desk printer offline since this morning",
        {"client": "Harbor Legal"},
        said=["The spooler crashes with error 0x000006BA every few minutes"],
    )
    await _link_ticket(db, harbor, "48213", "Harbor Legal LLP")
    vpn = await _session(client, tenant.engineer, "VPN drops every hour for 100% of users")
    return {"acme": acme, "harbor": harbor, "vpn": vpn}


async def test_search_finds_a_client_ticket_error_code_and_conversation_words(
    client: httpx.AsyncClient, tenant: Tenant, desk: dict[str, str]
) -> None:
    eng = tenant.engineer

    by_client = await _search(client, eng, q="acme dental")
    assert _ids(by_client) == [desk["acme"]]
    match = by_client["items"][0]["match"]
    assert match == {"field": "client", "snippet": "Acme Dental", "terms": ["acme", "dental"]}
    assert by_client["items"][0]["client"] == "Acme Dental"

    by_ticket = await _search(client, eng, q="48213")
    assert _ids(by_ticket) == [desk["harbor"]]
    assert by_ticket["items"][0]["match"]["field"] == "ticket"
    assert by_ticket["items"][0]["match"]["snippet"] == "#48213"
    assert by_ticket["items"][0]["psa_ticket_id"] == "48213"
    # The PSA ticket's company is the client (as on the usage report).
    assert by_ticket["items"][0]["client"] == "Harbor Legal LLP"
    assert _ids(await _search(client, eng, q="#48213")) == [desk["harbor"]]

    # An error code the engineer typed in the conversation (not in the title or problem).
    by_code = await _search(client, eng, q="0x80070005")
    assert _ids(by_code) == [desk["acme"]] and by_code["total"] == 1
    match = by_code["items"][0]["match"]
    assert match["field"] == "message" and match["terms"] == ["0x80070005"]
    assert "0x80070005" in match["snippet"] and len(match["snippet"]) <= search.SNIPPET_CHARS + 2

    by_word = await _search(client, eng, q="spooler")
    assert _ids(by_word) == [desk["harbor"]]
    assert by_word["items"][0]["match"]["field"] == "message"
    assert "spooler crashes" in by_word["items"][0]["match"]["snippet"]

    assert _ids(await _search(client, eng, q="okafor"))[0] == desk["acme"]
    assert (await _search(client, eng, q="okafor"))["items"][0]["match"]["field"] == "contact"
    assert _ids(await _search(client, eng, q="acme-lt-042")) == [desk["acme"]]

    # Every term must be found, each anywhere in the session (client + conversation here).
    both = await _search(client, eng, q="harbor 0x000006ba")
    assert _ids(both) == [desk["harbor"]]
    assert both["items"][0]["match"]["field"] == "message"  # holds the code the row lacks
    assert _ids(await _search(client, eng, q="harbor 0x80070005")) == []

    # A quoted phrase is one term; common words are left out when there are others.
    assert _ids(await _search(client, eng, q='"credential reset"')) == [desk["acme"]]
    assert _ids(await _search(client, eng, q='"reset credential"')) == []
    the_spooler = await _search(client, eng, q='the spooler "front  desk"')
    assert _ids(the_spooler) == [desk["harbor"]]
    assert the_spooler["terms"] == ["spooler", "front desk"]

    # LIKE's wildcards are text: "%" is found only where there is one, "_" nowhere.
    assert _ids(await _search(client, eng, q="100%")) == [desk["vpn"]]
    assert _ids(await _search(client, eng, q="%")) == [desk["vpn"]]
    assert _ids(await _search(client, eng, q="_")) == []

    # Without q: every session, no match.
    plain = await _search(client, eng)
    assert [i["match"] for i in plain["items"]] == [None, None, None]
    assert set(_ids(plain)) == set(desk.values())


async def test_client_and_ticket_filters(
    client: httpx.AsyncClient, tenant: Tenant, desk: dict[str, str]
) -> None:
    eng = tenant.engineer
    assert _ids(await _search(client, eng, client="acme")) == [desk["acme"]]
    assert _ids(await _search(client, eng, client="ACME DENTAL")) == [desk["acme"]]
    assert _ids(await _search(client, eng, client="  acme   dental ")) == [desk["acme"]]
    assert _ids(await _search(client, eng, client="dental")) == []  # a prefix, not anywhere
    assert _ids(await _search(client, eng, client="harbor legal llp")) == [desk["harbor"]]
    assert _ids(await _search(client, eng, client="a%")) == []

    assert _ids(await _search(client, eng, has_ticket="true")) == [desk["harbor"]]
    unlinked = await _search(client, eng, has_ticket="false")
    assert set(_ids(unlinked)) == {desk["vpn"], desk["acme"]}
    assert _ids(await _search(client, eng, has_ticket="true", client="acme")) == []
    combined = await _search(client, eng, q="printer", has_ticket="1", status="active")
    assert _ids(combined) == [desk["harbor"]]
    assert _ids(await _search(client, eng, q="printer", status="paused")) == []

    names = await client.get(f"{URL}/clients", headers=eng.headers)
    assert names.json() == {"items": ["Acme Dental", "Harbor Legal LLP"]}
    some = await client.get(f"{URL}/clients", params={"prefix": "HAR"}, headers=eng.headers)
    assert some.json() == {"items": ["Harbor Legal LLP"]}


async def test_search_never_crosses_accounts_or_the_read_scope(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    desk: dict[str, str],
    maker: Any,
) -> None:
    # Another account with the same client, the same error code and a ticket of its own.
    theirs = await _session(
        client,
        other_tenant.engineer,
        "Outlook asks for a password",
        {"client": "Acme Dental"},
        said=["Same 0x80070005 here, and the spooler too"],
    )
    for q in ("acme", "0x80070005", "spooler", "outlook", "password"):
        mine = await _search(client, tenant.engineer, q=q)
        assert theirs not in _ids(mine) and mine["items"], q
        other = await _search(client, other_tenant.engineer, q=q)
        assert _ids(other) == [theirs], q
    assert _ids(await _search(client, tenant.admin, q="0x80070005")) == [desk["acme"]]
    assert _ids(await _search(client, other_tenant.admin, client="acme")) == [theirs]
    listed = await client.get(f"{URL}/clients", headers=other_tenant.engineer.headers)
    assert listed.json() == {"items": ["Acme Dental"]}

    # In the same account, an engineer outside the team finds none of the team's sessions.
    loner = await add_member(maker, tenant, "engineer", team=False)
    assert (await _search(client, loner, q="0x80070005"))["items"] == []
    assert (await _search(client, loner, client="acme"))["items"] == []
    assert (await client.get(f"{URL}/clients", headers=loner.headers)).json() == {"items": []}


async def test_bad_search_parameters_are_422_not_500(
    client: httpx.AsyncClient, tenant: Tenant, desk: dict[str, str]
) -> None:
    h = tenant.engineer.headers
    for params in (
        {"q": "x" * 201},
        {"client": "x" * 201},
        {"has_ticket": "maybe"},
        {"has_ticket": ""},
        {"q": " ".join(f"word{n}" for n in range(search.MAX_TERMS + 1))},
        {"q": "abc", "limit": "0"},
        {"q": "abc", "offset": "-1"},
        {"scope": "everyone"},
    ):
        r = await client.get(URL, params=params, headers=h)
        assert r.status_code == 422, (params, r.status_code, r.text)
    common = await client.get(URL, params={"q": "the and for with"}, headers=h)
    assert common.status_code == 200  # common words only: the search keeps them
    nine = " ".join(f"w{n}x" for n in range(9))
    r = await client.get(URL, params={"q": nine}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "too_many_terms"
    # Odd text is searched as text.
    for q in ('"', '""', "\\", "'; drop table ai_sessions; --", "%_%", "   ", "é€ 日本"):
        r = await client.get(URL, params={"q": q}, headers=h)
        assert r.status_code == 200, (q, r.text)
    assert (await client.get(URL, params={"q": "   "}, headers=h)).json()["total"] == 3
    r = await client.get(f"{URL}/clients", params={"limit": "0"}, headers=h)
    assert r.status_code == 422


async def test_a_term_in_more_messages_than_are_read_gives_a_lower_bound(
    client: httpx.AsyncClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        await _session(
            client, tenant.engineer, f"Scanner {n} jams", said=[f"Scanner {n}: spooler restarted"]
        )
    monkeypatch.setattr(search, "MESSAGE_HITS", 2)
    page = await _search(client, tenant.engineer, q="spooler")
    # The two newest matching messages were read: their sessions, and "n+".
    assert 1 <= len(page["items"]) == page["total"] <= 2 and page["total_capped"] is True
    # Another term narrows first, then the frequent one is read among what is left.
    narrowed = await _search(client, tenant.engineer, q="spooler jams scanner 0")
    assert [i["title"] for i in narrowed["items"]] == ["Scanner 0 jams"]
    assert narrowed["total_capped"] is False
