"""The offline provider: no network, deterministic, grounded in the playbook library.

It answers with the next diagnostic step of the best-matching playbook that this branch has
not covered yet, and says plainly that it is running offline.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

from flowpilot.ai.base import (
    ChatEvent,
    ChatMessage,
    ChatRequest,
    Completed,
    ProviderError,
    Reference,
    StructuredRequest,
    StructuredResult,
    TextDelta,
    Usage,
)

BANNER = "_Offline mode: answering from FlowPilot's playbook library (no AI model configured)._"
# Two playbooks this close in score are competing hypotheses worth a fork.
CLOSE_MATCH_RATIO = 0.6


class OfflineProvider:
    name = "offline"
    model = "offline-playbooks"
    supports_images = False

    def __init__(self, stream_delay_ms: int = 0) -> None:
        self.delay = stream_delay_ms / 1000

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatEvent]:
        text, meta = compose_reply(request.history, request.references, request.focus)
        for piece in re.findall(r"\S+\s*|\s+", text):
            yield TextDelta(piece)
            if self.delay:
                await asyncio.sleep(self.delay)
        yield Completed(usage=Usage(), meta=meta)

    async def structured(self, request: StructuredRequest) -> StructuredResult:
        if request.offline_compose is None:
            raise ProviderError(f"Offline mode cannot produce '{request.name}'", retryable=False)
        return StructuredResult(data=request.offline_compose(), usage=Usage())


def covered_steps(history: list[ChatMessage]) -> dict[str, set[int]]:
    covered: dict[str, set[int]] = {}
    for msg in history:
        slug = msg.meta.get("playbook")
        index = msg.meta.get("step_index")
        if msg.role == "assistant" and isinstance(slug, str) and isinstance(index, int):
            covered.setdefault(slug, set()).add(index)
    return covered


def current_playbook(history: list[ChatMessage]) -> str | None:
    for msg in reversed(history):
        if msg.role == "assistant" and isinstance(msg.meta.get("playbook"), str):
            return str(msg.meta["playbook"])
    return None


def _next_step(ref: Reference, done: set[int]) -> tuple[int, dict[str, Any]] | None:
    for index, step in enumerate(ref.steps):
        if index not in done:
            return index, step
    return None


def compose_reply(
    history: list[ChatMessage], references: list[Reference], focus: str | None = None
) -> tuple[str, dict[str, Any]]:
    meta: dict[str, Any] = {"offline": True}
    if not references:
        meta["step_type"] = "info_request"
        return (
            f"{BANNER}\n\nI could not match this to a playbook yet. To narrow it down, tell me:\n"
            "1. The exact error message or symptom (a screenshot or log line helps).\n"
            "2. Who is affected: one user, one device, one site, or everyone?\n"
            "3. When it started, and what changed around then (updates, passwords, network).",
            meta,
        )

    covered = covered_steps(history)
    in_progress = focus or current_playbook(history)
    by_slug = {r.slug: r for r in references}
    ordered = sorted(references, key=lambda r: -r.score)
    if in_progress in by_slug:
        ordered.remove(by_slug[in_progress])
        ordered.insert(0, by_slug[in_progress])

    lines = [BANNER, ""]
    close = [
        r for r in ordered[1:3] if r.score >= ordered[0].score * CLOSE_MATCH_RATIO and r.score > 0
    ]
    if in_progress is None and close:
        meta["fork_suggestions"] = [
            {"label": r.title, "description": r.summary, "playbook": r.slug}
            for r in [ordered[0], *close]
        ]
        names = " or ".join(f"**{r.title}**" for r in [ordered[0], *close])
        lines += [f"This could be {names}. I'll start with the first; the others stay open.", ""]

    for ref in ordered:
        found = _next_step(ref, covered.get(ref.slug, set()))
        if found is None:
            if ref.slug == in_progress:
                lines += [f"All steps of **{ref.title}** are covered on this branch.", ""]
            continue
        index, step = found
        meta.update(
            playbook=ref.slug,
            step_index=index,
            step_type=step.get("kind", "action"),
            title=step["title"],
            playbook_title=ref.title,
        )
        lines += [
            f"Playbook: **{ref.title}** ({ref.domain})",
            "",
            f"**Step {index + 1} of {len(ref.steps)}: {step['title']}**",
            "",
            str(step["instruction"]).strip(),
        ]
        if step.get("expect"):
            lines += ["", f"_What to look for:_ {str(step['expect']).strip()}"]
        lines += ["", "Tell me what you find and I'll give you the next step."]
        return "\n".join(lines), meta

    meta["step_type"] = "note"
    lines += [
        "Every step of the matching playbooks is covered on this branch. Consider escalating, "
        "or describe any new symptom so I can search again."
    ]
    return "\n".join(lines), meta
