"""BranchAwarePromptBuilder: a pure function of its inputs, ordered for prompt caching.

1. system text + session context with the intake + the candidate playbooks with the scores
   they were chosen with + the playbook the branch follows, in full          (stable)
2. the branch's own path, in full      (append-only: each turn extends the previous prefix)
3. volatile context, next to the new message: the evidence ("known so far"), this turn's
   match scores and the guide's next move, attachments, sibling/ancestor summaries (dead ends
   marked "ruled out"). Changing any of these never invalidates 1–2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flowpilot.ai.base import ChatMessage, ChatRequest, SystemBlock
from flowpilot.ai.prompts import (
    SYSTEM_BASE,
    candidates_block,
    playbook_block,
    session_context,
    turn_block,
)
from flowpilot.branching.summaries import SiblingSummary, siblings_block
from flowpilot.guidance.plan import GuidePlan
from flowpilot.guidance.ranking import FIT_THRESHOLD

CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    return len(text) // CHARS_PER_TOKEN + 1


def fit_history(history: list[ChatMessage], budget_tokens: int) -> list[ChatMessage]:
    """Keep the newest turns within budget; the older part of the path becomes one note that
    lists what those turns were about (the first line of each), oldest first."""
    kept: list[ChatMessage] = []
    used = 0
    for msg in reversed(history):
        cost = estimate_tokens(msg.text)
        if kept and used + cost > budget_tokens:
            break
        kept.append(msg)
        used += cost
    kept.reverse()
    dropped = history[: len(history) - len(kept)]
    if dropped:
        gist = [
            f"- {m.role}: {m.text.strip().splitlines()[0][:120]}" for m in dropped if m.text.strip()
        ][-40:]
        note = (
            f"(Summary of the {len(dropped)} earliest messages of this branch, "
            "omitted for length:)\n" + "\n".join(gist)
        )
        kept.insert(0, ChatMessage(role="user", text=note))
    return kept


@dataclass(frozen=True)
class BranchAwarePromptBuilder:
    history_budget_tokens: int
    max_tokens: int

    def build(
        self,
        *,
        title: str,
        problem_summary: str,
        problem_domain: str | None,
        branch_label: str | None,
        history: Sequence[ChatMessage],
        siblings: list[SiblingSummary],
        plan: GuidePlan | None = None,
        intake: dict[str, Any] | None = None,
        attachments: list[str] | None = None,
    ) -> ChatRequest:
        context = session_context(title, problem_summary, problem_domain, intake)
        if branch_label:
            context += f"\nCurrent hypothesis (branch): {branch_label}"
        system = [SystemBlock(SYSTEM_BASE), SystemBlock(context)]
        if plan is not None:
            # Candidates as scored when the branch's playbook was chosen, and that playbook
            # in full: both stay byte-identical until the playbook changes.
            guide = candidates_block(plan.frozen, FIT_THRESHOLD)
            if plan.playbook is not None:
                guide += "\n\n" + playbook_block(plan.playbook)
            system.append(SystemBlock(guide))
        attached = (
            "Attachments on this branch (descriptions, not the files):\n"
            + "\n".join(f"- {a}" for a in attachments)
            if attachments
            else ""
        )
        turn = turn_block(plan) if plan is not None else ""
        volatile = "\n\n".join(part for part in (turn, attached, siblings_block(siblings)) if part)
        return ChatRequest(
            system=system,
            history=fit_history(list(history), self.history_budget_tokens),
            volatile_context=volatile,
            max_tokens=self.max_tokens,
            guide=plan,
        )
