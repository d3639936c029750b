"""Playbooks as Markdown: what an MSP's own runbooks usually look like, read and written.

The layout (docs/playbooks.md has a full example):

    # Title
    Slug: optional-slug            (from the title when left out)
    Domain: Printing
    Summary paragraph.

    ## Symptoms / ## Aliases / ## Products / ## Keywords   bullet lists
    ## Sources                     bullets: [Title](https://…)
    ## Causes                      one `### Title {#id}` per cause with
                                   `Fix:`, `Confirm if:`, `Disprove:` lines
    ## Checks (or ## Steps)        one `### Title {#id}` per check with
                                   `Check:`, `Look for:`, `When:`, `Done if:`, `Tests:`,
                                   `Caution:`, `Kind:` and `Results:` followed by bullets
                                   `- <what you see> => <what it means> [cause-id]`

List values on one line (`Confirm if:`, `When:`, `Done if:`, `Tests:`) are separated by `;`.
A line that starts with none of the keys continues the previous value, so commands can wrap.
The result is validated by `playbook_format.validate`, which gives precise errors.
"""

from __future__ import annotations

import re
from typing import Any

from flowpilot.library.playbook_format import PlaybookError

LIST_SECTIONS = {
    "symptoms": "symptoms",
    "aliases": "aliases",
    "error codes": "aliases",
    "products": "products",
    "keywords": "keywords",
}
CAUSE_KEYS = {"fix": "fix", "confirm if": "confirm_if", "disprove": "disprove"}
STEP_KEYS = {
    "check": "check",
    "look for": "look_for",
    "when": "when",
    "done if": "done_if",
    "tests": "tests",
    "caution": "caution",
    "kind": "kind",
    "results": "results",
}
LIST_KEYS = {"confirm_if", "when", "done_if", "tests"}
HEADING_ID = re.compile(r"^(?P<title>.*?)\s*\{#(?P<id>[a-z0-9-]+)\}\s*$")
# [Title](url): "]" in a title is written "\]"; a URL may hold parentheses (no spaces).
LINK = re.compile(r"^\[(?P<title>(?:\\.|[^\]\\])+)\]\((?P<url>\S+)\)$")
RESULT = re.compile(r"^(?P<if>.+?)\s*(?:=>|→)\s*(?P<means>.+?)(?:\s*\[(?P<cause>[a-z0-9-]+)\])?$")
KEY_LINE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z ]{1,20}):\s*(?P<value>.*)$")


def slugify(text: str, limit: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "item"


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(";") if v.strip()]


def _bullet(line: str) -> str | None:
    match = re.match(r"^\s*[-*+]\s+(.*)$", line)
    return match.group(1).strip() if match else None


class _Item:
    """A cause or a check while its lines are read."""

    def __init__(self, heading: str, keys: dict[str, str]) -> None:
        match = HEADING_ID.match(heading)
        self.title = (match.group("title") if match else heading).strip()
        self.id = match.group("id") if match else slugify(self.title)
        self.keys = keys
        self.values: dict[str, str] = {}
        self.results: list[dict[str, str]] = []
        self.current: str | None = None
        self.loose: list[str] = []

    def add(self, line: str) -> None:
        stripped = line.strip()
        key_line = KEY_LINE.match(stripped)
        key = self.keys.get(key_line.group("key").strip().lower()) if key_line else None
        if key_line and key:
            self.current = key
            if key != "results":
                self.values[key] = key_line.group("value").strip()
            return
        bullet = _bullet(line)
        if self.current == "results" and bullet is not None:
            result = RESULT.match(bullet)
            if not result:
                raise PlaybookError(
                    f"{self.title}: a result reads '<what you see> => <what it means>', "
                    f"got {bullet!r}"
                )
            entry = {"if": result.group("if"), "means": result.group("means")}
            if result.group("cause"):
                entry["cause"] = result.group("cause")
            self.results.append(entry)
        elif self.current and self.current != "results":
            self.values[self.current] = f"{self.values[self.current]}\n{stripped}".strip()
        else:
            self.loose.append(stripped)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "title": self.title}
        for key, value in self.values.items():
            out[key] = _split_list(value) if key in LIST_KEYS else value
        if self.results:
            out["results"] = self.results
        if self.loose and "check" in self.keys.values() and not out.get("check"):
            out["check"] = "\n".join(self.loose)
        if self.loose and "fix" in self.keys.values() and not out.get("fix"):
            out["fix"] = "\n".join(self.loose)
        return out


def parse_markdown(text: str) -> dict[str, Any]:
    """A playbook dict (not yet validated) from Markdown; raises PlaybookError on layout errors."""
    data: dict[str, Any] = {"sources": [], "causes": [], "steps": []}
    summary: list[str] = []
    section: str | None = None
    item: _Item | None = None

    def close_item() -> None:
        nonlocal item
        if item is not None:
            data["causes" if section == "causes" else "steps"].append(item.as_dict())
            item = None

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        if line.startswith("# ") and "title" not in data:
            data["title"] = line[2:].strip()
            continue
        if line.startswith("## "):
            close_item()
            name = line[3:].strip().lower()
            section = {"steps": "checks", "checks": "checks", "causes": "causes"}.get(name, name)
            if section not in (*LIST_SECTIONS, "sources", "causes", "checks"):
                raise PlaybookError(f"unknown section '## {line[3:].strip()}'")
            continue
        if line.startswith("### "):
            close_item()
            if section not in ("causes", "checks"):
                raise PlaybookError(f"'{line}' belongs under ## Causes or ## Checks")
            item = _Item(line[4:].strip(), CAUSE_KEYS if section == "causes" else STEP_KEYS)
            continue
        if not line.strip():
            continue
        if item is not None:
            item.add(line)
        elif section is None:
            key_line = KEY_LINE.match(line.strip())
            key = key_line.group("key").strip().lower() if key_line else ""
            if key_line and key in ("slug", "domain"):
                data[key] = key_line.group("value").strip()
            else:
                summary.append(line.strip())
        elif section in LIST_SECTIONS:
            value = _bullet(line)
            if value is None:
                raise PlaybookError(f"## {section}: expected a '- ' bullet, got {line.strip()!r}")
            data.setdefault(LIST_SECTIONS[section], []).append(value)
        elif section == "sources":
            value = _bullet(line) or line.strip()
            link = LINK.match(value)
            if link:
                title = re.sub(r"\\(.)", r"\1", link.group("title"))
                data["sources"].append({"title": title, "url": link.group("url")})
            elif value.startswith("https://"):
                data["sources"].append({"title": value, "url": value})
            else:
                raise PlaybookError(f"## Sources: expected [Title](https://…), got {value!r}")
        else:
            raise PlaybookError(f"text outside a ### heading in ## {section}: {line.strip()!r}")
    close_item()
    if "title" not in data:
        raise PlaybookError("a playbook starts with a '# Title' line")
    data.setdefault("slug", slugify(data["title"], 100))
    data["summary"] = " ".join(summary)
    return data


def _escape(title: str) -> str:
    return re.sub(r"([\\\[\]])", r"\\\1", title)


def _list_line(label: str, values: list[str]) -> list[str]:
    return [f"{label}: {'; '.join(values)}"] if values else []


def to_markdown(data: dict[str, Any]) -> str:
    """The inverse of parse_markdown: what the Library page edits."""
    lines = [f"# {data['title']}", f"Slug: {data['slug']}", f"Domain: {data['domain']}", ""]
    lines += [data.get("summary", ""), ""]
    for title, key in (
        ("Symptoms", "symptoms"),
        ("Aliases", "aliases"),
        ("Products", "products"),
        ("Keywords", "keywords"),
    ):
        if data.get(key):
            lines += [f"## {title}", *[f"- {v}" for v in data[key]], ""]
    if data.get("sources"):
        lines.append("## Sources")
        lines += [f"- [{_escape(s['title'])}]({s['url']})" for s in data["sources"]]
        lines.append("")
    if data.get("causes"):
        lines.append("## Causes")
        for cause in data["causes"]:
            lines += [f"### {cause['title']} {{#{cause['id']}}}", f"Fix: {cause['fix']}"]
            lines += _list_line("Confirm if", cause.get("confirm_if", []))
            if cause.get("disprove"):
                lines.append(f"Disprove: {cause['disprove']}")
            lines.append("")
    lines.append("## Checks")
    for step in data["steps"]:
        lines += [f"### {step['title']} {{#{step['id']}}}", f"Check: {step['check']}"]
        if step.get("kind", "action") != "action":
            lines.append(f"Kind: {step['kind']}")
        for label, key in (("Look for", "look_for"), ("Caution", "caution")):
            if step.get(key):
                lines.append(f"{label}: {step[key]}")
        for label, key in (("When", "when"), ("Done if", "done_if"), ("Tests", "tests")):
            lines += _list_line(label, step.get(key, []))
        if step.get("results"):
            lines.append("Results:")
            for r in step["results"]:
                cause = f" [{r['cause']}]" if r.get("cause") else ""
                lines.append(f"- {r['if']} => {r['means']}{cause}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
