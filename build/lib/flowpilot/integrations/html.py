"""Just enough Markdown → HTML for the documents FlowPilot writes (headings, lists, bold),
for vendors whose article bodies are HTML. Everything is escaped first."""

from __future__ import annotations

import html
import re

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def _inline(text: str) -> str:
    return _CODE.sub(r"<code>\1</code>", _BOLD.sub(r"<strong>\1</strong>", html.escape(text)))


def markdown_to_html(markdown: str) -> str:
    out: list[str] = []
    list_tag: str | None = None
    for line in markdown.splitlines():
        stripped = line.strip()
        item = re.match(r"^(?:[-*]|(\d+)\.)\s+(.*)$", stripped)
        tag = ("ol" if item.group(1) else "ul") if item else None
        if list_tag and tag != list_tag:
            out.append(f"</{list_tag}>")
            list_tag = None
        if item:
            if list_tag is None:
                out.append(f"<{tag}>")
                list_tag = tag
            out.append(f"<li>{_inline(item.group(2))}</li>")
        elif heading := re.match(r"^(#{1,6})\s+(.*)$", stripped):
            level = len(heading.group(1))
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif stripped:
            out.append(f"<p>{_inline(stripped)}</p>")
    if list_tag:
        out.append(f"</{list_tag}>")
    return "\n".join(out)
