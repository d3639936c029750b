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
