"""The three documents composed from the session's record (offline mode, and the structure a
model fills in). Dead-end branches become the KB article's "rule out first"."""

from __future__ import annotations

import re
from typing import Any

STOPWORDS = {"the", "a", "an", "on", "in", "of", "for", "and", "to", "is", "not", "one", "keeps"}


THIRD_PARTY = re.compile(
    r"\b(vendor|vendor's|technician|contractor|isp|provider|manufacturer|supplier|"
    r"copier company|landlord|carrier|microsoft support)\b",
    re.I,
)


def _solved(record: dict[str, Any]) -> dict[str, Any] | None:
    return next((b for b in record["branches"] if b["status"] == "solved"), None)


def _minutes(seconds: int) -> int:
    return max(1, round(seconds / 60)) if seconds else 0


def _stamp(who: str, when: str) -> str:
    at = when[:16].replace("T", " ") if when else ""
    return " ".join(p for p in (at, who) if p)


def performed_lines(record: dict[str, Any]) -> list[str]:
    """Each step the engineer reported done (with the result, who, when), then what they
    reported doing on their own; never a suggestion nobody acted on."""
    forked = len(record.get("branches", [])) > 1
    lines = []
    for r in record.get("performed", []):
        stamp = _stamp(r["who"], r["when"])
        where = f"[{r['branch']}] " if forked else ""
        lines.append(f"{stamp + ': ' if stamp else ''}{where}{r['title']} - {r['result']}")
    for r in record.get("reports", []):
        stamp = _stamp(r["who"], r["when"])
        where = f"[{r['branch']}] " if forked else ""
        lines.append(f"{stamp + ': ' if stamp else ''}{where}{r['text']}")
    return lines


def resolution_of(record: dict[str, Any]) -> str:
    solved = _solved(record)
    if solved and solved.get("status_reason"):
        return str(solved["status_reason"])
    fixed = record.get("fixed_reports") or []
    if fixed:
        return str(fixed[-1])
    return "Not resolved yet."


def ruled_out_lines(record: dict[str, Any]) -> list[str]:
    return [
        f"{b['label']}: {b['status_reason'] or 'ruled out, no reason recorded'}"
        for b in record["branches"]
        if b["status"] == "dead_end"
    ]


def psa_notes(record: dict[str, Any]) -> dict[str, Any]:
    resolved = resolution_of(record) != "Not resolved yet."
    per_engineer = {
        who: _minutes(seconds) for who, seconds in (record.get("engineer_seconds") or {}).items()
    }
    solved = _solved(record)
    return {
        "summary": record["problem_summary"],
        "cause": solved["label"] if solved and not solved.get("is_root") else "",
        "work_performed": performed_lines(record),
        "ruled_out": ruled_out_lines(record),
        "resolution": resolution_of(record),
        "follow_up": "None." if resolved else f"Open: {record.get('next_step') or 'continue'}",
        "time_minutes": _minutes(record["active_seconds"]),
        "time_by_engineer": per_engineer,
    }


def render_psa(d: dict[str, Any]) -> str:
    """Plain text, as an engineer types it into ConnectWise, HaloPSA or Autotask."""
    lines = [f"Issue: {d['summary']}", "", "Work performed:"]
    lines += [f"- {w}" for w in d["work_performed"]] or ["- Nothing was recorded as performed."]
    if d["ruled_out"]:
        lines += ["", "Ruled out:"] + [f"- {r}" for r in d["ruled_out"]]
    if d.get("cause"):
        lines += ["", f"Cause: {d['cause']}"]
    lines += ["", f"Resolution: {d['resolution']}", f"Follow-up: {d.get('follow_up', 'None.')}"]
    split = ", ".join(f"{who} {m} min" for who, m in (d.get("time_by_engineer") or {}).items())
    lines.append(f"Time: {d['time_minutes']} min" + (f" ({split})" if split else ""))
    return "\n".join(lines)


def kb_article(record: dict[str, Any]) -> dict[str, Any]:
    solved = _solved(record)
    words = re.findall(
        r"[a-zA-Z0-9]+", f"{record['problem_summary']} {record.get('problem_domain') or ''}"
    )
    tags = sorted({w.lower() for w in words if len(w) > 2 and w.lower() not in STOPWORDS})[:8]
    done_on_solved = [
        f"{r['title']}: {r['result']}"
        for r in record.get("performed", [])
        if solved and r["branch"] == solved["label"]
    ]
    fix = resolution_of(record)
    cause = (
        solved["label"]
        if solved and not solved.get("is_root")
        else "Not isolated separately from the fix"
    )
    return {
        "title": record["problem_summary"][:200],
        "symptoms": [record["problem_summary"]],
        "environment": record.get("intake") or {},
        "root_cause": cause,
        "resolution_steps": [*done_on_solved, fix]
        if fix != "Not resolved yet."
        else done_on_solved,
        "rule_out_first": ruled_out_lines(record),
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
    fix = resolution_of(record)
    resolved = fix != "Not resolved yet."
    outside = next((t for t in [fix, *(r["text"] for r in record.get("reports", []))]
                    if THIRD_PARTY.search(t)), None)  # fmt: skip
    if outside and resolved:
        did = f"The fix was carried out by an outside party: {outside}"
    elif record.get("performed") or record.get("reports"):
        did = "We checked the likely causes with you and put the fix in place."
    else:
        did = "We looked into the problem with you."
    return {
        "problem": record["problem_summary"],
        "what_we_found": fix if resolved else "We are still confirming the cause.",
        "what_we_did": did,
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
