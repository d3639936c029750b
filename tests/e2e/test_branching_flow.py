from __future__ import annotations

import os
import re

import pytest
from playwright.async_api import Page, expect

from tests.e2e.a11y import check_a11y
from tests.e2e.test_chat_flow import sign_in, start_session

pytestmark = pytest.mark.e2e
PROBLEM = "Users cannot reach the file server over VPN, names do not resolve"


async def press(page: Page, name: str) -> None:
    """Activate a control from the keyboard: focus it, press Enter."""
    control = page.get_by_role("button", name=name, exact=True)
    await control.focus()
    await page.keyboard.press("Enter")


async def test_fork_switch_dead_end_revive_compare(
    page: Page, offline_server, login_user: str
) -> None:  # type: ignore[no-untyped-def]
    await sign_in(page, offline_server.url, login_user)
    await start_session(page, PROBLEM)
    card = page.get_by_test_id("fork-card")
    # The card comes when the first answer has finished streaming (25 ms a word here; a long
    # answer on a loaded machine takes more than 15 s).
    await expect(card).to_contain_text("The assistant suggests", timeout=45_000)
    # The suggestions are the playbooks that fit the problem about equally (DNS, VPN, …).
    dns = "DNS names do not resolve"

    def hypothesis(n: int):  # type: ignore[no-untyped-def]
        return card.get_by_role("textbox", name=f"Hypothesis {n}", exact=True)

    await expect(hypothesis(2)).to_have_value(re.compile(r"\w"))
    offered = [await hypothesis(n).input_value() for n in (1, 2)]
    assert any("DNS" in o for o in offered) and any("VPN" in o for o in offered), offered
    while await hypothesis(3).count():
        await card.get_by_role("button", name="Remove hypothesis 3").click()
    await hypothesis(1).fill(dns)
    await hypothesis(2).fill("VPN tunnel down")
    await card.get_by_role("button", name="Create 2 branches").click()

    branch_map = page.get_by_role("navigation", name="Branch map")
    # The fork, then the tree read again: seconds on a loaded CI machine.
    await expect(branch_map.get_by_test_id("branch-node")).to_have_count(3, timeout=15_000)
    await expect(page.get_by_test_id("active-branch")).to_have_text(dns)
    await expect(page.get_by_test_id("fork-card")).to_have_count(0)

    # The drawn tree: arrow keys move from the branch being worked to its sibling, Enter
    # switches to it; then back to the DNS branch the same way.
    tree = page.get_by_role("tree", name="Branch tree")
    await expect(tree.get_by_role("treeitem")).to_have_count(3)
    on_dns = tree.get_by_role("treeitem", name=re.compile(f"^{dns}, active"))
    await expect(on_dns).to_have_attribute("aria-selected", "true")
    await on_dns.focus()
    await page.keyboard.press("ArrowDown")
    vpn_item = tree.get_by_role("treeitem", name=re.compile("^VPN tunnel down"))
    await expect(vpn_item).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("active-branch")).to_have_text("VPN tunnel down")
    await expect(vpn_item).to_have_attribute("aria-selected", "true")
    await page.keyboard.press("ArrowUp")
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("active-branch")).to_have_text(dns)

    # Switch with the keyboard, then mark the branch a dead end.
    await press(page, "Switch to branch VPN tunnel down")
    await expect(page.get_by_test_id("active-branch")).to_have_text("VPN tunnel down")
    await press(page, "Actions for VPN tunnel down")
    await press(page, "Mark dead end")
    form = page.get_by_role("form", name="Mark dead end")
    await form.get_by_label("Why is it ruled out?").fill(
        "Tunnel is up; pings to the server by IP work"
    )
    await form.get_by_role("button", name="Mark dead end").click()
    vpn_node = branch_map.locator("[data-branch='VPN tunnel down']")
    await expect(vpn_node).to_contain_text("dead end")
    await expect(page.get_by_role("textbox", name="Message")).to_be_disabled()

    # Back on the DNS branch the transition bar says what the VPN branch concluded.
    await press(page, f"Switch to branch {dns}")
    await expect(page.get_by_test_id("transition-bar")).to_contain_text("Tunnel is up")
    await check_a11y(page, "a session with branches and a dead end")

    # Revive the dead end with evidence from the DNS branch.
    await press(page, "Actions for VPN tunnel down")
    await press(page, "Revive")
    revive = page.get_by_role("form", name="Revive VPN tunnel down")
    await revive.get_by_label("Evidence from branch").select_option(label=dns)
    await revive.get_by_label("What did it show?").fill("Split DNS only answers inside the tunnel")
    await revive.get_by_role("button", name="Revive").click()
    await expect(vpn_node).to_contain_text("revived")

    # Compare the two hypotheses.
    await branch_map.get_by_label(f"Compare {dns}").check()
    await branch_map.get_by_label("Compare VPN tunnel down").check()
    await press(page, "Compare selected")
    panel = page.get_by_test_id("compare-panel")
    await expect(panel).to_contain_text(dns)
    await expect(panel).to_contain_text("Split DNS only answers inside the tunnel")
    await check_a11y(page, "the branch comparison")
    if os.environ.get("FLOWPILOT_SCREENSHOTS"):
        await page.screenshot(path="test-results/branching.png", full_page=True)
