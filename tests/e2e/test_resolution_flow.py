from __future__ import annotations

import os

import pytest
from playwright.async_api import Page, expect

from tests.e2e.a11y import check_a11y
from tests.e2e.test_chat_flow import sign_in, start_session

pytestmark = pytest.mark.e2e


async def test_resolve_edit_publish_and_copy(page: Page, offline_server, login_user: str) -> None:  # type: ignore[no-untyped-def]
    await page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=offline_server.url
    )
    await sign_in(page, offline_server.url, login_user)
    await start_session(page, "Printer jobs stuck in the queue at reception")
    await expect(page.get_by_test_id("streaming")).to_have_count(0, timeout=45_000)
    await expect(page.locator("article[data-role=assistant]")).to_have_count(1)
    await page.get_by_role("button", name="Mark resolved").click()
    dialog = page.get_by_role("dialog", name="Resolve this session")
    await dialog.get_by_label("What fixed it?").fill("Restarted the print spooler")
    await check_a11y(page, "the resolve dialog")
    await dialog.get_by_role("button", name="Resolve").click()

    panel = page.get_by_test_id("outputs-panel")
    await expect(panel).to_be_visible()
    await panel.get_by_role("button", name="Generate now").click()
    await expect(panel.get_by_role("tab", name="KB article")).to_be_visible()
    await check_a11y(page, "the resolution panel")
    await panel.get_by_role("tab", name="KB article").click()
    await expect(panel.get_by_test_id("output-text")).to_contain_text(
        "Printer jobs stuck in the queue"
    )

    await panel.get_by_role("button", name="Edit").click()
    editor = panel.get_by_label("Edit KB article")
    await editor.fill((await editor.input_value()) + "\n\nChecked by the team lead.")
    await panel.get_by_role("button", name="Save edit").click()
    await expect(panel.get_by_test_id("output-text")).to_contain_text("Checked by the team lead.")
    await panel.get_by_role("button", name="Publish to KB library").click()
    await expect(panel.get_by_role("status")).to_have_text("Published to the KB library")
    await expect(panel.get_by_role("tab", name="KB article")).to_contain_text("pushed")

    await panel.get_by_role("tab", name="Client summary").click()
    await panel.get_by_role("button", name="Copy", exact=True).click()
    await expect(panel.get_by_role("status")).to_have_text("Copied to the clipboard")
    copied = await page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Hello,") and "Printer jobs stuck in the queue" in copied
    await expect(panel.get_by_role("tab", name="Client summary")).to_contain_text("draft")
    if os.environ.get("FLOWPILOT_SCREENSHOTS"):
        await page.screenshot(path="test-results/resolution.png", full_page=True)


async def test_only_steps_marked_done_reach_the_ticket_notes(
    page: Page, offline_server, login_user: str
) -> None:  # type: ignore[no-untyped-def]
    await sign_in(page, offline_server.url, login_user)
    await start_session(page, "Printer jobs stuck in the queue at reception")
    # A step appears once the answer is saved: waiting for "no stream" alone can pass before the
    # stream has started.
    first = page.get_by_test_id("step-report").last
    await expect(first).to_have_attribute("data-state", "suggested", timeout=45_000)
    first_title = (await first.locator("span.font-medium").inner_text()).strip()
    await first.get_by_role("button", name=f"Mark done: {first_title}").click()
    await page.get_by_label("What did you find?").fill("Queue had 14 stuck jobs from one PC")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_test_id("step-report").last).to_have_attribute("data-state", "done")

    await page.get_by_role("textbox", name="Message").fill("Any other idea?")
    await page.keyboard.press("Enter")
    await expect(page.locator("article[data-role=assistant]")).to_have_count(2, timeout=40_000)
    await expect(page.get_by_test_id("streaming")).to_have_count(0, timeout=40_000)
    second = page.get_by_test_id("step-report").last
    await expect(second).to_have_attribute("data-state", "suggested", timeout=15_000)
    second_title = (await second.locator("span.font-medium").inner_text()).strip()
    await second.get_by_role("button", name=f"Skip: {second_title}").click()
    await expect(page.get_by_test_id("step-report").last).to_have_attribute("data-state", "skipped")
    if os.environ.get("FLOWPILOT_SCREENSHOTS"):
        await page.screenshot(path="test-results/step-reports.png", full_page=True)

    await page.get_by_role("button", name="Mark resolved").click()
    dialog = page.get_by_role("dialog", name="Resolve this session")
    await dialog.get_by_label("What fixed it?").fill(
        "Cleared the stuck jobs and restarted the spooler"
    )
    await dialog.get_by_role("button", name="Resolve").click()
    panel = page.get_by_test_id("outputs-panel")
    await panel.get_by_role("button", name="Generate now").click()
    await panel.get_by_role("tab", name="PSA ticket notes").click()
    notes = panel.get_by_test_id("output-text")
    await expect(notes).to_contain_text("Queue had 14 stuck jobs from one PC")
    text = await notes.inner_text()
    work = text.split("Work performed:")[1].split("Resolution:")[0]
    assert first_title in work and second_title not in work, text
    assert "**" not in text
