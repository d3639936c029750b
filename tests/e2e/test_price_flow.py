"""An admin edits a model's price on the Usage page: a refused figure shows the server's
reason, a saved one reprices the answers already given, and resetting it goes back to the
shipped price."""

from __future__ import annotations

import os

import pytest
from playwright.async_api import Page, expect

from tests.e2e.a11y import check_a11y
from tests.e2e.test_chat_flow import sign_in, start_session
from tests.e2e.test_small_screens import fits

pytestmark = pytest.mark.e2e

ROW = "anthropic/claude-sonnet-4"


async def test_an_admin_edits_a_price_and_resets_it(
    page: Page, database, worker_database_uri: str
) -> None:  # type: ignore[no-untyped-def]
    from tests.api.test_usage import PricedModel
    from tests.e2e.conftest import new_account_user
    from tests.live import start_server

    # claude-sonnet-4-5: 1000 in, 500 out, 100 cache write, 2000 cache read per answer.
    live = start_server(PricedModel(), DATABASE_URL=worker_database_uri)
    try:
        admin = await new_account_user(database, "admin")
        await sign_in(page, live.url, admin)
        await start_session(page, "Users at the branch office cannot resolve intranet names")
        await expect(page.locator("article[data-role=assistant]")).to_have_count(1, timeout=15_000)
        await expect(page.get_by_role("button", name="Send")).to_be_visible()  # answer saved
        await page.get_by_role("link", name="Usage").click()
        total = page.get_by_test_id("usage-total")
        await expect(total).to_contain_text("$0.0115 for 1 answer")  # $3 / $15 / $3.75 / $0.30

        prices = page.get_by_test_id("ai-prices")
        row = prices.get_by_test_id("price-row").filter(has_text=ROW + " ")
        await expect(row).to_contain_text("Default")
        await prices.get_by_role("button", name=f"Edit {ROW}", exact=True).click()
        form = prices.get_by_role("form", name=f"Price for {ROW}")
        await form.get_by_label("Input ($ per million)").fill("10")
        await form.get_by_label("Output ($ per million)").fill("20")
        await form.get_by_label("Cache write ($ per million)").fill("0")
        # Finer than the millionth of a dollar: the server's reason is shown.
        await form.get_by_label("Cache read ($ per million)").fill("0.0000001")
        await form.get_by_role("button", name="Save price").click()
        await expect(prices.get_by_role("alert")).to_contain_text(
            "cache_read_per_million: Decimal input should have no more than 6 decimal places"
        )
        await form.get_by_label("Cache read ($ per million)").fill("1")
        await form.get_by_role("button", name="Save price").click()
        await expect(prices.get_by_role("status")).to_have_text(f"Price saved for {ROW}")
        await expect(prices.get_by_role("alert")).to_have_count(0)
        await expect(form).to_have_count(0)
        await expect(row).to_contain_text("Your price")
        await expect(row).to_contain_text("default $3 / $15 / $3.75 / $0.3")
        # The answer already given is priced again: 1000 × $10 + 500 × $20 + 2000 × $1.
        await expect(total).to_contain_text("$0.0220 for 1 answer")
        await check_a11y(page, "the usage page with the price table")
        if os.environ.get("FLOWPILOT_SCREENSHOTS"):
            await page.screenshot(path="test-results/prices.png", full_page=True)

        await prices.get_by_role("button", name=f"Reset to default: {ROW}").click()
        await expect(prices.get_by_role("status")).to_have_text(
            f"{ROW} is back to the default price"
        )
        await expect(row).to_contain_text("Default")
        await expect(total).to_contain_text("$0.0115 for 1 answer")
        # On a phone the table scrolls within its box, not the page.
        await page.set_viewport_size({"width": 390, "height": 844})
        await fits(page, "the usage page")
    finally:
        live.stop()
