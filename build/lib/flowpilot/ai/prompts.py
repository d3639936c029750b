"""Prompt text for real models. The system blocks are byte-stable turn to turn (prompt
caching): instructions, the session's intake, and the branch's playbook with the candidate
scores it was chosen with. What changes every turn (evidence, the guide's suggestion for this
turn, sibling summaries) goes in the volatile tail next to the new message."""

from __future__ import annotations

from typing import Any

SYSTEM_BASE = """You are FlowPilot, a senior troubleshooting partner for MSP and IT-support
engineers. The engineer is experienced: be precise and brief.

How to work:
- Work from the evidence. Use what the engineer reported (error codes, results of checks,
  what changed, scope). Never ask for a fact already given; never suggest a check or fix the
  engineer reported as done ("Known so far" lists them). If a report settles a cause, go
  straight to the fix for that cause.
- State the working hypothesis with your confidence (low / medium / high) and what result
  would disprove it.
- Give ONE concrete next step at a time: exact commands, admin-centre menu paths, log paths,
  event IDs; say what result to look for and what each result means.
- Cite what the advice rests on: the playbook step or cause id ([playbook-slug#step-id]), a KB
  article, or the engineer's message ("you reported …").
- Candidate playbooks come with a match score. A playbook marked "may not fit" is a weak
  match: do not present it as the answer. If nothing fits, say so plainly, say what you would
  need to know (exact error text, scope, recent changes) and suggest searching the team's KB;
  you may still reason from general expertise, labelled as such.
- When two to four causes are about equally plausible, end the reply with
  <fork_options>[{"label": "hypothesis", "description": "why; first check"}]</fork_options>
  so the engineer can work each as its own branch. Otherwise do not add the block.

MSP safety rules (always):
- Confirm which client tenant / domain / device you are acting on before any admin action;
  MSP engineers hold admin rights for many clients.
- Before anything destructive (deleting data, resetting devices, clearing TPM, rebuilding
  profiles, restoring, reformatting) make sure there is a current backup, and say so.
- BitLocker: confirm the recovery key is escrowed (Entra ID / AD / RMM) before suspending,
  changing protectors, clearing the TPM or updating firmware.
- Domain controllers: no FSMO seizure, schema change, metadata cleanup or authoritative
  restore without saying what it affects and how to roll back; never bring a seized-from DC
  back online.
- Disruptive changes (reboots of servers, firewall/VPN changes, DNS changes) belong in a
  change window with the client told; give a rollback.
- Never ask for passwords or secrets; if the engineer pastes one, tell them to rotate it.
- Use Markdown: short paragraphs, numbered steps, code blocks for commands."""

INTAKE_LABELS = (
    ("client", "Client"),
    ("company", "Client"),
    ("site", "Site"),
    ("contact", "Contact"),
    ("contact_name", "Contact"),
    ("contact_email", "Contact e-mail"),
    ("device", "Device"),
    ("asset", "Device"),
    ("hostname", "Device"),
    ("os", "Operating system"),
    ("priority", "Priority"),
)


def intake_lines(intake: dict[str, Any]) -> list[str]:
    """Intake facts in a fixed order (byte-stable), the PSA ticket's included."""
    raw_ticket = intake.get("psa_ticket")
    ticket: dict[str, Any] = raw_ticket if isinstance(raw_ticket, dict) else {}
    merged: dict[str, Any] = {**ticket, **{k: v for k, v in intake.items() if k != "psa_ticket"}}
    lines: list[str] = []
    seen: set[str] = set()
    for key, label in INTAKE_LABELS:
        value = merged.get(key)
        if isinstance(value, (str, int, float)) and str(value).strip() and label not in seen:
            seen.add(label)
            lines.append(f"{label}: {str(value).strip()[:200]}")
    if ticket.get("id"):
        lines.append(f"PSA ticket: #{ticket['id']}")
    return lines


def session_context(
    title: str, summary: str, domain: str | None, intake: dict[str, Any] | None = None
) -> str:
    lines = [
        "Session",
        f"Title: {title}",
        f"Problem as reported: {summary}",
        f"Domain: {domain or 'not classified yet'}",
    ]
    lines += intake_lines(intake or {})
    return "\n".join(lines)


def _pct(value: float) -> str:
    return f"{round(value * 100)}%"


def candidates_block(candidates: list[Any], threshold: float) -> str:
    if not candidates:
        return "Candidate playbooks: none in the library match this problem."
    lines = [f"Candidate playbooks (match score when chosen; below {_pct(threshold)} may not fit):"]
    for c in candidates:
        fit = "" if c.confidence >= threshold else " — may not fit"
        kind = "KB article" if c.kind != "flow" else "playbook"
        lines.append(f"- [{c.slug}] {c.title} ({kind}, {_pct(c.confidence)}){fit}")
    return "\n".join(lines)


def playbook_block(playbook: dict[str, Any]) -> str:
    """The playbook a branch follows, in full: stable while the branch keeps it."""
    slug = playbook.get("slug", "")
    lines = [
        f"Playbook this branch follows: [{slug}] {playbook.get('title', '')} "
        f"[{playbook.get('domain', '')}]. {playbook.get('summary', '')}"
    ]
    causes = playbook.get("causes", [])
    if causes:
        lines.append("Causes (most common first):")
        for c in causes:
            confirm = "; ".join(c.get("confirm_if", []))
            lines.append(
                f"- [{slug}#{c['id']}] {c['title']}. Confirmed by: {confirm or '-'}. "
                f"Fix: {c['fix']}"
            )
    lines.append("Checks:")
    for s in playbook.get("steps", []):
        parts = [f"- [{slug}#{s['id']}] {s['title']}: {s.get('check', s.get('instruction', ''))}"]
        if s.get("look_for"):
            parts.append(f"Look for: {s['look_for']}")
        for r in s.get("results", []):
            parts.append(f"If {r['if']}: {r['means']}")
        if s.get("when"):
            parts.append("Only when the evidence mentions: " + "; ".join(s["when"]))
        if s.get("caution"):
            parts.append(f"Caution: {s['caution']}")
        lines.append(" ".join(parts))
    sources = playbook.get("sources", [])
    if sources:
        lines.append("Sources: " + "; ".join(f"{s['title']} <{s['url']}>" for s in sources))
    return "\n".join(lines)


def turn_block(plan: Any) -> str:
    """This turn's guidance for the model: evidence, current scores, the guide's next move."""
    lines = []
    known = plan.evidence.known_so_far()
    if known:
        lines.append("Known so far (from the engineer's messages and uploads):")
        lines += [f"- {k}" for k in known]
    if plan.candidates:
        lines.append(
            "Playbook match this turn: "
            + ", ".join(f"[{c.slug}] {_pct(c.confidence)}" for c in plan.candidates)
        )
    if plan.switched_from is not None and plan.focus is not None:
        lines.append(
            f"The evidence now fits [{plan.focus.slug}] better than "
            f"[{plan.switched_from.slug}]: switch and say why."
        )
    if plan.no_fit:
        lines.append("No playbook fits: say so plainly and ask only for what is missing.")
    advice = plan.advice
    if advice is not None and plan.focus is not None:
        slug = plan.focus.slug
        if advice.kind == "fix" and advice.cause is not None and advice.still_pending:
            lines.append(
                f"[{slug}#{advice.cause['id']}] is still the likeliest cause and the engineer "
                "has not reported trying its fix: relate the new report to it and ask "
                "whether the fix was applied; do not move on to other causes yet."
            )
        elif advice.kind == "fix" and advice.cause is not None:
            lines.append(
                f"The engineer's report confirms [{slug}#{advice.cause['id']}] "
                f'("{advice.confirmed_by}"): give its fix.'
            )
        elif advice.kind == "step" and advice.step is not None:
            lines.append(
                f"The guide's next check: [{slug}#{advice.step['id']}] {advice.step['title']}."
            )
        elif advice.kind == "exhausted":
            lines.append(
                f"Every check of [{slug}] is done or suggested on this branch: say so; "
                "do not drift to an unrelated playbook."
            )
        elif advice.kind == "fixed":
            lines.append("The engineer reports it fixed: confirm and suggest marking it solved.")
        if advice.skipped_done:
            lines.append("Reported done (never suggest again): " + "; ".join(advice.skipped_done))
    return "\n".join(lines)
