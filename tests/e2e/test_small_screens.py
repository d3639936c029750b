"""Session titles are whole (cut only in lists, with the full text on hover), and the main pages
fit a 390 px wide phone without horizontal scrolling."""

from __future__ import annotations

import os

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import new_account_user
from tests.e2e.test_chat_flow import sign_in

pytestmark = pytest.mark.e2e

LONG = (
    "Since the firewall firmware update on Monday, users at the Leeds office lose their VPN "
    "connection every hour on the hour, Teams calls drop at the same moment and the "
    "accounting share on fs01 needs a reconnect afterwards"
)

# The elements wider than the viewport, to say what overflows when the check fails.
WIDE = """
() => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 8)
  .map((e) => `${e.tagName.toLowerCase()}.${String(e.className).slice(0, 60)}`)
"""


@pytest.fixture
async def admin(database) -> str:  # type: ignore[no-untyped-def]
    return await new_account_user(database, "admin")


async def fits(page: Page, where: str) -> None:
    await page.wait_for_load_state("networkidle")
    width = await page.evaluate("document.documentElement.scrollWidth")
    if os.environ.get("FLOWPILOT_SCREENSHOTS"):
        name = where.removeprefix("the ").removeprefix("a ").replace(" ", "-")
        await page.screenshot(path=f"test-results/390-{name}.png", full_page=True)
    assert width <= 390, f"{where} scrolls sideways ({width} px): {await page.evaluate(WIDE)}"


async def test_full_titles_and_no_sideways_scroll_at_390(  # type: ignore[no-untyped-def]
    page: Page, offline_server, admin: str
) -> None:
    async with httpx.AsyncClient(base_url=offline_server.url, timeout=30) as c:
        r = await c.post("/api/v1/auth/login", json={"email": admin, "password": PASSWORD})
        h = {"Authorization": f"Bearer {r.json()['access_token']}"}
        r = await c.post("/api/v1/ai-sessions", json={"problem_summary": LONG}, headers=h)
        assert r.status_code == 201, r.text
        sid = r.json()["id"]
        assert r.json()["title"] == LONG
        # Escalated, so that the queue has an item to lay out.
        r = await c.post(
            f"/api/v1/ai-sessions/{sid}/handoff",
            json={"intent": "escalate", "engineer_notes": "Needs someone with firewall access"},
            headers=h,
        )
        assert r.status_code == 201, r.text

    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(offline_server.url + "/")
    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    await fits(page, "the login page")
    await sign_in(page, offline_server.url, admin)

    # The list cuts the title for display and keeps the whole of it on hover.
    row_title = page.get_by_title(LONG, exact=True)
    await expect(row_title).to_have_text(LONG)
    await fits(page, "the sessions page")

    await row_title.click()
    await expect(page).to_have_url(f"{offline_server.url}/sessions/{sid}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(LONG)
    await expect(page.locator("article[data-role=assistant]")).to_have_count(0)
    await fits(page, "a session page")

    for link, heading in (("Queue", "Team queue"), ("Settings", "Settings")):
        await page.get_by_role("navigation", name="Main").get_by_role("link", name=link).click()
        await expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        if link == "Queue":
            await expect(page.get_by_test_id("queue-item")).to_contain_text("firewall access")
        await fits(page, f"the {link.lower()} page")
