"""What FlowPilot knows about a session at handoff time, and the offline compositions
(assessment, briefing) built from it. The same record is given to a real model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.branching.summaries import compose_summary, performed_line, steps_by_branch
from flowpilot.sessions.models import AISession, AISessionStep, SessionBranch

LAST_STEPS = 6


@dataclass
class Record:
    session: AISession
    snapshot: dict[str, Any]


async def build_snapshot(
    db: AsyncSession,
    session: AISession,
    *,
    waiting_on: str | None = None,
    notes: str | None = None,
) -> dict[str, Any]:
    branches = list(
        await db.scalars(
            select(SessionBranch)
            .where(SessionBranch.session_id == session.id)
            .order_by(SessionBranch.branch_order)
        )
    )
    steps = await steps_by_branch(db, session.id, [b.id for b in branches])
    labels = {b.id: b.label for b in branches}
    branch_map = []
    for b in branches:
        summary = (
            b.context_summary
            if b.context_summary and not b.summary_stale
            else compose_summary(b, steps.get(b.id, []))
        )
        branch_map.append(
            {
                "id": str(b.id),
                "label": b.label,
                "status": b.status,
                "status_reason": b.status_reason,
                "is_root": b.parent_branch_id is None,
                "current": b.id == session.active_branch_id,
                "summary": summary,
                "evidence": b.evidence_description,
            }
        )
    recent = list(
        await db.scalars(
            select(AISessionStep)
            .where(AISessionStep.session_id == session.id)
            .order_by(AISessionStep.step_number.desc())
            .limit(LAST_STEPS)
        )
    )
    recent.reverse()
    current = next((b for b in branch_map if b["current"]), None)
    performed = [
        {"branch": labels.get(branch_id, "?"), "line": performed_line(s)}
        for branch_id, branch_steps in steps.items()
        for s in branch_steps
        if s.state == "done"
    ]
    open_suggestion = next((s for s in reversed(recent) if s.state == "suggested"), None)
    if open_suggestion is not None:
        next_step = f"{open_suggestion.title} (suggested, not reported done yet)"
    elif recent:
        next_step = "Decide the next check: nothing suggested is open"
    else:
        next_step = "Start diagnosing: no steps yet"
    return {
        "problem_summary": session.problem_summary,
        "problem_domain": session.problem_domain,
        "status": session.status,
        "current_branch": current["label"] if current else None,
        "branches": branch_map,
        "last_steps": [
            {
                "number": s.step_number,
                "type": s.step_type,
                "title": s.title,
                "state": s.state,
                "result": s.result,
            }
            for s in recent
        ],
        "performed": performed,
        "next_step": next_step,
        "waiting_on": waiting_on,
        "engineer_notes": notes,
        "watch_outs": watch_outs(branch_map, waiting_on),
        "uploads": await uploads_of(db, session),
        "time": {
            "active_seconds": session.total_active_seconds,
            "parked_seconds": session.total_parked_seconds,
        },
    }


async def uploads_of(db: AsyncSession, session: AISession) -> list[dict[str, Any]]:
    from flowpilot.uploads.models import FileUpload

    rows = await db.scalars(
        select(FileUpload)
        .where(FileUpload.session_id == session.id, FileUpload.account_id == session.account_id)
        .order_by(FileUpload.created_at)
    )
    return [
        {
            "id": str(u.id),
            "name": u.original_name,
            "kind": u.kind,
            "branch_id": str(u.uploaded_on_branch_id) if u.uploaded_on_branch_id else None,
            "description": u.ai_description,
        }
        for u in rows
    ]


def watch_outs(branch_map: list[dict[str, Any]], waiting_on: str | None) -> list[str]:
    out = []
    if not any(b["status"] == "solved" for b in branch_map):
        out.append("No branch has been confirmed as the fix yet")
    revived = [b["label"] for b in branch_map if b["status"] == "revived"]
    if revived:
        out.append(f"Revived after being ruled out: {', '.join(revived)}")
    if waiting_on:
        out.append(f"Waiting on: {waiting_on}")
    return out


def ruled_out(snapshot: dict[str, Any]) -> list[str]:
    return [
        f"{b['label']}: {b['status_reason'] or 'no reason recorded'}"
        for b in snapshot["branches"]
        if b["status"] == "dead_end"
    ]


def compose_assessment(snapshot: dict[str, Any]) -> dict[str, Any]:
    """Offline assessment: every field comes from the record, nothing is invented."""
    live = [
        b for b in snapshot["branches"] if b["status"] in ("active", "revived") and not b["is_root"]
    ]
    current = next((b for b in snapshot["branches"] if b["current"]), None)
    lead = current if current and not current["is_root"] else (live[0] if live else current)
    dead = ruled_out(snapshot)
    if lead is None or lead["is_root"]:
        domain = snapshot.get("problem_domain") or "reported"
        cause = (
            f"Not isolated yet; working the {domain} problem as reported. "
            f"Last step: {snapshot['next_step']}"
        )
    else:
        cause = f"{lead['label']} (current hypothesis): {lead['summary'].get('concluded', '')}"
    confidence = "medium" if dead and lead and not lead["is_root"] else "low"
    steps = [snapshot["next_step"]] if snapshot["next_step"] else []
    steps += [f"Continue the '{b['label']}' branch" for b in live if b is not lead][:3]
    return {
        "likely_cause": cause,
        "confidence": confidence,
        "ruled_out": dead,
        "suggested_steps": steps,
        "risks": snapshot["watch_outs"],
    }


def render_assessment(data: dict[str, Any]) -> str:
    lines = [f"Likely cause ({data['confidence']} confidence): {data['likely_cause']}"]
    if data.get("ruled_out"):
        lines.append("Ruled out: " + "; ".join(data["ruled_out"]))
    if data.get("suggested_steps"):
        lines.append("Next: " + "; ".join(data["suggested_steps"]))
    if data.get("risks"):
        lines.append("Watch out: " + "; ".join(data["risks"]))
    return "\n".join(lines)


def compose_briefing(snapshot: dict[str, Any], handoff: dict[str, Any]) -> str:
    """A briefing for the engineer who picks the session up, from the record."""
    intent = "escalated" if handoff["intent"] == "escalate" else "parked"
    lines = [
        f"You are picking up a session {intent} by {handoff['by'] or 'a colleague'}.",
        f"Problem: {snapshot['problem_summary']}"
        + (f" (domain: {snapshot['problem_domain']})" if snapshot.get("problem_domain") else ""),
    ]
    if handoff.get("assigned_to"):
        covering = f"; {handoff['claimed_by']} picked it up" if handoff.get("claimed_by") else ""
        lines.append(f"Assigned to {handoff['assigned_to']}{covering}.")
    if handoff.get("notes"):
        lines.append(f"Their notes: {handoff['notes']}")
    if snapshot.get("waiting_on"):
        lines.append(f"Waiting on: {snapshot['waiting_on']}")
    lines.append("")
    lines.append("What each branch did (as the engineer reported it) and concluded:")
    for b in snapshot["branches"]:
        tried = "; ".join(b["summary"].get("tried", [])) or "nothing reported done yet"
        prefix = "RULED OUT - " if b["status"] == "dead_end" else ""
        lines.append(
            f"- {prefix}{b['label']} [{b['status']}]: {b['summary'].get('concluded', '')}."
            f" Done: {tried}."
        )
        if b.get("evidence"):
            lines.append(f"  Evidence: {b['evidence']}")
    dead = ruled_out(snapshot)
    if dead:
        lines.append("")
        lines.append("Already ruled out, do not repeat: " + "; ".join(dead))
    assessment = handoff.get("assessment")
    if assessment:
        lines.append("")
        lines.append(
            f"Assessment: {assessment['likely_cause']} ({assessment['confidence']} confidence)."
        )
    uploads = snapshot.get("uploads") or []
    if uploads:
        lines.append("")
        lines.append("Attachments:")
        lines += [f"- {u['name']}: {u['description'] or 'not described yet'}" for u in uploads]
    lines.append("")
    lines.append(f"Next: {snapshot['next_step']}")
    return "\n".join(lines)
