"""axe-core in the browser tests: `await check_a11y(page, "what")` fails on any serious or critical
violation of the page as it is now (WCAG 2.x A/AA rules and axe's best practices)."""

from __future__ import annotations

from pathlib import Path

import axe_playwright_python
from playwright.async_api import Page

AXE_JS = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
FAIL_ON = {"serious", "critical"}

RUN = """
async () => {
  const result = await axe.run(document, {
    resultTypes: ["violations"],
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes
      .slice(0, 5)
      .map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
  }));
}
"""


async def axe_violations(page: Page) -> list[dict]:  # type: ignore[type-arg]
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated, not added as a <script>: the app's CSP (script-src 'self') blocks inline ones.
        await page.evaluate(AXE_JS + "\n;true")
    return list(await page.evaluate(RUN))


async def check_a11y(page: Page, where: str) -> None:
    """Fail on serious or critical violations, listing each rule with (up to 5 of) its nodes."""
    bad = [v for v in await axe_violations(page) if v["impact"] in FAIL_ON]
    if bad:
        lines = [f"axe: {len(bad)} serious/critical violation(s) on {where}:"]
        for v in bad:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
            lines += [f"    {n['target']}: {n['summary']}" for n in v["nodes"]]
        raise AssertionError("\n".join(lines))
