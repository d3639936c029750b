"""What each branch tried and concluded: the context its siblings' prompts carry."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.jobs.defer import defer
from flowpilot.sessions.models import REPORTED_STATES, AISessionStep, SessionBranch

MAX_TRIED = 8


def compose_summary(
    branch: SessionBranch, steps: list[AISessionStep], artifacts: list[str] | None = None
) -> dict[str, Any]:
    """Deterministic summary from the record (offline mode, and the fallback while a job runs).
    "tried" is what the engineer reported doing, with the result; a suggestion nobody
    reported on was not tried."""
    tried = [performed_line(s) for s in steps if s.state == "done"]
    if branch.status == "dead_end":
        concluded = f"Ruled out: {branch.status_reason or 'no reason given'}"
    elif branch.status == "solved":
        concluded = f"Solved: {branch.status_reason or 'no details given'}"
    elif branch.status == "untried":
        concluded = "Not tried yet"
    elif tried:
        concluded = f"In progress; last done: {tried[-1]}"
    else:
        concluded = "In progress; nothing reported done yet"
    if branch.status == "revived" and branch.evidence_description:
        concluded = f"Revived with new evidence: {branch.evidence_description}"
    return {"tried": tried[-MAX_TRIED:], "concluded": concluded, "artifacts": artifacts or []}


def performed_line(step: AISessionStep) -> str:
    return f"{step.title}: {step.result}" if step.result else step.title


# How many of a branch's reported steps a summary reads (the newest).
STEPS_READ = 30


async def reported_steps(db: AsyncSession, branch_id: uuid.UUID) -> list[AISessionStep]:
    """The branch's newest steps the engineer reported on (done, skipped, not applicable),
    oldest first."""
    rows = await db.scalars(
        select(AISessionStep)
        .where(AISessionStep.branch_id == branch_id, AISessionStep.state.in_(REPORTED_STATES))
        .order_by(AISessionStep.step_number.desc())
        .limit(STEPS_READ)
    )
    return list(reversed(list(rows)))


async def done_steps_by_branch(
    db: AsyncSession, session_id: uuid.UUID, branch_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[AISessionStep]]:
    """Each branch's newest MAX_TRIED done steps (all a composed summary shows)."""
    out: dict[uuid.UUID, list[AISessionStep]] = defaultdict(list)
    if not branch_ids:
        return out
    ranked = (
        select(
            AISessionStep.id,
            func.row_number()
            .over(partition_by=AISessionStep.branch_id, order_by=AISessionStep.step_number.desc())
            .label("n"),
        )
        .where(
            AISessionStep.session_id == session_id,
            AISessionStep.branch_id.in_(branch_ids),
            AISessionStep.state == "done",
        )
        .subquery()
    )
    rows = await db.scalars(
        select(AISessionStep)
        .join(ranked, ranked.c.id == AISessionStep.id)
        .where(ranked.c.n <= MAX_TRIED)
        .order_by(AISessionStep.step_number)
    )
    for step in rows:
        assert step.branch_id is not None
        out[step.branch_id].append(step)
    return out


async def steps_by_branch(
    db: AsyncSession, session_id: uuid.UUID, branch_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[AISessionStep]]:
    out: dict[uuid.UUID, list[AISessionStep]] = defaultdict(list)
    if not branch_ids:
        return out
    rows = await db.scalars(
        select(AISessionStep)
        .where(AISessionStep.session_id == session_id, AISessionStep.branch_id.in_(branch_ids))
        .order_by(AISessionStep.step_number)
    )
    for step in rows:
        assert step.branch_id is not None
        out[step.branch_id].append(step)
    return out


async def artifacts_by_branch(
    db: AsyncSession, session_id: uuid.UUID
) -> dict[uuid.UUID, list[str]]:
    """Each branch's uploads, as short 'name: description' lines."""
    from flowpilot.uploads.models import FileUpload

    out: dict[uuid.UUID, list[str]] = defaultdict(list)
    rows = await db.execute(
        select(
            FileUpload.uploaded_on_branch_id, FileUpload.original_name, FileUpload.ai_description
        )
        .where(FileUpload.session_id == session_id)
        .order_by(FileUpload.created_at)
    )
    for branch_id, name, description in rows.tuples():
        if branch_id is not None:
            out[branch_id].append(f"{name}: {(description or 'not described yet')[:160]}")
    return out


@dataclass(frozen=True)
class SiblingSummary:
    label: str
    status: str
    tried: list[str]
    concluded: str
    artifacts: tuple[str, ...] = ()


async def sibling_summaries(
    db: AsyncSession,
    session_id: uuid.UUID,
    branch_id: uuid.UUID,
    artifacts: dict[uuid.UUID, list[str]],
) -> list[SiblingSummary]:
    """Every other branch of the session, summarised. A stale or missing summary is composed
    from the record on the spot, so a sibling never shows up as 'no summary yet'. `artifacts`:
    the session's uploads by branch (artifacts_by_branch), read once by the caller."""
    others = list(
        await db.scalars(
            select(SessionBranch)
            .where(SessionBranch.session_id == session_id, SessionBranch.id != branch_id)
            .order_by(SessionBranch.branch_order)
        )
    )
    need = [b.id for b in others if b.summary_stale or not b.context_summary]
    steps = await done_steps_by_branch(db, session_id, need)
    out = []
    for b in others:
        summary = (
            compose_summary(b, steps.get(b.id, []), artifacts.get(b.id))
            if b.summary_stale or not b.context_summary
            else b.context_summary
        )
        out.append(
            SiblingSummary(
                label=b.label,
                status=b.status,
                tried=list(summary.get("tried", [])),
                concluded=str(summary.get("concluded", "")),
                artifacts=tuple(summary.get("artifacts") or artifacts.get(b.id, [])),
            )
        )
    return out


# Sibling summaries in a prompt's volatile tail (it is re-sent uncached every turn): the
# conclusions first (ruled out, solved), then the newest other branches.
SIBLINGS_SHOWN = 12
CONCLUDED_FIRST = {"dead_end": 0, "solved": 1}


def siblings_block(siblings: list[SiblingSummary]) -> str:
    if not siblings:
        return ""
    newest_first = list(reversed(siblings))  # given in branch order
    ranked = sorted(newest_first, key=lambda s: CONCLUDED_FIRST.get(s.status, 2))
    shown = ranked[:SIBLINGS_SHOWN]
    lines = ["Other hypotheses in this session (summaries; do not repeat what was ruled out):"]
    for s in shown:
        tried = "; ".join(s.tried) if s.tried else "nothing yet"
        if s.status == "dead_end":
            lines.append(f"- RULED OUT: {s.label}. {s.concluded}. Tried: {tried}")
        else:
            lines.append(f"- {s.label} [{s.status}]: {s.concluded}. Tried: {tried}")
        if s.artifacts:
            lines.append("  Key artifacts: " + "; ".join(s.artifacts[:3]))
    if len(siblings) > len(shown):
        lines.append(f"- (and {len(siblings) - len(shown)} more branches, not shown)")
    return "\n".join(lines)


async def queue_summary(db: AsyncSession, branch_id: uuid.UUID, settle_seconds: float = 0) -> None:
    """Defer a summary job in this transaction; one pending job per branch is enough.

    `settle_seconds` (a chat turn): the job runs that much later, and the turns in between add
    nothing (the pending job holds the branch's queueing lock): while an engineer and the model
    trade messages the branch is summarised once per interval, not once per turn, and the job
    does not compete with the next turn. Readers meanwhile compose the summary from the record
    (`summary_stale`). Without it (a fork, a status change, leaving the branch) the summary is
    due now: a pending settling job is brought forward instead of a second one queued."""
    lock = f"summary-{branch_id}"
    due = datetime.now(UTC) + timedelta(seconds=settle_seconds) if settle_seconds else None
    # Most turns find their branch's summary already settling: one read, not a refused
    # insert in a savepoint.
    if await db.scalar(_PENDING, {"lock": lock}) is None:
        try:
            await defer(
                db,
                "summarize_branch",
                _queueing_lock=lock,
                _schedule_at=due,
                branch_id=str(branch_id),
            )
            return
        except AlreadyEnqueued:
            pass  # another transaction queued it meanwhile
    if due is None:
        await db.execute(_BRING_FORWARD, {"lock": lock})


_PENDING = text("SELECT 1 FROM procrastinate_jobs WHERE queueing_lock = :lock AND status = 'todo'")
_BRING_FORWARD = text(
    "UPDATE procrastinate_jobs SET scheduled_at = now() "
    "WHERE queueing_lock = :lock AND status = 'todo' AND scheduled_at > now()"
)
