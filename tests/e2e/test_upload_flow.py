from __future__ import annotations

import base64
import os
import re

import pytest
from playwright.async_api import Page, expect

from tests.e2e.a11y import check_a11y
from tests.e2e.test_chat_flow import sign_in, start_session

pytestmark = pytest.mark.e2e

# A 2x2 PNG.
PNG_B64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAFklEQVR42mP8z8DwHwMYGBgYGBgAAP8JAQHnR8rV"
    "AAAAAElFTkSuQmCC"
)


PASTE = """
(b64) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const file = new File([bytes], "image.png", { type: "image/png" });
  const data = new DataTransfer();
  data.items.add(file);
  const event = new ClipboardEvent(
    "paste", { clipboardData: data, bubbles: true, cancelable: true });
  document.querySelector("#composer").dispatchEvent(event);
}
"""


async def test_paste_screenshot_see_description_and_send(
    page: Page, server_with_worker, login_user: str
) -> None:  # type: ignore[no-untyped-def]
    await sign_in(page, server_with_worker.url, login_user)
    await start_session(page, "Outlook shows an error dialog at start")
    await expect(page.get_by_test_id("streaming")).to_have_count(0, timeout=45_000)

    await page.get_by_role("textbox", name="Message").focus()
    await page.evaluate(PASTE, PNG_B64)
    card = page.get_by_label("Attachments").get_by_test_id("upload-card")
    await expect(card).to_have_count(1)
    await expect(card.get_by_role("img")).to_be_visible()
    await expect(card.get_by_test_id("upload-description")).to_contain_text(
        "PNG screenshot, 2x2", timeout=20_000
    )

    await page.get_by_role("textbox", name="Message").fill("This dialog appears right after launch")
    await page.keyboard.press("Enter")
    sent = page.locator("article[data-role=user]").last
    await expect(sent).to_contain_text("This dialog appears right after launch")
    await expect(sent.get_by_test_id("upload-card")).to_have_count(1)
    await expect(page.locator("article[data-role=assistant]")).to_have_count(2, timeout=15_000)
    await expect(page.get_by_label("Attachments")).to_have_count(0)  # the draft is cleared
    branch_files = page.get_by_role("navigation", name="Branch map").get_by_role(
        "list", name="Files on Main"
    )
    await expect(branch_files).to_contain_text("screenshot-")
    await check_a11y(page, "a session with an upload")

    # The preview opens a lightbox that closes on Escape and on a click outside the image,
    # and gives the focus back to the thumbnail.
    thumb = sent.get_by_role("button", name=re.compile(r"^Preview screenshot-"))
    lightbox = page.get_by_role("dialog", name=re.compile(r"^screenshot-"))
    # (after the turn's last requests, whose answers move the page under the pointer)
    await expect(page.get_by_test_id("streaming")).to_have_count(0)
    await page.wait_for_load_state("networkidle")
    await thumb.click()
    await expect(lightbox).to_be_visible()
    await expect(lightbox.get_by_role("button", name="Close preview")).to_be_focused()
    await check_a11y(page, "the image lightbox")
    await page.keyboard.press("Escape")
    await expect(lightbox).to_have_count(0)
    await expect(thumb).to_be_focused()
    await thumb.click()
    await lightbox.click(position={"x": 5, "y": 5})
    await expect(lightbox).to_have_count(0)
    if os.environ.get("FLOWPILOT_SCREENSHOTS"):
        await page.screenshot(path="test-results/upload.png", full_page=True)
    assert base64.b64decode(PNG_B64)[:4] == b"\x89PNG"
