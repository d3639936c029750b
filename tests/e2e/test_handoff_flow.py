from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from flowpilot.auth import service as auth
from tests.conftest import PASSWORD
from tests.e2e.a11y import check_a11y
from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path
from tests.e2e.test_chat_flow import sign_in, start_session

pytestmark = pytest.mark.e2e


@pytest.fixture
async def two_engineers(database) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    suffix = uuid.uuid4().hex[:8]
    async with database.sessionmaker() as db:
        account = await auth.ensure_account(db, f"Handoff {suffix}", "team")
        team = await auth.ensure_team(db, account, "Service Desk")
        emails = []
        for name in ("ana", "ben"):
            email = f"{name}-{suffix}@example.com"
            user = await auth.create_user(
                db,
                account.id,
                email=email,
                password=PASSWORD,
                role="engineer",
                full_name=name.title(),
            )
            await auth.ensure_membership(db, team, user)
            emails.append(email)
        await db.commit()
    return emails[0], emails[1]


async def _page(browser: Browser) -> Page:
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    return await context.new_page()


async def test_escalate_in_one_browser_claim_in_another(offline_server, two_engineers) -> None:  # type: ignore[no-untyped-def]
    ana_email, ben_email = two_engineers
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        ana, ben = await _page(browser), await _page(browser)
        await sign_in(ana, offline_server.url, ana_email)
        await sign_in(ben, offline_server.url, ben_email)

        await start_session(ana, "Exchange mail flow stopped for the whole office")
        await expect(ana.locator("article[data-role=assistant]").last).to_contain_text(
            "Offline mode", timeout=15_000
        )
        await expect(ana.get_by_test_id("streaming")).to_have_count(0, timeout=45_000)
        hand_off = ana.get_by_role("button", name="Hand off")
        dialog = ana.get_by_role("dialog", name="Hand off this session")
        # Escape and a click on the backdrop close the dialog; the focus goes back to the button.
        await hand_off.click()
        await expect(dialog).to_be_visible()
        await ana.keyboard.press("Escape")
        await expect(dialog).to_have_count(0)
        await expect(hand_off).to_be_focused()
        await hand_off.click()
        await ana.mouse.click(5, 5)
        await expect(dialog).to_have_count(0)
        await hand_off.click()
        # Tab and Shift+Tab stay inside the open dialog, however far they go.
        for key in ["Tab"] * 25 + ["Shift+Tab"] * 25:
            await ana.keyboard.press(key)
            inside = await ana.evaluate("document.activeElement?.closest('[role=dialog]') !== null")
            assert inside, f"focus left the dialog after {key}"
        await dialog.get_by_label("Notes for whoever picks it up").fill(
            "Need someone with Exchange admin rights"
        )
        await dialog.get_by_label("Priority").select_option("elevated")
        in_two_days = (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%dT09:00")
        await dialog.get_by_label("Due by").fill(in_two_days)
        # Named for Ben: the team's members are offered, Ana herself is not.
        assignee = dialog.get_by_label("Assign to (optional)")
        await expect(assignee.locator("option", has_text="Ben")).to_have_count(1)
        await expect(assignee.locator("option", has_text="Ana")).to_have_count(0)
        await assignee.select_option(label="Ben")
        await dialog.get_by_role("button", name="Preview assessment").click()
        await expect(dialog.get_by_test_id("assessment")).to_contain_text("Likely cause")
        await check_a11y(ana, "the handoff dialog")
        await dialog.get_by_role("button", name="Escalate").click()
        await expect(ana.get_by_role("dialog")).to_have_count(0)
        await expect(ana.get_by_text("escalated", exact=True).first).to_be_visible()
        # Ana's queue says whose it is.
        await ana.get_by_role("link", name="Queue").click()
        mine = ana.get_by_test_id("queue-item").filter(has_text="Exchange mail flow stopped")
        await expect(mine.get_by_test_id("queue-assignee")).to_have_text("Assigned to Ben")

        # Ben sees it in the queue (and a notification), claims it and lands on the briefing.
        await ben.get_by_role("link", name="Queue").click()
        item = ben.get_by_test_id("queue-item").filter(has_text="Exchange mail flow stopped")
        await expect(item).to_contain_text("elevated")
        await expect(item.get_by_test_id("queue-due")).to_contain_text("Due in")
        await expect(item.get_by_test_id("queue-assignee")).to_have_text("Assigned to you")
        # The filter: his, then nobody's (where it is not), then all again.
        assigned = ben.get_by_label("Assigned", exact=True)
        await assigned.select_option(label="Assigned to me")
        await expect(item).to_be_visible()
        await assigned.select_option(label="Unassigned")
        await expect(item).to_have_count(0)
        await expect(ben.get_by_text("Nothing unassigned waiting.")).to_be_visible()
        await assigned.select_option(label="All")
        await expect(item).to_be_visible()
        await expect(ben.get_by_test_id("unread-count")).to_have_text("1")
        # Opening the notifications shows it and marks it read; Escape closes the menu and
        # gives the focus back to the bell, and so does (without the focus) a click outside.
        bell = ben.get_by_role("button", name="Notifications (1 unread)")
        await bell.click()
        menu = ben.get_by_test_id("notifications-menu")
        await expect(menu).to_contain_text("Assigned to you: Exchange mail flow stopped")
        await check_a11y(ben, "the queue with the notifications open")
        await expect(ben.get_by_test_id("unread-count")).to_have_count(0)
        await expect(menu.get_by_role("button", name="Mark all read")).to_be_disabled()
        await ben.keyboard.press("Escape")
        await expect(menu).to_have_count(0)
        await expect(ben.get_by_role("button", name="Notifications", exact=True)).to_be_focused()
        await ben.get_by_role("button", name="Notifications", exact=True).click()
        await expect(menu).to_be_visible()
        await ben.get_by_role("heading", name="Team queue").click()
        await expect(menu).to_have_count(0)
        await ben.reload()
        await expect(ben.get_by_test_id("queue-item").first).to_be_visible()
        await expect(ben.get_by_test_id("unread-count")).to_have_count(0)
        await item.get_by_role(
            "button", name="Claim Exchange mail flow stopped for the whole office"
        ).click()
        briefing = ben.get_by_test_id("briefing")
        await expect(briefing).to_contain_text(
            "Need someone with Exchange admin rights", timeout=15_000
        )
        await expect(briefing).to_contain_text("Problem: Exchange mail flow stopped")
        await expect(briefing.get_by_test_id("briefing-assignee")).to_have_text("Assigned to you")
        await check_a11y(ben, "a claimed session with its briefing")

        # …and carries on the conversation.
        await ben.get_by_role("textbox", name="Message").fill(
            "Message trace shows everything quarantined"
        )
        await ben.keyboard.press("Enter")
        await expect(ben.locator("article[data-role=assistant]")).to_have_count(2, timeout=15_000)
        await expect(ben.get_by_test_id("streaming")).to_have_count(0, timeout=45_000)
        if os.environ.get("FLOWPILOT_SCREENSHOTS"):
            await ben.screenshot(path="test-results/handoff-claimed.png", full_page=True)
        await browser.close()


async def test_a_late_claimer_sees_who_won_and_the_item_stays(  # type: ignore[no-untyped-def]
    offline_server, two_engineers
) -> None:
    ana_email, ben_email = two_engineers
    url = offline_server.url

    async def token(email: str) -> dict[str, str]:
        async with httpx.AsyncClient(base_url=url) as c:
            r = await c.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

    ana, ben = await token(ana_email), await token(ben_email)
    title = "VPN tunnel to the Leeds office drops every hour"
    async with httpx.AsyncClient(base_url=url, timeout=30) as c:
        sid = (
            await c.post("/api/v1/ai-sessions", json={"problem_summary": title}, headers=ana)
        ).json()["id"]
        r = await c.post(
            f"/api/v1/ai-sessions/{sid}/handoff", json={"intent": "escalate"}, headers=ana
        )
        assert r.status_code == 201, r.text
        handoff = r.json()["id"]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = await _page(browser)
        await sign_in(page, url, ana_email)
        await page.get_by_role("link", name="Queue").click()
        item = page.get_by_test_id("queue-item").filter(has_text=title)
        await expect(item).to_be_visible()
        # Ben claims it first, from another screen.
        async with httpx.AsyncClient(base_url=url, timeout=30) as c:
            won = await c.post(
                f"/api/v1/ai-sessions/{sid}/handoffs/{handoff}/claim", json={}, headers=ben
            )
            assert won.status_code == 200, won.text
        await item.get_by_role("button", name=f"Claim {title}").click()
        taken = page.get_by_test_id("queue-item-taken").filter(has_text=title)
        await expect(taken).to_contain_text("Already claimed by Ben")
        await expect(page.get_by_test_id("queue-item").filter(has_text=title)).to_have_count(0)
        await taken.get_by_role("button", name=f"Dismiss {title}").click()
        await expect(taken).to_have_count(0)
        await browser.close()


async def test_resuming_your_own_park_is_a_resume_not_a_pickup(  # type: ignore[no-untyped-def]
    offline_server, two_engineers
) -> None:
    ana_email, _ = two_engineers
    url = offline_server.url
    async with httpx.AsyncClient(base_url=url, timeout=30) as c:
        r = await c.post("/api/v1/auth/login", json={"email": ana_email, "password": PASSWORD})
        ana = {"Authorization": f"Bearer {r.json()['access_token']}"}
        title = "Scanner to e-mail fails on the Ricoh in reception"
        sid = (
            await c.post("/api/v1/ai-sessions", json={"problem_summary": title}, headers=ana)
        ).json()["id"]
        parked = await c.post(
            f"/api/v1/ai-sessions/{sid}/handoff",
            json={"intent": "park", "waiting_on": "Client to send the SMTP password"},
            headers=ana,
        )
        assert parked.status_code == 201, parked.text
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = await _page(browser)
        await sign_in(page, url, ana_email)
        await page.goto(f"{url}/sessions/{sid}")
        await page.get_by_role("button", name="Resume", exact=True).click()
        await expect(page.get_by_text("active", exact=True).first).to_be_visible()
        await expect(page.get_by_test_id("briefing")).to_have_count(0)
        # Who worked it, as well as the totals.
        await expect(page.get_by_test_id("time-per-engineer")).to_contain_text("Ana")
        await page.get_by_text("Handoff history (1)").click()
        await expect(page.get_by_text("resumed by Ana")).to_be_visible()
        await browser.close()


async def test_an_escalation_is_claimed_from_its_notification(
    offline_server, two_engineers
) -> None:  # type: ignore[no-untyped-def]
    ana_email, ben_email = two_engineers
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        ana, ben = await _page(browser), await _page(browser)
        await sign_in(ana, offline_server.url, ana_email)
        await sign_in(ben, offline_server.url, ben_email)
        await start_session(ana, "Shared printer offline for the accounts team")
        await expect(ana.get_by_test_id("streaming")).to_have_count(0, timeout=40_000)
        await ana.get_by_role("button", name="Hand off").click()
        dialog = ana.get_by_role("dialog", name="Hand off this session")
        await dialog.get_by_label("Notes for whoever picks it up").fill("Needs the print server")
        await dialog.get_by_role("button", name="Escalate").click()
        await expect(ana.get_by_role("dialog")).to_have_count(0)

        await ben.reload()
        await ben.get_by_role("button", name="Notifications (1 unread)").click()
        menu = ben.get_by_test_id("notifications-menu")
        await menu.get_by_role("button", name="Claim Escalated: Shared printer offline").click()
        briefing = ben.get_by_test_id("briefing")
        await expect(briefing).to_contain_text("Needs the print server", timeout=15_000)
        await expect(ben.get_by_role("heading", level=1)).to_contain_text("Shared printer offline")
        await check_a11y(ben, "a session claimed from a notification")
        await browser.close()
