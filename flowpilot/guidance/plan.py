"""One turn's guidance: which playbook fits the branch's evidence (re-ranked every turn), whether
to keep, switch or drop the branch's playbook, and what the playbook says to do next.

Pure: the chat runner gives it the library index and the branch path; the same plan feeds the
offline answer and a real model's prompt, and is recorded on the reply (`meta.guide`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from flowpilot.guidance.advisor import Advice, BranchState, GivenFix, advise
from flowpilot.guidance.evidence import Evidence, action_reports, extract, merge_all
from flowpilot.guidance.ranking import FIT_THRESHOLD, Index, Match, evidence_query

# Another playbook takes over a branch only when it fits clearly better than the current one.
SWITCH_MARGIN = 0.12
# Candidates this close to the best are competing hypotheses worth a fork.
FORK_MARGIN = 0.06
CANDIDATES_SHOWN = 3


class Said(Protocol):
    """A message as guidance reads it (the chat's ChatMessage fits): guidance knows no provider."""

    @property
    def role(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def meta(self) -> dict[str, Any]: ...


@dataclass
class Candidate:
    slug: str
    title: str
    kind: str
    confidence: float
    matched: list[str] = field(default_factory=list)
    own: bool = False

    @property
    def fits(self) -> bool:
        return self.confidence >= FIT_THRESHOLD

    @classmethod
    def of(cls, match: Match) -> Candidate:
        d = match.doc
        return cls(d.slug, d.title, d.kind, round(match.confidence, 2), match.matched, d.own)

    @classmethod
    def from_meta(cls, data: dict[str, Any]) -> Candidate | None:
        try:
            return cls(
                slug=str(data["slug"]),
                title=str(data["title"]),
                kind=str(data.get("kind", "flow")),
                confidence=float(data["confidence"]),
                matched=[str(m) for m in data.get("matched", [])],
                own=bool(data.get("own", False)),
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass
class GuidePlan:
    evidence: Evidence
    candidates: list[Candidate]
    focus: Candidate | None = None
    playbook: dict[str, Any] | None = None
    # Candidates as they were when the branch's playbook was chosen: the model's stable prefix.
    frozen: list[Candidate] = field(default_factory=list)
    switched_from: Candidate | None = None
    dropped: Candidate | None = None  # the branch's playbook no longer fits the evidence
    advice: Advice | None = None
    hypothesis: str | None = None
    fork_options: list[Candidate] = field(default_factory=list)
    problem: str = ""  # the problem statement (first message or intake summary)

    @property
    def no_fit(self) -> bool:
        return self.focus is None

    def meta(self) -> dict[str, Any]:
        """What the reply records, so the next turn knows the branch's playbook and steps."""
        advice = self.advice
        data: dict[str, Any] = {
            "focus": asdict(self.focus) if self.focus else None,
            "candidates": [asdict(c) for c in self.frozen],
            "no_fit": self.no_fit,
            # What the branch has established, for the "Known so far" panel.
            "known": self.evidence.known_so_far(),
        }
        if advice is not None:
            data["advice"] = advice.kind
            if advice.step is not None:
                data["step_id"] = advice.step["id"]
            if advice.kind == "fix" and advice.cause is not None:
                data["fix_cause"] = advice.cause["id"]
        return data


def _previous_guide(own_history: Sequence[Said]) -> dict[str, Any] | None:
    for msg in reversed(own_history):
        guide = msg.meta.get("guide") if msg.role == "assistant" else None
        if isinstance(guide, dict):
            return guide
    return None


def _last_full_guide(earlier: Earlier | None) -> dict[str, Any] | None:
    for mark in reversed(earlier.guides if earlier else []):
        if isinstance(mark.get("guide"), dict):
            return mark["guide"]  # type: ignore[no-any-return]
    return None


@dataclass
class Earlier:
    """What the path's older, digested part established (see sessions/history.py): its
    merged evidence, and the guide marks of this branch's own replies there."""

    evidence: Evidence
    guides: list[dict[str, Any]] = field(default_factory=list)


def branch_evidence(
    history: Sequence[Said], attachments: list[str], earlier: Earlier | None = None
) -> Evidence:
    items = [earlier.evidence] if earlier is not None else []
    # The problem statement opens the path; once it is in the digested part, every message
    # read here is a report.
    first = earlier is None
    for msg in history:
        if msg.role != "user":
            continue
        stored = msg.meta.get("evidence")
        item = Evidence.from_dict(stored) if isinstance(stored, dict) else extract(msg.text)
        if first:
            item.findings = []  # the problem statement itself, not a finding
            first = False
        items.append(item)
    items += [extract(a) for a in attachments]
    return merge_all(items)


def _marks(own_history: Sequence[Said], earlier: Earlier | None) -> list[dict[str, Any]]:
    """Each of the branch's guided replies, oldest first: playbook slug, step, fix given."""
    marks = list(earlier.guides) if earlier is not None else []
    for msg in own_history:
        guide = msg.meta.get("guide") if msg.role == "assistant" else None
        if isinstance(guide, dict):
            focus = guide.get("focus") or {}
            marks.append(
                {
                    "slug": focus.get("slug") if isinstance(focus, dict) else None,
                    "step_id": guide.get("step_id"),
                    "fix_cause": guide.get("fix_cause"),
                }
            )
    return marks


def _state(
    focus_slug: str,
    history: Sequence[Said],
    marks: list[dict[str, Any]],
    user_text: str,
) -> BranchState:
    latest = next((m.text for m in reversed(history) if m.role == "user"), "")
    users = sum(1 for m in history if m.role == "user")
    state = BranchState(user_text=user_text, latest=latest, follow_up=bool(marks) or users > 1)
    follow_ups = [m.text for m in history if m.role == "user"][1:]
    state.actions = [s for text in follow_ups for s in action_reports(text)]
    for mark in marks:
        if mark.get("slug") != focus_slug:
            continue
        if isinstance(mark.get("step_id"), str):
            state.suggested_steps.add(mark["step_id"])
        if isinstance(mark.get("fix_cause"), str):
            state.fixes_given.add(mark["fix_cause"])
    if marks and marks[-1].get("slug") == focus_slug:
        step_id = marks[-1].get("step_id")
        state.last_step_id = step_id if isinstance(step_id, str) else None
    state.open_fixes = _fixes_and_reports_since(history, focus_slug)
    return state


def _fixes_and_reports_since(history: Sequence[Said], focus_slug: str) -> list[GivenFix]:
    """Each fix this playbook's replies gave in the recent path, with what the engineer had
    said before it and every report after it (newest fix first)."""
    said: list[str] = []
    given: dict[str, GivenFix] = {}
    for msg in history:
        if msg.role == "user":
            said.append(msg.text)
            for fix in given.values():
                fix.reports.append(msg.text)
            continue
        guide = msg.meta.get("guide") if msg.role == "assistant" else None
        focus = guide.get("focus") if isinstance(guide, dict) else None
        cause = guide.get("fix_cause") if isinstance(guide, dict) else None
        if isinstance(focus, dict) and focus.get("slug") == focus_slug and isinstance(cause, str):
            # First given: a reply holding the fix gives it again, but the engineer's
            # words before it was first given are what "new evidence" is measured against.
            given.setdefault(cause, GivenFix(cause, "\n".join(said)))
    return list(reversed(given.values()))


def build_plan(
    index: Index,
    *,
    problem_summary: str,
    history: Sequence[Said],
    own_history: Sequence[Said],
    hypothesis: str | None = None,
    attachments: list[str] | None = None,
    earlier: Earlier | None = None,
) -> GuidePlan:
    """`history` is the path's recent part (or all of it); `earlier` what the part before it
    established."""
    attachments = attachments or []
    evidence = branch_evidence(history, attachments, earlier)
    reports = [m.text for m in history if m.role == "user"]
    if problem_summary and problem_summary.strip() not in {r.strip() for r in reports}:
        reports.insert(0, problem_summary)
    user_text = "\n".join([*reports, *attachments])
    query = evidence_query(user_text, evidence, boosted=hypothesis or "")
    ranked = index.rank(query, limit=len(index.docs), explain=CANDIDATES_SHOWN)
    by_slug = {m.doc.slug: m for m in ranked}
    top = [Candidate.of(m) for m in ranked[:CANDIDATES_SHOWN]]
    plan = GuidePlan(
        evidence=evidence,
        candidates=top,
        hypothesis=hypothesis,
        problem=reports[0] if reports else "",
    )

    previous = _previous_guide(own_history) or _last_full_guide(earlier)
    prev_focus = Candidate.from_meta((previous or {}).get("focus") or {})
    best = ranked[0] if ranked and ranked[0].fits else None
    chosen: Match | None = best
    if prev_focus is not None:
        current = by_slug.get(prev_focus.slug)
        if current is not None and current.fits:
            current = index.explained(current, query)
            chosen = current
            clearly_better = (
                best is not None
                and best.doc.slug != current.doc.slug
                and best.confidence >= current.confidence + SWITCH_MARGIN
            )
            if clearly_better and best is not None:
                chosen = best
                plan.switched_from = Candidate.of(current)
        else:
            plan.dropped = prev_focus
    if chosen is None:
        plan.frozen = top
        return plan

    plan.focus = Candidate.of(chosen)
    plan.playbook = chosen.doc.payload["guide"] if chosen.doc.payload else None
    keep_frozen = (
        previous is not None
        and prev_focus is not None
        and prev_focus.slug == chosen.doc.slug
        and plan.switched_from is None
    )
    if keep_frozen and previous is not None:
        frozen = [Candidate.from_meta(c) for c in previous.get("candidates", [])]
        # The scores it was chosen with: the model's prompt prefix stays byte-identical.
        plan.frozen = [c for c in frozen if c is not None]
    else:
        plan.frozen = [plan.focus, *[c for c in top if c.slug != plan.focus.slug]][
            :CANDIDATES_SHOWN
        ]
    if previous is None and hypothesis is None:
        plan.fork_options = [
            c for c in top if c.fits and c.confidence >= top[0].confidence - FORK_MARGIN
        ][:3]
        if len(plan.fork_options) < 2:
            plan.fork_options = []
    if plan.playbook is not None:
        plan.advice = advise(
            plan.playbook,
            _state(chosen.doc.slug, history, _marks(own_history, earlier), user_text),
            index.idf,
        )
    return plan
