"""The three documents composed from the session's record (offline mode, and the structure a
model fills in). Dead-end branches become the KB article's "rule out first"."""

from __future__ import annotations

import re
from typing import Any

STOPWORDS = {"the", "a", "an", "on", "in", "of", "for", "and", "to", "is", "not", "one", "keeps"}


def _solved(record: dict[str, Any]) -> dict[str, Any] | None:
    return next((b for b in record["branches"] if b["status"] == "solved"), None)


def _minutes(seconds: int) -> int:
    return max(1, round(seconds / 60)) if seconds else 0


def psa_notes(record: dict[str, Any]) -> dict[str, Any]:
    solved = _solved(record)
    work = [f"{s['number']}. [{s['branch']}] {s['title']}" for s in record["steps"] if s["title"]]
    ruled_out = [
        f"{b['label']}: {b['status_reason']}"
        for b in record["branches"]
        if b["status"] == "dead_end"
    ]
    return {
        "summary": record["problem_summary"],
        "work_performed": work,
        "ruled_out": ruled_out,
        "resolution": solved["status_reason"] if solved else "No branch was marked solved.",
        "time_minutes": _minutes(record["active_seconds"]),
    }


def render_psa(d: dict[str, Any]) -> str:
    lines = [f"**Issue:** {d['summary']}", "", "**Work performed:**"]
    lines += [f"- {w}" for w in d["work_performed"]] or ["- (no steps recorded)"]
    if d["ruled_out"]:
        lines += ["", "**Ruled out:**"] + [f"- {r}" for r in d["ruled_out"]]
    lines += ["", f"**Resolution:** {d['resolution']}", f"**Time:** {d['time_minutes']} min"]
    return "\n".join(lines)


def kb_article(record: dict[str, Any]) -> dict[str, Any]:
    solved = _solved(record)
    words = re.findall(
        r"[a-zA-Z0-9]+", f"{record['problem_summary']} {record.get('problem_domain') or ''}"
    )
    tags = sorted({w.lower() for w in words if len(w) > 2 and w.lower() not in STOPWORDS})[:8]
    return {
        "title": record["problem_summary"][:200],
        "symptoms": [record["problem_summary"]],
        "environment": record.get("intake") or {},
        "root_cause": (solved["status_reason"] if solved else "Not confirmed"),
        "resolution_steps": (solved["summary"].get("tried") if solved else []) or [],
        "rule_out_first": [
            f"{b['label']}: {b['status_reason'] or 'ruled out'}"
            for b in record["branches"]
            if b["status"] == "dead_end"
        ],
        "tags": tags,
        "domain": record.get("problem_domain") or "General",
    }


def render_kb(d: dict[str, Any]) -> str:
    lines = [f"# {d['title']}", "", "## Symptoms"] + [f"- {s}" for s in d["symptoms"]]
    if d["environment"]:
        lines += ["", "## Environment"] + [f"- {k}: {v}" for k, v in d["environment"].items()]
    if d["rule_out_first"]:
        lines += ["", "## Rule out first"] + [f"- {r}" for r in d["rule_out_first"]]
    lines += ["", "## Root cause", d["root_cause"], "", "## Resolution"]
    lines += [f"{i + 1}. {s}" for i, s in enumerate(d["resolution_steps"])] or ["(see root cause)"]
    lines += ["", "Tags: " + ", ".join(d["tags"])]
    return "\n".join(lines)


def client_summary(record: dict[str, Any]) -> dict[str, Any]:
    solved = _solved(record)
    return {
        "problem": record["problem_summary"],
        "what_we_found": solved["status_reason"]
        if solved
        else "We are still confirming the cause.",
        "what_we_did": (
            "We worked through the likely causes one by one and fixed the one that applied."
        ),
        "time_minutes": _minutes(record["active_seconds"]),
    }


def render_client(d: dict[str, Any]) -> str:
    return (
        f"Hello,\n\nYou reported: {d['problem']}\n\n"
        f"What we found: {d['what_we_found']}\n\n"
        f"What we did: {d['what_we_did']}\n\n"
        f"Time spent: about {d['time_minutes']} minute{'' if d['time_minutes'] == 1 else 's'}.\n\n"
        "If anything still looks wrong, just reply to this message."
    )


COMPOSERS = {
    "psa_ticket_notes": (psa_notes, render_psa),
    "knowledge_base": (kb_article, render_kb),
    "client_summary": (client_summary, render_client),
}
