"""An admin connects a (faked) ConnectWise; an engineer starts from ticket 4242, resolves,
edits and publishes the KB article, approves the notes and pushes them to the ticket."""

from __future__ import annotations

import os

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import new_account_user
from tests.e2e.test_chat_flow import sign_in
from tests.fakes.psa import FakePsa
from tests.live import LiveServer

pytestmark = pytest.mark.e2e


@pytest.fixture
async def admin_user(database) -> str:  # type: ignore[no-untyped-def]
    return await new_account_user(database, "admin")


async def connect_connectwise(page: Page, psa: FakePsa) -> None:
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_role("button", name="Add connection").click()
    form = page.get_by_role("form", name="New PSA connection")
    await form.get_by_label("Name").fill("Acme ConnectWise")
    await form.get_by_label("API URL").fill(f"{psa.url}/cw/apis/3.0")
    await form.get_by_label("Company ID").fill("acme")
    await form.get_by_label("Public key").fill("pub")
    await form.get_by_label("Private key").fill("priv")
    await form.get_by_label("Client ID (developer GUID)").fill("client-guid")
    await form.get_by_role("button", name="Save connection").click()
    row = page.get_by_test_id("psa-connection")
    await expect(row).to_contain_text("Not tested")
    await row.get_by_role("button", name="Test connection").click()
    await expect(row).to_contain_text("Works: ConnectWise v2025.1")
    if os.environ.get("FLOWPILOT_SCREENSHOTS"):
        await page.screenshot(path="test-results/settings.png", full_page=True)


async def test_connect_psa_start_from_ticket_resolve_publish_and_push(
    page: Page, server_with_worker: LiveServer, admin_user: str, psa: FakePsa
) -> None:
    await page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=server_with_worker.url
    )
    await sign_in(page, server_with_worker.url, admin_user)
    await connect_connectwise(page, psa)

    await page.get_by_role("link", name="Sessions").click()
    await page.get_by_role("button", name="From a PSA ticket").click()
    await page.get_by_label("Ticket number").fill("4242")
    await page.get_by_role("button", name="Look up").click()
    await expect(page.get_by_test_id("ticket-preview")).to_contain_text("Acme Ltd · Dana Scully")
    if os.environ.get("FLOWPILOT_SCREENSHOTS"):
        await page.screenshot(path="test-results/from-ticket.png")
    await page.get_by_role("button", name="Start from ticket #4242").click()
    await expect(
        page.get_by_role("heading", name="#4242 Outlook prompts for password")
    ).to_be_visible()
    await expect(page.locator("article[data-role=assistant]")).to_have_count(1, timeout=15_000)

    await page.get_by_role("button", name="Mark resolved").click()
    dialog = page.get_by_role("dialog", name="Resolve this session")
    await dialog.get_by_label("What fixed it?").fill("Re-registered the device with Entra ID")
    await dialog.get_by_role("button", name="Resolve").click()

    # The worker writes the documents; the panel picks them up.
    panel = page.get_by_test_id("outputs-panel")
    await expect(panel.get_by_role("tab", name="KB article")).to_be_visible(timeout=20_000)
    await panel.get_by_role("tab", name="KB article").click()
    await panel.get_by_role("button", name="Edit").click()
    editor = panel.get_by_label("Edit KB article")
    await editor.fill((await editor.input_value()) + "\n\nApplies to hybrid-joined laptops.")
    await panel.get_by_role("button", name="Save edit").click()
    await panel.get_by_role("button", name="Show changes").click()
    await expect(panel.get_by_test_id("output-diff")).to_contain_text(
        "added: Applies to hybrid-joined laptops."
    )
    await panel.get_by_role("button", name="Publish to KB library").click()
    await expect(panel.get_by_role("tab", name="KB article")).to_contain_text("pushed")

    await panel.get_by_role("tab", name="PSA ticket notes").click()
    push = panel.get_by_role("button", name="Push to Acme ConnectWise #4242")
    await expect(push).to_be_disabled()  # nothing reaches the ticket unreviewed
    await panel.get_by_role("button", name="Approve").click()
    await push.click()
    await expect(panel.get_by_test_id("push-result").first).to_have_text(
        "PSA · delivered", timeout=20_000
    )
    await expect(panel.get_by_role("tab", name="PSA ticket notes")).to_contain_text("pushed")
    assert psa.state.notes and psa.state.notes[-1]["ticketId"] == 4242
    assert psa.state.notes[-1]["internalAnalysisFlag"] is True

    await panel.get_by_role("button", name="Copy", exact=True).click()
    copied = await page.evaluate("navigator.clipboard.readText()")
    assert copied == psa.state.notes[-1]["text"]
    if os.environ.get("FLOWPILOT_SCREENSHOTS"):
        await page.screenshot(path="test-results/delivery.png", full_page=True)
