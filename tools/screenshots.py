"""Screenshots of every page, desktop (1440 × 900) and phone (390 × 844), without signing in by
hand: starts FlowPilot (offline AI, its own embedded PostgreSQL under .flowpilot/screenshots,
the demo account), signs in as the demo admin in headless Chromium and saves each page.

    make screenshots            # → screenshots/*.png (not committed)
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from playwright.async_api import Page, async_playwright, expect

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "screenshots"
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
VIEWPORTS = {"desktop": (1440, 900), "phone": (390, 844)}
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def start_server() -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FLOWPILOT_DATA_DIR": str(ROOT / ".flowpilot" / "screenshots"),
        "FLOWPILOT_PROVIDER": "offline",
        "FLOWPILOT_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "flowpilot.cli", "serve", "--port", str(PORT)], env=env, cwd=ROOT
    )
    deadline = time.time() + 180
    while time.time() < deadline:
        if server.poll() is not None:
            raise SystemExit("FlowPilot did not start (see its output above)")
        try:
            if httpx.get(f"{BASE}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.kill()
    raise SystemExit("FlowPilot did not answer on /healthz within 180 s")


async def shoot(page: Page, name: str) -> None:
    await page.wait_for_load_state("networkidle")
    path = OUT / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    print(f"  {path.relative_to(ROOT)}")


async def pages(page: Page, label: str) -> None:
    from flowpilot.demo import DEMO_EMAIL, DEMO_PASSWORD

    await page.goto(BASE + "/")
    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    await shoot(page, f"{label}-login")
    await page.get_by_label("E-mail").fill(DEMO_EMAIL)
    await page.get_by_label("Password").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="New troubleshooting session")).to_be_visible()
    # The demo's branched session (forked hypotheses, a dead end, a revival).
    demo_session = page.get_by_role("link", name=re.compile("VPN")).first
    await expect(demo_session).to_be_visible()
    await shoot(page, f"{label}-sessions")
    await demo_session.click()
    await expect(page.get_by_role("navigation", name="Branch map")).to_be_visible()
    await shoot(page, f"{label}-session")
    for path, name in (("/queue", "queue"), ("/library", "library"), ("/usage", "usage")):
        await page.goto(BASE + path)
        await shoot(page, f"{label}-{name}")
    await page.goto(BASE + "/settings")
    await shoot(page, f"{label}-settings")


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    server = start_server()
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM)
            for label, (width, height) in VIEWPORTS.items():
                print(f"{label} ({width} × {height}):")
                context = await browser.new_context(viewport={"width": width, "height": height})
                await pages(await context.new_page(), label)
                await context.close()
            await browser.close()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    asyncio.run(main())
