"""Which open suggestions an engineer's message reports on, and how.

A suggestion stays `suggested` until the engineer says something about it. Deterministic, so
the record never depends on a model's mood:
- "I have not tried any of that" skips every open suggestion on the branch;
- the newest open suggestion (the one the last reply proposed) takes the message's report:
  `not_applicable` ("we don't have a print server"), `skipped` ("skip that", "no access"),
  or `done` with the engineer's own words as the result when the message reports a result
  about it (a done-report about something else stays the engineer's own report);
- an older open suggestion is `done` only when a done-report names it (most of its words).
Reports the engineer never made leave suggestions as they are: never performed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flowpilot.guidance.evidence import Evidence
from flowpilot.guidance.text import content_stems

SKIP_ALL = re.compile(
    r"\b(have not|haven't|did not|didn't|not)\s+(tried|done|checked|run|touched)\s+(any|all)\s+"
    r"of\s+(that|those|these|it|them)\b|\bnone of (that|those|these|it)\b|"
    r"\bdidn't get to (any|those|that)\b",
    re.I,
)
NOT_APPLICABLE = re.compile(
    r"\b(not applicable|n/a|doesn't apply|does not apply|irrelevant here|"
    r"we don't (have|use)|they don't (have|use)|there is no|there's no|no such)\b",
    re.I,
)
SKIPPED = re.compile(
    r"\b(skip(ped)?|can't do that|cannot do that|couldn't (do|run|check) (that|it)|"
    r"no access to|not possible|not allowed to|won't do that|rather not)\b",
    re.I,
)
MAX_RESULT = 500


@dataclass(frozen=True)
class OpenSuggestion:
    id: object
    title: str


@dataclass(frozen=True)
class Report:
    step_id: object
    state: str  # done | skipped | not_applicable
    result: str


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_RESULT else text[: MAX_RESULT - 1] + "…"


def _names(report: str, title: str) -> bool:
    wanted = set(content_stems(title))
    shared = wanted & set(content_stems(report))
    return len(shared) >= 2 and len(shared) >= 0.6 * len(wanted)


def reports_for(text: str, evidence: Evidence, open_steps: list[OpenSuggestion]) -> list[Report]:
    """open_steps: the branch's open suggestions, newest first."""
    if not open_steps:
        return []
    if SKIP_ALL.search(text):
        why = _clip(next((s for s in evidence.not_done if SKIP_ALL.search(s)), text))
        return [Report(s.id, "skipped", why) for s in open_steps]
    reports: list[Report] = []
    newest, older = open_steps[0], open_steps[1:]
    for step in older:
        done = [d for d in evidence.done if _names(d, step.title)]
        if done:
            reports.append(Report(step.id, "done", _clip("; ".join(done))))
    if NOT_APPLICABLE.search(text):
        reports.insert(0, Report(newest.id, "not_applicable", _clip(text)))
    elif SKIPPED.search(text) or any(_names(n, newest.title) for n in evidence.not_done):
        reports.insert(0, Report(newest.id, "skipped", _clip(text)))
    elif evidence.done and not any(_touches(d, newest.title) for d in evidence.done):
        pass  # they did something else: kept as their own report, not as this suggestion
    elif evidence.done or evidence.findings:
        reports.insert(0, Report(newest.id, "done", _clip(text)))
    return reports


def _touches(report: str, title: str) -> bool:
    return bool(set(content_stems(title)) & set(content_stems(report)))
