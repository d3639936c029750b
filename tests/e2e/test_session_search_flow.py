"""The session list's search and filters in the browser: a word from one conversation finds
that session only, with the snippet it was found in; the address bar keeps the search."""

from __future__ import annotations

import os

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.a11y import check_a11y
from tests.e2e.test_chat_flow import sign_in
from tests.e2e.test_small_screens import fits

pytestmark = pytest.mark.e2e

OUTLOOK = "Outlook keeps asking for a password on one laptop"
PRINTER = "Front desk printer offline since this morning"


async def test_search_a_word_from_the_conversation_and_filter_by_client(  # type: ignore[no-untyped-def]
    page: Page, offline_server, login_user: str
) -> None:
    async with httpx.AsyncClient(base_url=offline_server.url, timeout=60) as c:
        r = await c.post("/api/v1/auth/login", json={"email": login_user, "password": PASSWORD})
        h = {"Authorization": f"Bearer {r.json()['access_token']}", "Accept": "application/json"}
        for problem, client, said in (
            (OUTLOOK, "Acme Dental", "Event log shows 0x80070005 after the credential reset"),
            (PRINTER, "Harbor Legal", "The spooler crashes with error 0x000006BA every minute"),
        ):
            r = await c.post(
                "/api/v1/ai-sessions",
                json={"problem_summary": problem, "intake": {"client": client}},
                headers=h,
            )
            assert r.status_code == 201, r.text
            turn = await c.post(
                f"/api/v1/ai-sessions/{r.json()['id']}/messages", json={"content": said}, headers=h
            )
            assert turn.status_code == 200, turn.text

    await sign_in(page, offline_server.url, login_user)
    rows = page.get_by_test_id("session-row")
    await expect(rows).to_have_count(2)
    await expect(page.get_by_test_id("session-client")).to_have_text(
        ["Client: Harbor Legal", "Client: Acme Dental"]
    )

    # A word that is only in the printer session's conversation, typed (searched after a pause).
    search = page.get_by_role("searchbox", name="Search")
    await search.fill("spooler")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(PRINTER)
    snippet = rows.first.get_by_test_id("match-snippet")
    await expect(snippet).to_contain_text("Engineer: The spooler crashes with error 0x000006BA")
    await expect(snippet.locator("mark")).to_have_text("spooler")
    await expect(page.get_by_text("1 session matches “spooler”")).to_be_visible()
    await expect(page).to_have_url(f"{offline_server.url}/?q=spooler")
    await check_a11y(page, "the sessions page with a search")
    if os.environ.get("FLOWPILOT_SCREENSHOTS"):
        await page.screenshot(path="test-results/sessions-search.png", full_page=True)

    # A reload (or a shared link) keeps the search.
    await page.reload()
    await expect(page.get_by_role("searchbox", name="Search")).to_have_value("spooler")
    await expect(rows).to_have_count(1)

    # Escape clears it; Enter searches at once; nothing found says so.
    await page.get_by_role("searchbox", name="Search").press("Escape")
    await expect(rows).to_have_count(2)
    await expect(page).to_have_url(f"{offline_server.url}/")
    await page.get_by_role("searchbox", name="Search").fill("0x80070005")
    await page.get_by_role("searchbox", name="Search").press("Enter")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(OUTLOOK)
    await page.get_by_role("searchbox", name="Search").fill("zzqqxx")
    await page.get_by_role("button", name="Search", exact=True).click()
    await expect(page.get_by_text("No sessions match “zzqqxx”.")).to_be_visible()
    await page.get_by_role("button", name="Clear the search").click()
    await expect(rows).to_have_count(2)

    # The client filter (any case, the start of the name), kept in the address too.
    await page.get_by_role("combobox", name="Client").fill("acme")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(OUTLOOK)
    await expect(page).to_have_url(f"{offline_server.url}/?client=acme")

    # On a phone the rows are cards and nothing scrolls sideways.
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.get_by_role("searchbox", name="Search").fill("credential")
    await expect(rows.first.get_by_test_id("match-snippet")).to_contain_text("credential")
    await fits(page, "the searched sessions page")
