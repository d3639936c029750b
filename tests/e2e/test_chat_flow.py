from __future__ import annotations

import os

import pytest
from playwright.async_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.a11y import check_a11y
from tests.fakes.llm import openai_error
from tests.fakes.server import Canned, openai_ok

pytestmark = pytest.mark.e2e
OUTLOOK = "Outlook keeps asking for a password on one laptop"


async def sign_in(page: Page, base: str, email: str) -> None:
    await page.goto(base + "/")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="New troubleshooting session")).to_be_visible()


async def start_session(page: Page, problem: str) -> None:
    await page.get_by_label("What is the problem?").fill(problem)
    await page.get_by_role("button", name="Start session").click()


async def test_login_create_session_and_see_streamed_offline_answer(
    page: Page, offline_server, login_user: str
) -> None:  # type: ignore[no-untyped-def]
    await page.goto(offline_server.url + "/")
    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    await check_a11y(page, "the login page")
    await sign_in(page, offline_server.url, login_user)
    await expect(page.get_by_test_id("offline-badge")).to_be_visible()
    await expect(page.get_by_text("No sessions here yet.")).to_be_visible()
    await check_a11y(page, "the sessions page")
    await start_session(page, OUTLOOK)
    # The reply streams: the in-progress bubble shows partial text before the final message lands.
    await expect(page.get_by_test_id("streaming")).to_be_visible()
    answer = page.locator("article[data-role=assistant]").last
    await expect(answer).to_contain_text("Outlook keeps asking for a password", timeout=15_000)
    await expect(answer).to_contain_text("Offline mode")
    # Offline answers stream at 25 ms a word here (slow enough to stop one mid-way).
    await expect(answer).to_contain_text("Next check:", timeout=40_000)
    await expect(page.get_by_test_id("streaming")).to_have_count(0, timeout=40_000)
    await check_a11y(page, "a session page")
    # One answer copies on its own (for a ticket, a chat with the client).
    await page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=offline_server.url
    )
    await answer.get_by_role("button", name="Copy this answer").click()
    await expect(answer.get_by_text("Copied")).to_be_visible()
    copied = await page.evaluate("navigator.clipboard.readText()")
    assert "Outlook keeps asking for a password" in copied and "Next check:" in copied

    # A follow-up gets the next playbook step, and the page survives a reload.
    await page.get_by_role("textbox", name="Message").fill("Only this laptop; OWA works")
    await page.keyboard.press("Enter")
    await expect(page.locator("article[data-role=assistant]").last).to_contain_text(
        "Known so far", timeout=15_000
    )
    await expect(page.get_by_test_id("streaming")).to_have_count(0, timeout=40_000)
    await page.reload()
    await expect(page.locator("article[data-role=assistant]")).to_have_count(2)
    # Stop mid-answer: the partial text stays, marked as stopped. Stop is pressed as soon as
    # it shows (a stop sent before the server confirms the message waits for it): on a loaded
    # machine, waiting for the first words first left too little of the answer to stop.
    await page.get_by_role("textbox", name="Message").fill(
        "Cleared credential manager, still prompting"
    )
    await page.keyboard.press("Enter")
    await page.get_by_role("button", name="Stop").click()
    await expect(page.get_by_text("Stopped before the end.")).to_be_visible(timeout=15_000)
    stopped = page.locator("article[data-role=assistant]").last
    await expect(stopped).to_contain_text("Offline mode")
    await expect(page.get_by_role("textbox", name="Message")).to_be_enabled()
    if os.environ.get("FLOWPILOT_SCREENSHOTS"):
        await page.screenshot(path="test-results/session-offline.png", full_page=True)


async def test_provider_failure_then_retry_succeeds(
    page: Page, openai_server, vendors, login_user: str
) -> None:  # type: ignore[no-untyped-def]
    vendors.openai.push(Canned(500, openai_error("upstream exploded")))
    vendors.openai.push(openai_ok("Check ", "the DNS ", "suffix first.", model="gpt-4o-mini"))
    await sign_in(page, openai_server.url, login_user)
    await start_session(page, "Users at the branch office cannot resolve intranet names")
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("unavailable or overloaded (500)", timeout=15_000)
    # The user's message is still there, and one click retries it.
    await expect(page.locator("article[data-role=user]")).to_have_count(1)
    await alert.get_by_role("button", name="Retry").click()
    await expect(page.locator("article[data-role=assistant]").last).to_contain_text(
        "Check the DNS suffix first.", timeout=15_000
    )
    await expect(page.get_by_role("alert")).to_have_count(0)
    await expect(page.get_by_test_id("usage")).to_contain_text("30 / 12")
    await expect(page.get_by_test_id("turn-usage")).to_have_text("30 in · 12 out tokens")
    # What it cost: gpt-4o-mini at $0.15 / $0.60 per million tokens in / out.
    await expect(page.get_by_test_id("session-cost")).to_contain_text("$0.000012")
    await page.get_by_role("link", name="Usage").click()
    await expect(page.get_by_test_id("usage-total")).to_contain_text("$0.000012 for 1 answer ")
    await page.get_by_label("By").select_option("session")
    await expect(page.get_by_role("cell", name="Users at the branch office")).to_be_visible()
    await check_a11y(page, "the usage page")


async def test_a_used_up_blocking_budget_refuses_a_turn_and_keeps_the_draft(
    page: Page, database, worker_database_uri: str
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from tests.api.test_usage import PricedModel
    from tests.e2e.conftest import new_account_user
    from tests.live import start_server

    # A hosted model with a list price (a model on the MSP's own network would cost nothing).
    live = start_server(PricedModel(), DATABASE_URL=worker_database_uri)
    try:
        admin = await new_account_user(database, "admin")
        await sign_in(page, live.url, admin)
        await page.get_by_role("link", name="Usage").click()
        budget = page.get_by_test_id("ai-budget")
        await budget.get_by_label("Monthly budget (US $)").fill("0.01")
        await budget.get_by_label("At 100 %").select_option("block")
        await budget.get_by_role("button", name="Save budget").click()
        await expect(budget.get_by_role("status")).to_have_text("Budget saved")
        await expect(budget.get_by_test_id("ai-budget-status")).to_contain_text("of $0.01 used")
        await check_a11y(page, "the usage page with a budget")

        await page.get_by_role("link", name="Sessions").click()
        await start_session(page, "Users at the branch office cannot resolve intranet names")
        answer = page.locator("article[data-role=assistant]")
        await expect(answer).to_have_count(1, timeout=15_000)
        await expect(page.get_by_role("button", name="Send")).to_be_visible()  # stream closed
        async with database.sessionmaker() as db:  # later answers took it over the budget
            await db.execute(
                text(
                    "UPDATE ai_spend_months SET cost_usd = 0.02 WHERE user_id IS NULL"
                    " AND account_id = (SELECT account_id FROM users WHERE email = :e)"
                ),
                {"e": admin},
            )
            await db.commit()
        box = page.get_by_role("textbox", name="Message")
        await box.fill("nslookup of intranet.local from the branch times out")
        async with page.expect_response(
            lambda r: r.request.method == "POST" and r.url.endswith("/messages")
        ) as sent:
            await box.press("Enter")
        assert (await sent.value).status == 402
        alert = page.get_by_role("alert")
        await expect(alert).to_contain_text("AI budget is used up", timeout=15_000)
        # Nothing was written, and what the engineer typed is back in the box.
        await expect(box).to_have_value("nslookup of intranet.local from the branch times out")
        await expect(page.locator("article[data-role=user]")).to_have_count(1)
        await expect(answer).to_have_count(1)
    finally:
        live.stop()


async def test_a_session_without_a_ticket_records_client_contact_and_device(
    page: Page, offline_server, login_user: str
) -> None:  # type: ignore[no-untyped-def]
    await sign_in(page, offline_server.url, login_user)
    form = page.get_by_role("form", name="Describe the problem")
    await form.get_by_label("What is the problem?").fill("Scanner stopped sending to e-mail")
    await form.get_by_label("Client").fill("Acme Dental")
    await form.get_by_label("Contact").fill("Dana at reception")
    await form.get_by_label("Device").fill("ACME-MFP-01")
    await form.get_by_role("button", name="Start session").click()
    await expect(page.get_by_test_id("intake-client")).to_have_text("Acme Dental")
    await expect(page.get_by_test_id("intake-contact")).to_have_text("Dana at reception")
    await expect(page.get_by_test_id("intake-device")).to_have_text("ACME-MFP-01")
    await expect(page.locator("article[data-role=assistant]")).to_have_count(1, timeout=15_000)
    await check_a11y(page, "a session with its client, contact and device")
