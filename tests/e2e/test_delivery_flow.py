"""An admin connects a (faked) ConnectWise; an engineer starts from ticket 4242, resolves,
edits and publishes the KB article, approves the notes and pushes them to the ticket."""

from __future__ import annotations

import os
import re

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
    # The sections above load their lists and grow: clicking while they still move can land
    # on another element (seen under load).
    await page.wait_for_load_state("networkidle")
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


def people_of(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("psa-people")


async def map_by_email(page: Page, psa: FakePsa, email: str) -> None:
    """The admin opens the connection's people and looks themselves up at ConnectWise."""
    psa.state.cw_members.append(
        {
            "id": 190,
            "identifier": "fpadmin",
            "firstName": "Flow",
            "lastName": "Admin",
            "primaryEmail": email.upper(),  # ConnectWise compares addresses case-insensitively
            "officeEmail": "",
            "inactiveFlag": False,
        }
    )
    row = page.get_by_test_id("psa-connection")
    await row.get_by_role("button", name="People").click()
    people = people_of(page)
    await expect(people).to_contain_text("cannot push time")  # no fixed member
    person = people.get_by_test_id("psa-person-row").filter(has_text=email)
    await expect(person).to_contain_text("not mapped")
    await person.get_by_role("button", name=f"Look up {email} by e-mail").click()
    await expect(people.get_by_test_id("psa-people-notice")).to_have_text(
        "Mapped to ConnectWise member Flow Admin (fpadmin)"
    )
    await expect(person.get_by_test_id("psa-person-mapping")).to_contain_text(
        "Flow Admin · fpadmin"
    )


async def test_connect_psa_start_from_ticket_resolve_publish_and_push(
    page: Page, server_with_worker: LiveServer, admin_user: str, psa: FakePsa
) -> None:
    await page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=server_with_worker.url
    )
    await sign_in(page, server_with_worker.url, admin_user)
    await connect_connectwise(page, psa)
    await map_by_email(page, psa, admin_user)

    await page.get_by_role("link", name="Sessions").click()
    await page.get_by_role("button", name="From a PSA ticket").click()
    # The engineer finds the ticket by what it is about, not by its number.
    await page.get_by_label("Find ticket").fill("outlook")
    results = page.get_by_role("list", name="Matching open tickets")
    await expect(results.get_by_role("button", name=re.compile("#4242"))).to_be_visible()
    if os.environ.get("FLOWPILOT_SCREENSHOTS"):
        await page.screenshot(path="test-results/ticket-picker.png")
    await results.get_by_role("button", name=re.compile("#4242")).click()
    await expect(page.get_by_label("Ticket number")).to_have_value("4242")
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
    # Written as the admin's own member, and so is any time the session accrued.
    assert psa.state.notes[-1]["member"] == {"identifier": "fpadmin"}
    assert all(e["member"] == {"identifier": "fpadmin"} for e in psa.state.time_entries)

    await panel.get_by_role("button", name="Copy", exact=True).click()
    copied = await page.evaluate("navigator.clipboard.readText()")
    # What was copied is what was pushed, less the delivery reference the push appends.
    pushed, reference = psa.state.notes[-1]["text"].rsplit("\n\n", 1)
    assert copied == pushed and reference.startswith("(FlowPilot delivery FP-")
    if os.environ.get("FLOWPILOT_SCREENSHOTS"):
        await page.screenshot(path="test-results/delivery.png", full_page=True)


async def test_admin_maps_people_by_hand_when_the_lookup_finds_nobody(
    page: Page, offline_server: LiveServer, admin_user: str, psa: FakePsa
) -> None:
    await sign_in(page, offline_server.url, admin_user)
    await connect_connectwise(page, psa)
    await page.get_by_test_id("psa-connection").get_by_role("button", name="People").click()
    people = people_of(page)
    person = people.get_by_test_id("psa-person-row").filter(has_text=admin_user)
    await person.get_by_role("button", name=f"Look up {admin_user} by e-mail").click()
    await expect(people.get_by_test_id("psa-people-notice")).to_have_text(
        f"ConnectWise has no active member with the e-mail {admin_user}"
    )
    await expect(person).to_contain_text("not mapped")

    await person.get_by_role("button", name=f"Set the member of {admin_user}").click()
    other = person.get_by_role("form", name=f"Look up another e-mail for {admin_user}")
    await other.get_by_label("Their e-mail in the PSA").fill("old.tech@acme.example")
    await other.get_by_role("button", name="Look up").click()
    await expect(people.get_by_test_id("psa-people-notice")).to_contain_text(
        "only inactive: Old Tech (oldtech)"
    )
    await person.get_by_role("button", name=f"Set the member of {admin_user}").click()
    typed = person.get_by_role("form", name=f"Type in the person for {admin_user}")
    await typed.get_by_label("Member identifier").fill("jdoe")
    await typed.get_by_label("Shown as (optional)").fill("Jane Doe")
    await typed.get_by_role("button", name="Save").click()
    await expect(person.get_by_test_id("psa-person-mapping")).to_contain_text("Jane Doe · jdoe")
    await expect(person.get_by_test_id("psa-person-mapping")).to_contain_text("typed in")
    if os.environ.get("FLOWPILOT_SCREENSHOTS"):
        await page.screenshot(path="test-results/psa-people.png", full_page=True)
    await person.get_by_role("button", name=f"Remove the member of {admin_user}").click()
    await expect(person).to_contain_text("not mapped")
