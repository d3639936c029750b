"""A lead writes a playbook on the Library page; a session it fits offers it with its confidence;
an engineer in the account sees it but cannot change it."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.api.test_playbooks import LABTRACK_MD, TICKET
from tests.e2e.a11y import check_a11y
from tests.e2e.conftest import new_account_user
from tests.e2e.test_chat_flow import sign_in, start_session

pytestmark = pytest.mark.e2e
TITLE = "LabTrack client cannot reach its licence server"


@pytest.fixture
async def lead_email(database) -> str:  # type: ignore[no-untyped-def]
    return await new_account_user(database, "lead")


async def test_lead_writes_a_playbook_and_a_session_is_offered_it(
    page: Page, offline_server, lead_email: str
) -> None:  # type: ignore[no-untyped-def]
    await sign_in(page, offline_server.url, lead_email)
    await page.get_by_role("link", name="Library").click()
    await expect(page.get_by_role("heading", name="Playbook library")).to_be_visible()
    await expect(page.get_by_test_id("playbook-row").first).to_be_visible()
    await check_a11y(page, "the library")

    await page.get_by_role("button", name="New playbook").click()
    editor = page.get_by_label("Playbook text")
    await expect(editor).to_contain_text("# Short title of the problem")
    # A mistake is reported with the server's reason, and nothing is lost.
    await editor.fill(LABTRACK_MD.replace("Domain: Line-of-business apps\n", ""))
    await page.get_by_role("button", name="Save playbook").click()
    await expect(page.get_by_role("alert")).to_contain_text("'domain' must be a non-empty")
    await editor.fill(LABTRACK_MD)
    await page.get_by_label("What changed").fill("First version from the runbook")
    await page.get_by_role("button", name="Save playbook").click()
    await expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    await expect(page.get_by_text("yours · version 1")).to_be_visible()
    await expect(page.get_by_text("Get-Service LabTrackLic")).to_be_visible()
    await check_a11y(page, "a playbook page")

    # Edit: a new version, with the old one kept.
    await page.get_by_role("button", name="Edit").click()
    text = await page.get_by_label("Playbook text").input_value()
    await page.get_by_label("Playbook text").fill(text.replace("port 7410", "port 7411"))
    await page.get_by_label("What changed").fill("Port moved")
    await page.get_by_role("button", name="Save playbook").click()
    await expect(page.get_by_text("yours · version 2")).to_be_visible()
    versions = page.get_by_role("region", name="Versions")
    await expect(versions).to_contain_text("Port moved")
    await expect(versions).to_contain_text("First version from the runbook")

    # The library tells which playbook a ticket would get.
    await (
        page.get_by_role("button", name="Library")
        .or_(page.get_by_role("link", name="Library"))
        .first.click()
    )
    await page.get_by_label("Ticket text").fill(TICKET)
    await page.get_by_role("button", name="Rank").click()
    ranked = page.get_by_role("list", name="Ranked playbooks")
    await expect(ranked.locator("li").first).to_contain_text(TITLE)
    await expect(ranked.locator("li").first).to_contain_text("%")

    # A session the playbook fits is offered it, with its confidence.
    await page.get_by_role("link", name="Sessions").click()
    await start_session(page, TICKET)
    await expect(page.get_by_test_id("streaming")).to_have_count(0, timeout=40_000)
    focus = page.get_by_test_id("guide-focus")
    await expect(focus).to_contain_text(TITLE, timeout=40_000)
    await expect(focus).to_contain_text("% match")
    await expect(page.get_by_role("list", name="Known so far")).to_contain_text("LT-4012")
    await expect(page.locator("article[data-role=assistant]").last).to_contain_text(
        "Get-Service LabTrackLic"
    )
