"""The account's own playbooks: create, import, retrieve, version, retire, and tenancy."""

from __future__ import annotations

import copy
from typing import Any

import httpx

from flowpilot.library.loader import read_playbooks
from flowpilot.library.markdown import parse_markdown, to_markdown
from flowpilot.library.playbook_format import validate
from tests.conftest import Tenant, assert_cross_tenant_404

BASE = "/api/v1/library/playbooks"

LABTRACK_MD = """\
# LabTrack client cannot reach its licence server
Domain: Line-of-business apps
LabTrack (dental lab software) opens with "Licence server not found" after a server move.

## Symptoms
- LabTrack says licence server not found
- LabTrack opens in demo mode
## Aliases
- LT-4012
## Products
- LabTrack
## Keywords
- licence
- license
## Sources
- [LabTrack admin guide](https://example.com/labtrack/admin-guide)

## Causes
### Licence service stopped on the server {#service-stopped}
Fix: Start the "LabTrack Licence" service and set it to Automatic (Delayed Start).
Confirm if: licence service is stopped; LabTrackLic stopped
Disprove: the service is running and port 7410 answers.
### Client points at the old server name {#old-server}
Fix: Edit C:\\ProgramData\\LabTrack\\client.ini: set LicenceServer= to the new server's name,
then restart LabTrack.
Confirm if: client.ini points at the old server

## Checks
### Is the licence service running? {#service}
Check: On the server: Get-Service LabTrackLic
Look for: Status Running.
Done if: licence service is running
Tests: service-stopped
Results:
- Stopped => the service is the cause [service-stopped]
- Running => look at the client's settings
### Does the client reach port 7410? {#port}
Check: On the client: Test-NetConnection <server> -Port 7410
Look for: TcpTestSucceeded : True
### Which server does the client use? {#client-ini}
Check: Open C:\\ProgramData\\LabTrack\\client.ini and read LicenceServer=
Tests: old-server
"""

TICKET = "LabTrack shows LT-4012 licence server not found on every PC since Friday's server move"


def labtrack_toml() -> str:
    return """
slug = "labtrack-toml"
title = "LabTrack reports print to the wrong tray"
domain = "Line-of-business apps"
summary = "LabTrack report layouts carry a tray number."
symptoms = ["LabTrack reports print on letterhead", "wrong tray for LabTrack reports"]
[[steps]]
title = "Which tray does the layout name?"
check = "Report designer > Page setup > Paper source"
[[steps]]
title = "Does another app print to the right tray?"
check = "Print a test page from Notepad to the same printer"
[[steps]]
title = "Set the tray"
check = "Set Paper source to Automatically select and save the layout"
"""


async def _create(
    client: httpx.AsyncClient, tenant: Tenant, md: str = LABTRACK_MD
) -> dict[str, Any]:
    r = await client.post(
        f"{BASE}/import",
        json={"format": "markdown", "content": md},
        headers=tenant.admin.headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_markdown_round_trips_every_starter_playbook() -> None:
    """What the Library page edits (Markdown) holds everything a playbook file holds."""

    def clean(data: Any) -> Any:
        if isinstance(data, dict):
            return {k: clean(v) for k, v in data.items() if v not in ([], "", None)}
        if isinstance(data, list):
            return [clean(v) for v in data]
        return data

    for playbook in read_playbooks():
        again = validate(parse_markdown(to_markdown(playbook)))
        for step in [*playbook["steps"], *again["steps"]]:
            step.setdefault("kind", "action")
        assert clean(again) == clean(copy.deepcopy(playbook)), playbook["slug"]


async def test_import_markdown_then_retrieve_with_confidence(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await _create(client, tenant)
    assert created["scope"] == "account" and created["version"] == 1
    assert created["slug"] == "labtrack-client-cannot-reach-its-licence-server"
    guide = created["guide"]
    assert [c["id"] for c in guide["causes"]] == ["service-stopped", "old-server"]
    assert guide["steps"][0]["results"][0] == {
        "if": "Stopped",
        "means": "the service is the cause",
        "cause": "service-stopped",
    }
    assert "set LicenceServer= to the new server's name,\nthen restart" in guide["causes"][1]["fix"]

    hits = await client.get(
        "/api/v1/library/search", params={"q": TICKET}, headers=tenant.engineer.headers
    )
    top = hits.json()[0]
    assert top["entry"]["id"] == created["id"] and top["entry"]["scope"] == "account"
    assert top["fits"] and 0.5 <= top["score"] <= 1

    session = await client.post(
        "/api/v1/ai-sessions", json={"problem_summary": TICKET}, headers=tenant.engineer.headers
    )
    turn = await client.post(
        f"/api/v1/ai-sessions/{session.json()['id']}/messages",
        json={"content": TICKET},
        headers={**tenant.engineer.headers, "Accept": "application/json"},
    )
    guide_meta = turn.json()["assistant_message"]["meta"]["guide"]
    assert guide_meta["focus"]["slug"] == created["slug"]
    assert guide_meta["candidates"][0]["confidence"] >= 0.5
    assert "Get-Service LabTrackLic" in turn.json()["assistant_message"]["content"]


async def test_import_toml_and_create_from_json(client: httpx.AsyncClient, tenant: Tenant) -> None:
    h = tenant.admin.headers
    r = await client.post(
        f"{BASE}/import", json={"format": "toml", "content": labtrack_toml()}, headers=h
    )
    assert r.status_code == 201, r.text
    assert r.json()["slug"] == "labtrack-toml"
    guide = {**r.json()["guide"], "slug": "labtrack-json", "title": "LabTrack tray (JSON)"}
    made = await client.post(BASE, json={"guide": guide, "note": "from the API"}, headers=h)
    assert made.status_code == 201, made.text
    listed = await client.get(BASE, params={"scope": "account"}, headers=tenant.engineer.headers)
    assert {p["slug"] for p in listed.json()["items"]} == {"labtrack-toml", "labtrack-json"}


async def test_bad_playbooks_get_a_precise_422_and_nothing_is_saved(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    h = tenant.admin.headers
    cases = [
        ({"format": "markdown", "content": "no title here"}, "# Title"),
        ({"format": "markdown", "content": "# T\n## Nonsense\n- x"}, "unknown section"),
        ({"format": "markdown", "content": "# T\n## Causes\nloose text"}, "text outside"),
        ({"format": "toml", "content": "title = "}, "not valid TOML"),
        (
            {"format": "markdown", "content": "# Title\nDomain: D\nWhat.\n## Symptoms\n- x"},
            "3 steps",
        ),
        ({"format": "markdown", "content": LABTRACK_MD + "\x00"}, "NUL"),
        ({"format": "docx", "content": "x"}, ""),
    ]
    for body, expected in cases:
        r = await client.post(f"{BASE}/import", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert expected in str(r.json()["detail"]), (expected, r.json())
    bad_guide = {
        "slug": "x-y-z",
        **{"title": "T", "domain": "D", "summary": "S", "symptoms": ["s"]},
        "steps": ["a", "b", "c"],
    }
    r = await client.post(BASE, json={"guide": bad_guide}, headers=h)
    assert r.status_code == 422 and "each step is a table" in r.json()["detail"]
    listed = await client.get(BASE, params={"scope": "account", "status": "all"}, headers=h)
    assert listed.json()["total"] == 0


async def test_only_leads_and_admins_write(client: httpx.AsyncClient, tenant: Tenant) -> None:
    engineer = tenant.engineer.headers
    r = await client.post(
        f"{BASE}/import", json={"format": "markdown", "content": LABTRACK_MD}, headers=engineer
    )
    assert r.status_code == 403
    created = await _create(client, tenant)
    for method, path, body in [
        ("PATCH", f"{BASE}/{created['id']}", {"content": LABTRACK_MD, "format": "markdown"}),
        ("POST", f"{BASE}/{created['id']}/retire", None),
        ("POST", f"{BASE}/{created['id']}/restore", None),
    ]:
        r = await client.request(method, path, json=body, headers=engineer)
        assert r.status_code == 403, (method, path, r.text)
    assert (await client.get(f"{BASE}/{created['id']}", headers=engineer)).status_code == 200
    assert (await client.get(f"{BASE}/{created['id']}/versions", headers=engineer)).json()


async def test_edit_makes_versions_and_keeps_the_old_text(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    h = tenant.admin.headers
    created = await _create(client, tenant)
    url = f"{BASE}/{created['id']}"
    edited_md = created["markdown"].replace("port 7410", "port 7411")
    assert edited_md != created["markdown"]
    r = await client.patch(
        url,
        json={
            "content": edited_md,
            "format": "markdown",
            "note": "port moved",
            "expected_version": 1,
        },
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and "port 7411" in r.json()["markdown"]

    stale = await client.patch(
        url, json={"content": edited_md, "format": "markdown", "expected_version": 1}, headers=h
    )
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    renamed = await client.patch(
        url, json={"guide": {**r.json()["guide"], "slug": "another-slug"}}, headers=h
    )
    assert renamed.status_code == 422
    neither = await client.patch(url, json={"note": "nothing"}, headers=h)
    assert neither.status_code == 422

    versions = (await client.get(f"{url}/versions", headers=h)).json()
    assert [(v["version"], v["note"]) for v in versions] == [
        (2, "port moved"),
        (1, "Imported from markdown"),
    ]
    assert versions[0]["created_by_name"]
    first = (await client.get(f"{url}/versions/1", headers=h)).json()
    assert "port 7410" in first["markdown"] and "port 7411" not in first["markdown"]
    assert (await client.get(f"{url}/versions/9", headers=h)).status_code == 404


async def test_retired_playbooks_are_not_retrieved_until_restored(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    h = tenant.admin.headers
    created = await _create(client, tenant)

    async def top_id() -> str | None:
        hits = (await client.get("/api/v1/library/search", params={"q": TICKET}, headers=h)).json()
        return hits[0]["entry"]["id"] if hits else None

    assert await top_id() == created["id"]
    retired = await client.post(f"{BASE}/{created['id']}/retire", headers=h)
    assert retired.json()["status"] == "retired" and retired.json()["version"] == 2
    assert await top_id() != created["id"]
    active = await client.get(BASE, params={"scope": "account"}, headers=h)
    assert active.json()["total"] == 0
    restored = await client.post(f"{BASE}/{created['id']}/restore", headers=h)
    assert restored.json()["status"] == "active" and restored.json()["version"] == 3
    assert await top_id() == created["id"]


async def test_a_copied_starter_playbook_takes_its_place(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    h = tenant.admin.headers
    starters = (await client.get(BASE, params={"scope": "starter"}, headers=h)).json()
    spooler = next(p for p in starters["items"] if p["slug"] == "print-spooler-stuck-or-crashing")
    assert (
        await client.patch(
            f"{BASE}/{spooler['id']}",
            json={"content": LABTRACK_MD, "format": "markdown"},
            headers=h,
        )
    ).json()["code"] == "starter_read_only"
    copy_ = await client.post(f"{BASE}/{spooler['id']}/copy", headers=h)
    assert copy_.status_code == 201 and copy_.json()["scope"] == "account"
    again = await client.post(f"{BASE}/{spooler['id']}/copy", headers=h)
    assert again.status_code == 409
    query = {"q": "print spooler service keeps stopping, spoolsv.exe crashes"}
    hits = (await client.get("/api/v1/library/search", params=query, headers=h)).json()
    assert hits[0]["entry"]["id"] == copy_.json()["id"]
    assert spooler["id"] not in {x["entry"]["id"] for x in hits}
    starter_view = (await client.get(f"{BASE}/{spooler['id']}", headers=h)).json()
    assert starter_view["replaced_by_own"] is True
    theirs = await client.get(
        "/api/v1/library/search", params=query, headers=other_tenant.admin.headers
    )
    assert theirs.json()[0]["entry"]["id"] == spooler["id"]


async def test_another_account_never_sees_a_playbook(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = await _create(client, tenant)
    other = other_tenant.admin
    for method, suffix in [("GET", ""), ("GET", "/versions"), ("POST", "/retire")]:
        await assert_cross_tenant_404(client, method, f"{BASE}/{created['id']}{suffix}", other)
    hits = await client.get("/api/v1/library/search", params={"q": TICKET}, headers=other.headers)
    assert created["id"] not in hits.text
    listed = await client.get(BASE, params={"status": "all"}, headers=other.headers)
    assert created["id"] not in listed.text
    # The same slug is free in the other account: slugs are per account.
    mine = await client.post(
        f"{BASE}/import", json={"format": "markdown", "content": LABTRACK_MD}, headers=other.headers
    )
    assert mine.status_code == 201 and mine.json()["id"] != created["id"]
    dup = await client.post(
        f"{BASE}/import",
        json={"format": "markdown", "content": LABTRACK_MD},
        headers=tenant.admin.headers,
    )
    assert dup.status_code == 409


async def test_a_chat_turn_follows_the_library_as_it_is_now(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """A turn's guidance reads the account's library as it is at that turn: a playbook retired
    between two turns no longer guides the branch (the kept search index is not reused)."""
    created = await _create(client, tenant)
    h = tenant.engineer.headers
    started = await client.post("/api/v1/ai-sessions", json={"problem_summary": TICKET}, headers=h)
    sid = started.json()["id"]

    async def focus(text: str) -> str | None:
        r = await client.post(
            f"/api/v1/ai-sessions/{sid}/messages",
            json={"content": text},
            headers={**h, "Accept": "application/json"},
        )
        assert r.status_code == 200, r.text
        found = r.json()["assistant_message"]["meta"]["guide"]["focus"]
        return found["slug"] if found else None

    assert await focus(TICKET) == created["slug"]
    retired = await client.post(f"{BASE}/{created['id']}/retire", headers=tenant.admin.headers)
    assert retired.status_code == 200
    assert await focus("Same on every PC; LT-4012 again this morning") != created["slug"]
