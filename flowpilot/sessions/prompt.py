"""Build a provider request for one turn: a pure function of its inputs.

Order matters for prompt caching: system text and session context (stable per session),
then the branch history (grows append-only), and only then the volatile parts (retrieved
playbooks), attached to the new user message.
"""

from __future__ import annotations

from collections.abc import Sequence

from flowpilot.ai.base import ChatMessage, ChatRequest, Reference, SystemBlock
from flowpilot.ai.prompts import SYSTEM_BASE, references_block, session_context

CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    return len(text) // CHARS_PER_TOKEN + 1


def fit_history(history: list[ChatMessage], budget_tokens: int) -> list[ChatMessage]:
    """Keep the newest turns within budget; older ones are replaced by one short note."""
    kept: list[ChatMessage] = []
    used = 0
    for msg in reversed(history):
        cost = estimate_tokens(msg.text)
        if kept and used + cost > budget_tokens:
            break
        kept.append(msg)
        used += cost
    kept.reverse()
    dropped = len(history) - len(kept)
    if dropped:
        note = ChatMessage(
            role="user",
            text=f"(The {dropped} earliest messages of this conversation are omitted for length.)",
        )
        kept.insert(0, note)
    return kept


def build_chat_request(
    *,
    title: str,
    problem_summary: str,
    problem_domain: str | None,
    history: Sequence[ChatMessage],
    references: list[Reference],
    history_budget_tokens: int,
    max_tokens: int,
) -> ChatRequest:
    return ChatRequest(
        system=[
            SystemBlock(SYSTEM_BASE),
            SystemBlock(session_context(title, problem_summary, problem_domain)),
        ],
        history=fit_history(list(history), history_budget_tokens),
        volatile_context=references_block(references),
        references=references,
        max_tokens=max_tokens,
    )
