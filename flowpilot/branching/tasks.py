"""Branch jobs: keep each branch's context_summary true."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from procrastinate import RetryStrategy

from flowpilot.ai.base import StructuredRequest
from flowpilot.branching.summaries import (
    artifacts_by_branch,
    compose_summary,
    performed_line,
    reported_steps,
)
from flowpilot.jobs.app import job_app
from flowpilot.jobs.runtime import runtime, structured_or_skip
from flowpilot.privacy import service as privacy
from flowpilot.sessions import history
from flowpilot.sessions.models import AISession, SessionBranch
from flowpilot.usage.meter import metered
from flowpilot.usage.meter import record as record_usage

SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "tried": {"type": "array", "items": {"type": "string"}, "maxItems": 8},
        "concluded": {"type": "string"},
        "artifacts": {"type": "array", "items": {"type": "string"}, "maxItems": 8},
    },
    "required": ["tried", "concluded", "artifacts"],
}
TRANSCRIPT_CHARS = 12_000


@job_app.task(name="summarize_branch", retry=RetryStrategy(max_attempts=5, exponential_wait=2))
async def summarize_branch(branch_id: str) -> None:
    rt = runtime()
    async with rt.sessionmaker() as db:
        branch = await db.get(SessionBranch, uuid.UUID(branch_id))
        if branch is None:
            return
        if branch.context_summary and not branch.summary_stale:
            return  # nothing moved since the last summary
        steps = await reported_steps(db, branch.id)
        artifacts = (await artifacts_by_branch(db, branch.session_id)).get(branch.id)
        reports = ""
        # The offline provider composes the summary from the record (offline_compose): the
        # transcript is read only for a model that reads the prompt.
        if branch.head_message_id is not None and rt.provider.name != "offline":
            # Only the engineer's own words on this branch, newest first up to the budget:
            # a suggestion nobody acted on is not something the branch tried.
            own = await history.walk(
                db,
                branch.session_id,
                branch.head_message_id,
                min_depth=await history.fork_depth(db, branch) + 1,
                budget_chars=TRANSCRIPT_CHARS,
                roles=["user"],
                keep=["user"],
            )
            reports = "\n".join(f"- {row.content}" for row, _ in own)[-TRANSCRIPT_CHARS:]
        performed = "\n".join(f"- {s.state.replace('_', ' ')}: {performed_line(s)}" for s in steps)
        status_note = f"Status: {branch.status}. Reason: {branch.status_reason or '-'}"
        request = StructuredRequest(
            system=(
                "Summarise one diagnostic branch of an IT troubleshooting session for the "
                "engineer's other branches: what the engineer did (short phrases with the "
                "result; only what they reported doing, never a suggestion they did not act "
                "on), what was concluded (one sentence; if ruled out, say why), and key "
                "artifacts (error codes, log lines, settings)."
            ),
            prompt=(
                f"Hypothesis: {branch.label}\n{status_note}\n\n"
                f"Steps the engineer reported on:\n{performed or '- none'}\n\n"
                f"The engineer's messages:\n{reports or '- none'}"
            ),
            schema=SUMMARY_SCHEMA,
            name="branch_summary",
            offline_compose=lambda: compose_summary(branch, steps, artifacts),
        )
        read_state = (branch.head_message_id, branch.status, branch.status_changed_at)
        session = await db.get(AISession, branch.session_id)
        if session is None:
            return
        guarded, vault = await privacy.guarded(db, rt.provider, session)
        provider = metered(guarded)
    # The model is asked with the reading session closed: no connection or lock held.
    result = await structured_or_skip(provider, request)
    if result is None:
        return
    data = result.data
    async with rt.sessionmaker() as db:
        current = await db.get(SessionBranch, uuid.UUID(branch_id), with_for_update=True)
        if current is None:
            return
        await privacy.remember(db, current.session_id, current.account_id, vault)
        await record_usage(db, current.session_id, current.account_id, provider)
        current.context_summary = {
            "tried": [str(t) for t in data.get("tried", [])][:8],
            "concluded": str(data.get("concluded", "")),
            "artifacts": [str(a) for a in data.get("artifacts", [])][:8],
        }
        current.summary_generated_at = datetime.now(UTC)
        # Messages or a status change that arrived while the model wrote keep the summary
        # stale (a later job picks them up).
        current.summary_stale = read_state != (
            current.head_message_id,
            current.status,
            current.status_changed_at,
        )
        await db.commit()
