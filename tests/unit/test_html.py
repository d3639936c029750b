from flowpilot.integrations.html import markdown_to_html


def test_headings_lists_and_bold_become_html() -> None:
    md = "## Rule out first\n- **DNS**: <resolves>\n- VPN\n\n1. Re-register\n2. Reboot\nDone"
    assert markdown_to_html(md) == (
        "<h2>Rule out first</h2>\n<ul>\n<li><strong>DNS</strong>: &lt;resolves&gt;</li>\n"
        "<li>VPN</li>\n</ul>\n<ol>\n<li>Re-register</li>\n<li>Reboot</li>\n</ol>\n<p>Done</p>"
    )


def test_script_is_escaped() -> None:
    assert "<script>" not in markdown_to_html("<script>alert(1)</script>")
