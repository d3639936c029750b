"""Choose what to tell the engineer next from one playbook and the branch's evidence.

Order of precedence, as an experienced engineer would work:
1. the engineer says it is fixed           -> stop troubleshooting, record it
2. the evidence confirms a cause            -> go straight to that cause's fix
3. otherwise the most informative check not yet done: checks whose `when` matches the
   evidence first, then checks that test the working hypothesis, then the playbook's order;
   checks reported done (`done_if`, or their command in the engineer's words) and checks
   already suggested on this branch are never repeated
4. nothing left                             -> say the playbook is exhausted (no drifting)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flowpilot.guidance.text import any_phrase, content_stems, find_phrase, overlap, phrase_stems

FIXED = re.compile(
    r"\b(that|this|it|which) (fixed|solved|resolved|did) (it|the trick|the issue|the problem)\b|"
    r"\b(works|working|prints|printing|connects|connecting|syncs|syncing) (fine |again |now )"
    r"(now|again)?\b|\b(issue|problem) (is )?(fixed|resolved|solved|gone)\b|\ball good now\b|"
    r"\bback to normal\b|\bfixed (it|now)\b",
    re.I,
)
NOT_FIXED = re.compile(
    r"\b(not|n't|never|still)\b[^.]{0,20}\b(fixed|working|resolved|solved)\b", re.I
)
COMMAND = re.compile(r"`([^`]{3,200})`")
# A clause that reports a check came back clean ("the PSK matches on both sides", "Test Now
# succeeded", "the firewall ports are open") rules out the cause it is about...
CLEAN_RESULT = re.compile(
    r"\b(verified|matches|match|matching|correct|correctly|fine|ok|okay|succeed|succeeds|"
    r"succeeded|successful|successfully|passed|passes|valid|identical|no errors?|"
    r"is running|are running|is open|are open|accessible|reachable|resolves|resolve correctly|"
    r"not the (issue|problem|cause)|ruled out|looks good|is good|are good|all green|in sync|"
    r"healthy|up to date|as expected)\b",
    re.I,
)
# ...unless the same clause also reports a failure.
FAILED_RESULT = re.compile(
    r"\b(fail|fails|failed|failing|error|errors|denied|not working|doesn't|does not|didn't|"
    r"did not|can't|cannot|won't|wrong|mismatch|mismatched|expired|stopped|blocked|missing|"
    r"broken|invalid|still|unable|timed out|times out|refused|drops|dropping|never|"
    r"disconnects|disconnected|hangs|crashes|crashed|no longer|"
    r"not(?! the (issue|problem|cause)))\b",
    re.I,
)
CLAUSE = re.compile(
    r"[.;:!?\n]+|\s(?:but|however|although|though|while|whereas)\s|,\s*(?:and\s+)?(?=\w+\s)", re.I
)


# A confirming phrase confirms on its own only when it is specific: a code or number, three
# or more content words, or a word few playbooks use (idf over the library). "NAS", "SAML" or
# "login error" describe the problem, not its cause: they raise a cause as the working
# hypothesis instead.
SPECIFIC_IDF = 3.0
DIGIT = re.compile(r"\d")


@dataclass
class Interpreted:
    step_title: str
    result: str
    means: str
    cause_id: str | None = None


@dataclass
class Advice:
    kind: str  # "fixed" | "fix" | "step" | "exhausted"
    step: dict[str, Any] | None = None
    cause: dict[str, Any] | None = None
    confirmed_by: str | None = None
    hypothesis: dict[str, Any] | None = None
    other_causes: list[dict[str, Any]] = field(default_factory=list)
    interpreted: Interpreted | None = None
    skipped_done: list[str] = field(default_factory=list)
    # Causes the engineer's reports rule out (a clean result about them), with the clause.
    ruled_out: list[tuple[dict[str, Any], str]] = field(default_factory=list)


@dataclass
class BranchState:
    """What the branch has said and been told, for one playbook."""

    user_text: str  # every engineer message on the branch (and upload descriptions)
    latest: str  # the newest engineer message
    suggested_steps: set[str] = field(default_factory=set)
    fixes_given: set[str] = field(default_factory=set)
    last_step_id: str | None = None


def says_fixed(latest: str) -> bool:
    return bool(FIXED.search(latest)) and not NOT_FIXED.search(latest)


def step_done(step: dict[str, Any], text: str) -> bool:
    if any_phrase(text, step.get("done_if", [])):
        return True
    low = text.lower()
    for command in COMMAND.findall(step.get("check", "")):
        head = " ".join(re.sub(r"<[^>]*>", "", command).split()[:2]).lower()
        if len(head) >= 6 and head in low:
            return True
    return False


def step_applies(step: dict[str, Any], text: str) -> tuple[bool, bool]:
    """(applies, specific): a step with `when` applies only when the evidence matches it."""
    when = step.get("when", [])
    if not when:
        return True, False
    hit = any_phrase(text, when) is not None
    return hit, hit


def clauses(text: str) -> list[str]:
    return [c.strip() for c in CLAUSE.split(text) if c and len(c.strip()) > 3]


def reports_clean(clause: str) -> bool:
    return bool(CLEAN_RESULT.search(clause)) and not FAILED_RESULT.search(clause)


def _about(cause: dict[str, Any], clause: str) -> bool:
    """Whether a clause talks about this cause: one of its confirming phrases, or most of the
    content words of its title."""
    if any_phrase(clause, cause.get("confirm_if", [])):
        return True
    title = set(content_stems(re.sub(r"\(.*?\)", " ", cause["title"])))
    shared = len(title & set(content_stems(clause)))
    return shared >= 2 and shared >= 0.5 * len(title)


def denies(clause: str, phrase: str) -> bool:
    """The clause says the opposite of a confirming phrase ("the public IP hasn't changed"
    against "IP changed"). Single generic words are not trusted to carry that."""
    if len(phrase_stems(phrase)) < 2 and not DIGIT.search(phrase):
        return False
    return find_phrase(clause, phrase, allow_negated=True) and not find_phrase(clause, phrase)


def ruled_out_causes(causes: list[dict[str, Any]], text: str) -> list[tuple[dict[str, Any], str]]:
    """Causes a clean result is about, or whose confirming phrase the engineer denies, unless
    a later report confirms them again (the newest word on a cause counts)."""
    parts = clauses(text)
    clean = [reports_clean(c) for c in parts]
    out = []
    for cause in causes:
        phrases = cause.get("confirm_if", [])
        ruling = [
            i
            for i, part in enumerate(parts)
            if (clean[i] and _about(cause, part)) or any(denies(part, p) for p in phrases)
        ]
        confirming = [
            i for i, part in enumerate(parts) if not clean[i] and any_phrase(part, phrases)
        ]
        if ruling and (not confirming or ruling[-1] > confirming[-1]):
            out.append((cause, parts[ruling[-1]]))
    return out


def is_specific(phrase: str, idf: dict[str, float] | None, common: frozenset[str]) -> bool:
    """`common`: stems that several of the playbook's causes use (its own vocabulary)."""
    if idf is None or DIGIT.search(phrase):
        return True
    stems = phrase_stems(phrase)
    if len(stems) >= 3:
        return True
    rare = [s for s in stems if idf.get(s, SPECIFIC_IDF) >= SPECIFIC_IDF and s not in common]
    return bool(rare)


def shared_vocabulary(playbook: dict[str, Any]) -> set[str]:
    """The playbook's own vocabulary: stems of its title, symptoms and keywords (what the
    problem looks like), and stems found in more than two of its causes."""
    causes: list[dict[str, Any]] = playbook.get("causes", [])
    topic = [
        playbook.get("title", ""),
        *playbook.get("symptoms", []),
        *playbook.get("keywords", []),
    ]
    seen: dict[str, int] = {}
    for cause in causes:
        words = " ".join([cause["title"], *cause.get("confirm_if", [])])
        for stem in set(content_stems(words)):
            seen[stem] = seen.get(stem, 0) + 1
    return {stem for stem, n in seen.items() if n > 2} | set(content_stems(" ".join(topic)))


def confirmed_cause(
    causes: list[dict[str, Any]],
    text: str,
    exclude: set[str],
    idf: dict[str, float] | None = None,
    common: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], str] | None:
    """The first cause whose specific confirming phrase the engineer reported, not in a clean
    result ("guest credentials: Test Now succeeded" does not confirm a credentials problem)."""
    parts = clauses(text)
    for cause in causes:
        if cause["id"] in exclude:
            continue
        specific = [p for p in cause.get("confirm_if", []) if is_specific(p, idf, common)]
        for part in parts:
            phrase = any_phrase(part, specific)
            if phrase and not reports_clean(part):
                return cause, phrase
    return None


def interpret(step: dict[str, Any] | None, latest: str) -> Interpreted | None:
    """Match the engineer's latest report to one of the previous check's results."""
    if step is None or not step.get("results"):
        return None
    stems = set(content_stems(latest))
    best: tuple[float, dict[str, Any]] | None = None
    for result in step["results"]:
        score = overlap(stems, result["if"])
        wanted = len(content_stems(result["if"]))
        good = wanted >= 2 and score >= 0.6 or wanted == 1 and score == 1.0
        if good and (best is None or score > best[0]):
            best = (score, result)
    if best is None:
        return None
    r = best[1]
    return Interpreted(step["title"], r["if"], r["means"], r.get("cause"))


def rank_causes(causes: list[dict[str, Any]], text: str, exclude: set[str]) -> list[dict[str, Any]]:
    stems = set(content_stems(text))

    def evidence_for(cause: dict[str, Any]) -> float:
        return max((overlap(stems, p) for p in cause.get("confirm_if", [])), default=0.0)

    ordered = [(i, c) for i, c in enumerate(causes) if c["id"] not in exclude]
    # Evidence that half-matches a cause's confirming phrases moves it up; otherwise the
    # playbook's order (most common first) stands.
    ordered.sort(key=lambda ic: (-(evidence_for(ic[1]) >= 0.5), ic[0]))
    return [c for _, c in ordered]


def advise(
    playbook: dict[str, Any], state: BranchState, idf: dict[str, float] | None = None
) -> Advice:
    steps: list[dict[str, Any]] = playbook.get("steps", [])
    causes: list[dict[str, Any]] = playbook.get("causes", [])
    by_id = {s["id"]: s for s in steps}
    interpreted = interpret(by_id.get(state.last_step_id or ""), state.latest)

    if says_fixed(state.latest):
        return Advice(kind="fixed", interpreted=interpreted)

    ruled_out = [
        (c, why)
        for c, why in ruled_out_causes(causes, state.user_text)
        if c["id"] not in state.fixes_given
    ]
    exclude = set(state.fixes_given) | {c["id"] for c, _ in ruled_out}
    if interpreted and interpreted.cause_id and interpreted.cause_id not in exclude:
        cause = next((c for c in causes if c["id"] == interpreted.cause_id), None)
        if cause is not None:
            others = rank_causes(causes, state.user_text, exclude | {cause["id"]})
            return Advice(
                kind="fix",
                cause=cause,
                confirmed_by=interpreted.result,
                interpreted=interpreted,
                other_causes=others,
                ruled_out=ruled_out,
            )
    common = frozenset(shared_vocabulary(playbook))
    confirmed = confirmed_cause(causes, state.user_text, exclude, idf, common)
    if confirmed is not None:
        cause, phrase = confirmed
        others = rank_causes(causes, state.user_text, exclude | {cause["id"]})
        return Advice(
            kind="fix",
            cause=cause,
            confirmed_by=phrase,
            interpreted=interpreted,
            other_causes=others,
            ruled_out=ruled_out,
        )

    ruled_ids = {c["id"] for c, _ in ruled_out}
    ranked_causes = rank_causes(causes, state.user_text, exclude)
    hypothesis = ranked_causes[0] if ranked_causes else None
    candidates = []
    skipped = []
    for index, step in enumerate(steps):
        if step_done(step, state.user_text):
            skipped.append(step["title"])
            continue
        if step["id"] in state.suggested_steps:
            continue
        tests = step.get("tests", [])
        if tests and all(t in ruled_ids for t in tests):
            continue  # it would only re-test what the engineer's results already ruled out
        applies, specific = step_applies(step, state.user_text)
        if not applies:
            continue
        tests_hypothesis = hypothesis is not None and hypothesis["id"] in step.get("tests", [])
        candidates.append(((0 if specific else 1, 0 if tests_hypothesis else 1, index), step))
    if not candidates:
        return Advice(
            kind="exhausted",
            hypothesis=hypothesis,
            other_causes=ranked_causes[1:],
            interpreted=interpreted,
            skipped_done=skipped,
            ruled_out=ruled_out,
        )
    candidates.sort(key=lambda c: c[0])
    step = candidates[0][1]
    tested = [c for c in ranked_causes if c["id"] in step.get("tests", [])]
    if tested:
        hypothesis = tested[0]
    others = [c for c in ranked_causes if hypothesis is None or c["id"] != hypothesis["id"]]
    return Advice(
        kind="step",
        step=step,
        hypothesis=hypothesis,
        other_causes=others,
        interpreted=interpreted,
        skipped_done=skipped,
        ruled_out=ruled_out,
    )
