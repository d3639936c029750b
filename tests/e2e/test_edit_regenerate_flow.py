"""Edit-and-resend and regenerate in the browser: each makes a new branch, and the original
version stays reachable from the branch map."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.e2e.a11y import check_a11y
from tests.e2e.test_chat_flow import sign_in, start_session

pytestmark = pytest.mark.e2e
PROBLEM = "Outlook keeps asking for a password on one laptop"
ORIGINAL = "Only this laptop; OWA works"
EDITED = "Every laptop in the office, since this morning"


async def answered(page: Page, count: int) -> None:
    await expect(page.locator("article[data-role=assistant]")).to_have_count(count, timeout=40_000)
    await expect(page.get_by_test_id("streaming")).to_have_count(0, timeout=40_000)


async def test_edit_and_regenerate_make_branches_and_keep_the_original(
    page: Page, offline_server, login_user: str
) -> None:  # type: ignore[no-untyped-def]
    await sign_in(page, offline_server.url, login_user)
    await start_session(page, PROBLEM)
    await answered(page, 1)
    await page.get_by_role("textbox", name="Message").fill(ORIGINAL)
    await page.keyboard.press("Enter")
    await answered(page, 2)
    yours = page.locator("article[data-role=user]")

    # Edit the follow-up: an inline, labelled editor.
    await yours.filter(has_text=ORIGINAL).get_by_role("button", name="Edit").click()
    form = page.get_by_role("form", name="Edit message")
    field = form.get_by_label("Edited message")
    await expect(field).to_have_value(ORIGINAL)
    await check_a11y(page, "the message editor")
    await field.fill(EDITED)
    await form.get_by_role("button", name="Send as new branch").click()

    await expect(page.get_by_test_id("active-branch")).to_have_text(f"Edited: {ORIGINAL}")
    await answered(page, 2)
    await expect(yours.last).to_contain_text(EDITED)
    await expect(yours.filter(has_text=ORIGINAL)).to_have_count(0)
    await expect(yours).to_have_count(2)
    branch_map = page.get_by_role("navigation", name="Branch map")
    await expect(branch_map.get_by_test_id("branch-node")).to_have_count(2)

    # Both versions stay reachable: back on Main the original text and its answer are there.
    await branch_map.get_by_role("button", name="Switch to branch Main").click()
    await expect(page.get_by_test_id("active-branch")).to_have_text("Main")
    await expect(yours.last).to_contain_text(ORIGINAL)
    await expect(yours.filter(has_text=EDITED)).to_have_count(0)
    await expect(page.locator("article[data-role=assistant]")).to_have_count(2)

    # Regenerate the last answer on Main: a third branch with another answer to the same question.
    last = page.locator("article[data-role=assistant]").last
    await last.get_by_role("button", name="Regenerate").click()
    await expect(page.get_by_test_id("active-branch")).to_have_text(f"Regenerated: {ORIGINAL}")
    await answered(page, 2)
    await expect(yours.last).to_contain_text(ORIGINAL)
    await expect(branch_map.get_by_test_id("branch-node")).to_have_count(3)
