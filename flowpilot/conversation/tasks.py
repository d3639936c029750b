"""The model's readings of a session: the intake at creation, and the evidence in each of
the engineer's messages (when the chat model reads evidence)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from procrastinate import RetryStrategy
from sqlalchemy import select

from flowpilot.ai.base import StructuredRequest
from flowpilot.conversation.follow_up import OPEN_SUGGESTIONS_READ
from flowpilot.guidance.evidence import EVIDENCE_SCHEMA, Evidence, extract, from_model
from flowpilot.jobs.app import job_app
from flowpilot.jobs.runtime import runtime, structured_or_skip
from flowpilot.library import retrieval as library
from flowpilot.privacy import service as privacy
from flowpilot.sessions import service as sessions
from flowpilot.sessions import tree
from flowpilot.sessions.models import (
    REPORTED_STATES,
    AISession,
    AISessionStep,
    SessionBranch,
    SessionMessage,
)
from flowpilot.usage.meter import metered
from flowpilot.usage.meter import record as record_usage

INTAKE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "problem_domain": {"type": "string", "description": "Short domain label, e.g. 'DNS'"},
        "summary": {"type": "string", "description": "One-sentence restatement of the problem"},
        "first_checks": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
    },
    "required": ["problem_domain", "summary", "first_checks"],
}


@job_app.task(name="analyse_intake", retry=RetryStrategy(max_attempts=5, exponential_wait=2))
async def analyse_intake(session_id: str) -> None:
    """Classify the problem and record the first checks as an intake_analysis step.

    Read, then call the model with no transaction open, then write in a short transaction
    that locks in the order a chat turn does (branch, then session): a turn saving its reply
    at the same moment waits for this job instead of deadlocking with it."""
    rt = runtime()
    async with rt.sessionmaker() as db:
        session = await db.get(AISession, uuid.UUID(session_id))
        if session is None:
            return  # deleted meanwhile
        problem, intake = session.problem_summary, session.intake
        # Only playbooks that fit (same threshold as chat): no domain is better than a wrong one.
        hits = await library.search(db, session.account_id, problem, 3, fits_only=True)
        offline = {
            "problem_domain": hits[0].entry.domain if hits else "General",
            "summary": problem[:300],
            "first_checks": [s["title"] for s in (hits[0].entry.steps[:3] if hits else [])],
            "playbooks": [h.entry.slug for h in hits],
        }
        guarded, vault = await privacy.guarded(db, rt.provider, session)
        provider = metered(guarded)
    request = StructuredRequest(
        system="Classify an IT support problem for an MSP service desk.",
        prompt=f"Problem: {problem}\nIntake: {intake}",
        schema=INTAKE_SCHEMA,
        name="intake_analysis",
        offline_compose=lambda: offline,
    )
    result = await structured_or_skip(provider, request)
    if result is None:
        return
    data = result.data
    async with rt.sessionmaker() as db:
        await sessions.lock_session_row(db, uuid.UUID(session_id))  # session, then branch
        session = await db.get(AISession, uuid.UUID(session_id))
        if session is None:
            return
        await privacy.remember(db, session.id, session.account_id, vault)
        await record_usage(db, session.id, session.account_id, provider)
        if session.active_branch_id is not None:
            await db.execute(
                select(SessionBranch.id)
                .where(SessionBranch.id == session.active_branch_id)
                .with_for_update()
            )
        if not session.problem_domain and data.get("problem_domain"):
            session.problem_domain = str(data["problem_domain"])[:120]
        checks = [str(c) for c in data.get("first_checks", [])][:5]
        await tree.add_step(
            db,
            session_id=session.id,
            account_id=session.account_id,
            branch_id=session.active_branch_id,
            step_type="intake_analysis",
            title=f"Intake: {data.get('problem_domain', 'General')}",
            content="\n".join(f"- {c}" for c in checks),
            data=data,
            provider=rt.provider.name,
            model=rt.provider.model,
            input_tokens=result.usage.input_tokens,
            output_tokens=result.usage.output_tokens,
        )
        await db.commit()


EVIDENCE_SYSTEM = (
    "You read one message an MSP engineer wrote while troubleshooting an IT problem and list "
    "the evidence it contains. Copy error codes, product names and versions exactly as "
    "written. 'done' holds what the engineer reports having checked or changed, with the "
    "result; 'not_done' what they say they have not tried; 'findings' what they observed. "
    "List only what the message says; never guess or add advice."
)


@job_app.task(name="extract_evidence", retry=RetryStrategy(max_attempts=3, exponential_wait=2))
async def extract_evidence(message_id: str) -> None:
    await run_evidence_extraction(message_id)


STEP_REPORTS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "maxItems": 6,
    "description": "Which of the open suggestions the message reports on, if any",
    "items": {
        "type": "object",
        "properties": {
            "suggestion": {"type": "integer", "minimum": 1, "maximum": 6},
            "state": {"type": "string", "enum": ["done", "skipped", "not_applicable"]},
            "result": {"type": "string", "maxLength": 500},
        },
        "required": ["suggestion", "state", "result"],
    },
}


async def run_evidence_extraction(message_id: str) -> None:
    """A model's reading of an engineer message, joined to the extractor's evidence on the
    message (later turns of the branch rank and reason on both), and which open suggestions
    it reports on (what the deterministic reading left open). No transaction is open while
    the model answers."""
    rt = runtime()
    async with rt.sessionmaker() as db:
        row = await db.get(SessionMessage, uuid.UUID(message_id))
        if row is None or row.role != "user" or row.meta.get("evidence_source") == "model":
            return
        content, session_id, branch_id = row.content, row.session_id, row.branch_id
        owner = await db.get(AISession, session_id)
        if owner is None:
            return
        guarded, vault = await privacy.guarded(db, rt.provider, owner)
        provider = metered(guarded)
        open_steps = [
            (s.id, s.title)
            for s in await db.scalars(
                sessions.open_suggestions(branch_id, row.account_id)
                .where(AISessionStep.created_at <= row.created_at)
                .limit(OPEN_SUGGESTIONS_READ)
            )
        ]
    listed = "\n".join(f"{i + 1}. {title}" for i, (_, title) in enumerate(open_steps))
    request = StructuredRequest(
        system=EVIDENCE_SYSTEM
        + " 'step_reports' maps the message to the open suggestions it reports on: done "
        "(with the result in the engineer's words), skipped, or not_applicable; leave it "
        "empty when the message does not say.",
        prompt=f"Open suggestions:\n{listed or '(none)'}\n\nMessage:\n{content[:6000]}",
        schema={
            **EVIDENCE_SCHEMA,
            "properties": {**EVIDENCE_SCHEMA["properties"], "step_reports": STEP_REPORTS_SCHEMA},
        },
        name="message_evidence",
        offline_compose=lambda: extract(content).as_dict(),
        max_tokens=900,
    )
    result = await structured_or_skip(provider, request, message_id=message_id)
    if result is None:
        return
    found = from_model(result.data)
    async with rt.sessionmaker() as db:
        # The writers' lock order: the session row first (this adds to its token totals, as a
        # turn saving its reply does). The message is locked against other changes but not
        # against the reply's insert, which checks it as its parent (FOR KEY SHARE).
        await sessions.lock_session_row(db, session_id)
        row = await db.get(
            SessionMessage, uuid.UUID(message_id), with_for_update={"key_share": True}
        )
        if row is None:
            return
        await privacy.remember(db, row.session_id, row.account_id, vault)
        await record_usage(db, row.session_id, row.account_id, provider)
        stored = Evidence.from_dict(row.meta.get("evidence"))
        row.meta = {
            **row.meta,
            "evidence": stored.enriched_by(found).as_dict(),
            "evidence_source": "model",
        }
        await apply_model_reports(db, row, open_steps, result.data.get("step_reports"))
        await tree.add_job_usage(db, session_id, result.usage)
        await db.commit()


async def apply_model_reports(
    db: Any, message: SessionMessage, open_steps: list[tuple[uuid.UUID, str]], reports: Any
) -> None:
    """The model's mapping, for suggestions still open (never over the engineer's own word)."""
    if not isinstance(reports, list):
        return
    for item in reports[:6]:
        if not isinstance(item, dict):
            continue
        index, state = item.get("suggestion"), item.get("state")
        result = " ".join(str(item.get("result") or "").split())[:500]
        if not isinstance(index, int) or not 1 <= index <= len(open_steps):
            continue
        if state not in REPORTED_STATES or (state == "done" and not result):
            continue
        step = await db.get(AISessionStep, open_steps[index - 1][0], with_for_update=True)
        if step is None or step.state != "suggested":
            continue
        step.state, step.result = state, result
        step.reported_by = message.author_id
        step.reported_at = datetime.now(UTC)
        step.report_message_id = message.id
        step.report_source = "model"
