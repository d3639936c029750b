"""An admin adds a team and an engineer from the web app; the engineer signs in; once
deactivated, they cannot."""

from __future__ import annotations

import os
import uuid

import pytest
from playwright.async_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.a11y import check_a11y
from tests.e2e.conftest import new_account_user
from tests.e2e.test_chat_flow import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
async def admin_email(database) -> str:  # type: ignore[no-untyped-def]
    return await new_account_user(database, "admin", team=None)  # no team: the test adds one


async def sign_out(page: Page) -> None:
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()


async def test_admin_adds_a_team_and_an_engineer(
    page: Page, offline_server, admin_email: str
) -> None:  # type: ignore[no-untyped-def]
    newcomer = f"new-{uuid.uuid4().hex[:8]}@example.com"
    await sign_in(page, offline_server.url, admin_email)
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_role("form", name="New team").get_by_label("New team").fill("Network")
    await page.get_by_role("button", name="Add team").click()
    await expect(page.get_by_test_id("team-chip")).to_contain_text("Network (0)")

    form = page.get_by_role("form", name="New user")
    await form.get_by_label("E-mail").fill(newcomer)
    await form.get_by_label("Full name").fill("Nia Newcomer")
    await form.get_by_label("Initial password").fill(PASSWORD)
    await form.get_by_label("Role").select_option("lead")
    await form.get_by_label("Network").check()
    await form.get_by_role("button", name="Add user").click()
    await expect(page.get_by_role("status")).to_have_text(f"{newcomer} can now sign in")
    row = page.get_by_test_id("user-row").filter(has_text=newcomer)
    await expect(row.get_by_label("Network")).to_be_checked()
    await expect(page.get_by_test_id("team-chip")).to_contain_text("Network (1)")
    await check_a11y(page, "the settings page")
    await row.get_by_label(f"Role of {newcomer}").select_option("engineer")
    await expect(page.get_by_role("status")).to_have_text(f"{newcomer} is now engineer")
    if os.environ.get("FLOWPILOT_SCREENSHOTS"):
        await page.screenshot(path="test-results/people.png")

    await sign_out(page)
    await sign_in(page, offline_server.url, newcomer)
    await expect(page.get_by_role("link", name="Settings")).to_have_count(0)
    await sign_out(page)

    await sign_in(page, offline_server.url, admin_email)
    await page.get_by_role("link", name="Settings").click()
    row = page.get_by_test_id("user-row").filter(has_text=newcomer)
    await row.get_by_role("button", name="Deactivate").click()
    await expect(row).to_contain_text("inactive")
    await sign_out(page)

    await page.get_by_label("E-mail").fill(newcomer)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_be_visible()
