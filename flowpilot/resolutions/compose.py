"""The three documents composed from the session's record (offline mode, and the structure a
model fills in). Dead-end branches become the KB article's "rule out first"."""

from __future__ import annotations

import re
from typing import Any

from flowpilot.guidance.text import STOP
from flowpilot.privacy.scrub import Identifiers, scrub, without_placeholders
from flowpilot.resolutions.plain import plain, short_sentences

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


def identifiers(record: dict[str, Any]) -> Identifiers:
    return Identifiers(
        tuple(record.get("scrub_names") or ()), tuple(record.get("scrub_domains") or ())
    )


def _clean(text: str, ids: Identifiers) -> str:
    return scrub(text, ids).text


def symptom_title(problem: str, limit: int = 90) -> str:
    """The problem's first sentence, cut at a whole word: what a search would match."""
    first = re.split(r"(?<=[.!?])\s+|\n", problem.strip())[0].rstrip(".!?")
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:-")


def kb_article(record: dict[str, Any]) -> dict[str, Any]:
    """An article another engineer can use: symptom title, environment, symptoms with their
    codes, the cause apart from the fix, what was done on the solved branch, dead ends to
    rule out first, search tags. Client identifiers are scrubbed before anyone publishes."""
    ids = identifiers(record)
    solved = _solved(record)
    evidence = record.get("evidence") or {}
    codes = list(evidence.get("codes") or [])
    products = list(evidence.get("products") or [])
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
    symptoms = [record["problem_summary"]]
    if codes:
        symptoms.append("Error codes: " + ", ".join(codes[:8]))
    environment = {
        k: v
        for k, v in (
            ("Products", ", ".join(products[:6])),
            ("Versions", ", ".join((evidence.get("versions") or [])[:6])),
            ("Area", record.get("problem_domain") or ""),
        )
        if v
    }
    steps = [*done_on_solved, fix] if fix != "Not resolved yet." else done_on_solved
    domain_words = [
        w.lower()
        for w in re.findall(r"[A-Za-z][A-Za-z0-9+-]{2,}", record.get("problem_domain") or "")
        if w.lower() not in STOP and w.lower() not in STOPWORDS
    ]
    tags = list(dict.fromkeys([*(p.lower() for p in products), *codes, *domain_words]))[:10]
    return {
        "title": symptom_title(without_placeholders(_clean(record["problem_summary"], ids))),
        "symptoms": [_clean(x, ids) for x in symptoms],
        "environment": {k: _clean(v, ids) for k, v in environment.items()},
        "root_cause": _clean(cause, ids),
        "resolution_steps": [_clean(x, ids) for x in steps],
        "rule_out_first": [_clean(x, ids) for x in ruled_out_lines(record)],
        "tags": tags,
        "domain": record.get("problem_domain") or "General",
    }


def render_kb(d: dict[str, Any]) -> str:
    lines = [f"# {d['title']}", "", "## Symptoms"] + [f"- {s}" for s in d["symptoms"]]
    if d["environment"]:
        lines += ["", "## Environment"] + [f"- {k}: {v}" for k, v in d["environment"].items()]
    if d["rule_out_first"]:
        lines += ["", "## Rule out first"] + [f"- {r}" for r in d["rule_out_first"]]
    lines += ["", "## Cause", d["root_cause"], "", "## Resolution"]
    lines += [f"{i + 1}. {s}" for i, s in enumerate(d["resolution_steps"])] or ["(see cause)"]
    if d["tags"]:
        lines += ["", "Tags: " + ", ".join(d["tags"])]
    return "\n".join(lines)


def client_summary(record: dict[str, Any]) -> dict[str, Any]:
    """For the client: what was wrong, what was done, whether anything is needed from them,
    in plain words; honest when someone else did the fix."""
    ids = identifiers(record)
    fix = resolution_of(record)
    resolved = fix != "Not resolved yet."
    outside = next((t for t in [fix, *(r["text"] for r in record.get("reports", []))]
                    if THIRD_PARTY.search(t)), None)  # fmt: skip
    if outside and resolved:
        did = f"This was fixed by an outside party. {outside}"
    elif resolved:
        did = f"We fixed it. {fix}"
    elif record.get("performed") or record.get("reports"):
        did = "We have checked the likely causes. We are still working on a fix."
    else:
        did = "We have started to look into it."
    solved = _solved(record)
    found = (
        f"The cause was: {solved['label']}."
        if solved and not solved.get("is_root")
        else ("We found and fixed the cause." if resolved else "We are still confirming the cause.")
    )
    return {
        "problem": symptom_title(without_placeholders(_clean(record["problem_summary"], ids))),
        "what_we_found": _clean(found, ids),
        "what_we_did": _clean(did, ids),
        "needed_from_you": "Nothing for now."
        if resolved
        else "Please keep us posted if it changes.",
        "time_minutes": _minutes(record["active_seconds"]),
    }


def _for_client(text: str) -> str:
    text = short_sentences(plain(str(text)))
    return text if text.endswith((".", "!", "?")) else text + "."


def render_client(d: dict[str, Any]) -> str:
    minutes = int(d.get("time_minutes") or 0)
    return (
        f"Hello,\n\nYou told us: {_for_client(d['problem'])}\n\n"
        f"What was wrong: {_for_client(d['what_we_found'])}\n\n"
        f"What we did: {_for_client(d['what_we_did'])}\n\n"
        f"What we need from you: {_for_client(d.get('needed_from_you') or 'Nothing for now.')}\n\n"
        f"Time spent: about {minutes} minute{'' if minutes == 1 else 's'}.\n\n"
        "If anything still looks wrong, just reply to this message."
    )


COMPOSERS = {
    "psa_ticket_notes": (psa_notes, render_psa),
    "knowledge_base": (kb_article, render_kb),
    "client_summary": (client_summary, render_client),
}
