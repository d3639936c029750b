"""BranchAwarePromptBuilder: a pure function of its inputs, ordered for prompt caching.

1. system text + session context with the intake + the candidate playbooks with the scores
   they were chosen with + the playbook the branch follows, in full          (stable)
2. the branch's path: digests of the chunks cut for length, then the newest messages in full
   (append-only: each turn extends the previous prefix; a cut moves a whole chunk at a time)
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


def with_digests(history: list[ChatMessage], digests: list[str]) -> list[ChatMessage]:
    """The window of recent messages, after one note that carries the digests of the older
    chunks (see sessions/history.py). The note changes only when another chunk is cut."""
    if not digests:
        return history
    note = (
        "(Earlier history of this branch, digested for length; the newest digests last:)\n\n"
        + "\n\n".join(digests)
    )
    return [ChatMessage(role="user", text=note), *history]


@dataclass(frozen=True)
class BranchAwarePromptBuilder:
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
        digests: Sequence[str] = (),
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
            history=with_digests(list(history), list(digests)),
            volatile_context=volatile,
            max_tokens=self.max_tokens,
            guide=plan,
        )
