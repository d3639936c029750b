"""Choose what to tell the engineer next from one playbook and the branch's evidence.

Order of precedence, as an experienced engineer would work:
1. the engineer says it is fixed           -> stop troubleshooting, record it
2. the evidence confirms a cause            -> go straight to that cause's fix; a fix just
   given stays the answer until the engineer reports trying it (or new evidence confirms
   another cause): more symptoms of the same cause are not a reason to move on
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

from flowpilot.guidance.text import (
    any_phrase,
    content_stems,
    find_phrase,
    lead_stem,
    overlap,
    phrase_stems,
    text_stems,
)

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
# The engineer reports acting on the last suggestion ("set it, rebooted, no change").
TRIED = re.compile(
    r"\b(tried|applied|did|made|set|changed|deployed|pushed|added|created)\s+"
    r"(that|this|it|the (fix|change|setting|suggestion|key|value))\b|"
    r"\b(didn't|did not|doesn't|does not) (help|change anything|make a difference)\b|"
    r"\bno (change|difference|luck)\b|\bsame (error|result|problem)\b",
    re.I,
)
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
# Stops inside a code or version ("550 5.7.64", "7.4.9", "C:\\Temp") do not end a clause.
CLAUSE = re.compile(
    r"[.;:!?]+(?=\s|$|['\")\]])|\n+|\s(?:but|however|although|though|while|whereas)\s|"
    r",\s*(?:and\s+)?(?=\w+\s)",
    re.I,
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
    # The fix was given before and the engineer has not reported trying it yet.
    still_pending: bool = False
    hypothesis: dict[str, Any] | None = None
    other_causes: list[dict[str, Any]] = field(default_factory=list)
    interpreted: Interpreted | None = None
    skipped_done: list[str] = field(default_factory=list)
    # Causes the engineer's reports rule out (a clean result about them), with the clause.
    ruled_out: list[tuple[dict[str, Any], str]] = field(default_factory=list)


@dataclass
class GivenFix:
    cause_id: str
    said_before: str  # the engineer's words up to the reply that gave the fix
    reports: list[str] = field(default_factory=list)  # each engineer message after it


@dataclass
class BranchState:
    """What the branch has said and been told, for one playbook."""

    user_text: str  # every engineer message on the branch (and upload descriptions)
    latest: str  # the newest engineer message
    suggested_steps: set[str] = field(default_factory=set)
    fixes_given: set[str] = field(default_factory=set)
    last_step_id: str | None = None
    # Fixes given on this branch's recent path, newest first, with the reports since.
    open_fixes: list[GivenFix] = field(default_factory=list)
    follow_up: bool = True  # the newest message is a report, not the problem statement
    # Sentences of the follow-ups that report what the engineer did (not what they saw).
    actions: list[str] = field(default_factory=list)

    def observed(self) -> str:
        """The engineer's words without their reports of what they did."""
        text = self.user_text
        for sentence in self.actions:
            text = text.replace(sentence, " ")
        return text


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


def _about(cause: dict[str, Any], clause: str, phrases: list[str] | None = None) -> bool:
    """Whether a clause talks about this cause: one of its confirming phrases (`phrases`: the
    ones the clause may hold, when known), or most of the content words of its title."""
    if any_phrase(clause, cause.get("confirm_if", []) if phrases is None else phrases):
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
    # Each clause is only searched for the phrases whose first word it has: the same answer,
    # without a phrase search per clause, cause and phrase.
    where = _clauses_by_stem(parts)
    clean_at = {i for i, is_clean in enumerate(clean) if is_clean}
    out = []
    for cause in causes:
        present = _present(cause.get("confirm_if", []), where)
        # Only a clean clause or one holding a confirming phrase can rule the cause out.
        ruling = [
            i
            for i in sorted(clean_at | present.keys())
            if (clean[i] and _about(cause, parts[i], present.get(i, [])))
            or any(denies(parts[i], p) for p in present.get(i, ()))
        ]
        confirming = [
            i for i in sorted(present) if not clean[i] and any_phrase(parts[i], present[i])
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
    where = _clauses_by_stem(parts)
    for cause in causes:
        if cause["id"] in exclude:
            continue
        specific = [p for p in cause.get("confirm_if", []) if is_specific(p, idf, common)]
        present = _present(specific, where)
        for i in sorted(present):
            phrase = any_phrase(parts[i], present[i])
            if phrase and not reports_clean(parts[i]):
                return cause, phrase
    return None


def _clauses_by_stem(parts: list[str]) -> dict[str, list[int]]:
    """Which clauses (by position) hold each stem."""
    where: dict[str, list[int]] = {}
    for i, part in enumerate(parts):
        for held in text_stems(part):
            where.setdefault(held, []).append(i)
    return where


def _present(phrases: list[str], where: dict[str, list[int]]) -> dict[int, list[str]]:
    """The clauses (by position) holding the first word of some of the phrases, with those
    phrases in their order: the only ones each clause can contain."""
    present: dict[int, list[str]] = {}
    for phrase in phrases:
        for i in where.get(lead_stem(phrase), ()):
            present.setdefault(i, []).append(phrase)
    return present


def fix_terms(cause: dict[str, Any], idf: dict[str, float] | None) -> set[str]:
    """What an engineer would mention when reporting the fix applied: its commands' first
    words and its rare words (a registry value, a setting's name)."""
    fix = cause.get("fix", "")
    terms = {" ".join(re.sub(r"<[^>]*>", "", c).split()[:2]).lower() for c in COMMAND.findall(fix)}
    terms = {t for t in terms if len(t) >= 6}
    rare = {s for s in content_stems(fix) if idf is not None and idf.get(s, 0.0) >= SPECIFIC_IDF}
    return terms | rare


def reports_trying(
    cause: dict[str, Any], latest: str, earlier: str, idf: dict[str, float] | None
) -> bool:
    """Whether the newest report is about acting on this cause's fix: it says so ("tried
    that", "no change"), or names the fix's commands or rare words that the engineer had not
    used before the fix was given."""
    if TRIED.search(latest):
        return True
    low = latest.lower()
    said = set(content_stems(latest))
    before = set(content_stems(earlier))
    for term in fix_terms(cause, idf):
        if " " in term and term in low and term not in earlier.lower():
            return True
        if " " not in term and term in said and term not in before:
            return True
    return False


def interpret(step: dict[str, Any] | None, latest: str, min_telling: int = 0) -> Interpreted | None:
    """Match the engineer's report to one of a check's results. A result is recognised by
    the words that set it apart from the check itself ("License server *older* than the
    CALs" after a check about license server and CAL versions), not by the words every
    answer to that check repeats."""
    if step is None or not step.get("results"):
        return None
    stems = set(content_stems(latest))
    context = set(content_stems(f"{step.get('title', '')} {step.get('check', '')}"))
    best: tuple[float, dict[str, Any]] | None = None
    for result in step["results"]:
        wanted = content_stems(result["if"])
        score = overlap(stems, result["if"])
        good = len(wanted) >= 2 and score >= 0.6 or len(wanted) == 1 and score == 1.0
        telling = [s for s in wanted if s not in context]
        if len(telling) < min_telling:
            continue
        if telling:
            told = sum(1 for s in telling if s in stems) / len(telling)
            good = good and (told >= 0.6 if len(telling) > 1 else told == 1.0)
        if good and (best is None or score > best[0]):
            best = (score, result)
    if best is None:
        return None
    r = best[1]
    return Interpreted(step["title"], r["if"], r["means"], r.get("cause"))


def _ran(step: dict[str, Any], text: str) -> bool:
    """The report says this check was run: its `done_if`, its command, or most of the words
    of its title ("read the PrintService log")."""
    if step_done(step, text):
        return True
    title = phrase_stems(step.get("title", ""))
    return len(title) >= 2 and overlap(set(content_stems(text)), step.get("title", "")) >= 0.75


def interpret_report(
    steps: list[dict[str, Any]],
    last_step: dict[str, Any] | None,
    latest: str,
    follow_up: bool = True,
) -> Interpreted | None:
    """The newest report read as a result: of the check suggested last, or of a check the
    engineer says they ran themselves in that report ("the Diagnoser says the mode isn't
    configured")."""
    found = interpret(last_step, latest)
    if found is not None:
        return found
    if not follow_up:
        return None  # the problem statement is not the result of a check
    # Unasked, the check and its result must be said together, in one clause ("the
    # Diagnoser says the mode isn't configured"), and the result in more than one telling
    # word: "writers all stable; the retry fails" is not "writer failed".
    for part in clauses(latest):
        for step in steps:
            if step is last_step or not step.get("results") or not _ran(step, part):
                continue
            found = interpret(step, part, min_telling=2)
            if found is not None:
                return found
    return None


SMTP_STATUS = re.compile(r"(?<![\d.])[45]\.\d{1,3}\.\d{1,3}(?![\d.])")


def smtp_codes_conflict(cause: dict[str, Any], said: set[str]) -> bool:
    """The engineer's bounce names SMTP status codes (`said`) and the cause names only others:
    an NDR's enhanced status code says which check failed (5.7.64 is not 5.7.367)."""
    if not said:
        return False
    named = set(SMTP_STATUS.findall(" ".join([cause["title"], *cause.get("confirm_if", [])])))
    return bool(named) and not named & said


def evidence_for(cause: dict[str, Any], text: str, stems: set[str], codes: set[str]) -> int:
    """2: the evidence says one of the cause's confirming phrases outright; 1: it holds half
    of one's words; 0: neither; -1: the evidence's SMTP status codes (`codes`) contradict it."""
    if smtp_codes_conflict(cause, codes):
        return -1
    phrases = cause.get("confirm_if", [])
    if any(len(phrase_stems(p)) >= 2 and find_phrase(text, p) for p in phrases):
        return 2
    return int(any(overlap(stems, p) >= 0.5 for p in phrases))


def rank_causes(causes: list[dict[str, Any]], text: str, exclude: set[str]) -> list[dict[str, Any]]:
    stems = set(content_stems(text))
    codes = set(SMTP_STATUS.findall(text))
    ordered = [(i, c) for i, c in enumerate(causes) if c["id"] not in exclude]
    # Evidence for a cause moves it up, a phrase said outright ("sent items") more than half
    # a phrase ("Outlook" of "new Outlook"); otherwise the playbook's order (most common
    # first) stands.
    ordered.sort(key=lambda ic: (-evidence_for(ic[1], text, stems, codes), ic[0]))
    return [c for _, c in ordered]


def _held_fix(
    causes: list[dict[str, Any]],
    state: BranchState,
    exclude: set[str],
    interpreted: Interpreted | None,
    idf: dict[str, float] | None,
    ruled: set[str],
    common: frozenset[str],
) -> Advice | None:
    """`ruled`: every cause the reports rule out (fixes given or not). A fix given on this
    branch, again, when the newest report shows the same cause's sign
    once more, no report since the fix says it was tried, and the newest report neither rules
    the cause out nor confirms a different one."""
    if not state.open_fixes:
        return None
    by_id = {c["id"]: c for c in causes}
    for given in state.open_fixes:
        cause = by_id.get(given.cause_id)
        if cause is None or cause["id"] in ruled or not given.reports:
            continue
        if any(reports_trying(cause, r, given.said_before, idf) for r in given.reports):
            continue
        sign = _sign_of(cause, state.latest, given.said_before)
        if sign is None and not (interpreted and interpreted.cause_id == cause["id"]):
            continue  # the report is about something else: the fix may have been tried
        others_excluded = exclude | {cause["id"]}
        if confirmed_cause(causes, state.latest, others_excluded, idf, common) is not None:
            return None  # the newest report points at another cause: let it win
        if interpreted and interpreted.cause_id and interpreted.cause_id != cause["id"]:
            return None
        return Advice(
            kind="fix",
            cause=cause,
            confirmed_by=sign or (interpreted.result if interpreted else None),
            still_pending=True,
            interpreted=interpreted,
            other_causes=rank_causes(causes, state.user_text, others_excluded),
        )
    return None


def _sign_of(cause: dict[str, Any], latest: str, said_before: str) -> str | None:
    """New evidence for the cause in the report: a confirming phrase, or a clause (not a
    clean result) that talks about the cause in its title's words, that the engineer had not
    already given before the fix (the original error repeated is no new sign)."""
    for phrase in cause.get("confirm_if", []):
        if find_phrase(latest, phrase) and not find_phrase(said_before, phrase):
            return str(phrase)
    before = set(content_stems(said_before))
    title = set(content_stems(re.sub(r"\(.*?\)", " ", cause["title"])))
    for part in clauses(latest):
        if reports_clean(part) or not _about(cause, part):
            continue
        if (title & set(content_stems(part))) - before:
            return part
    return None


def advise(
    playbook: dict[str, Any], state: BranchState, idf: dict[str, float] | None = None
) -> Advice:
    steps: list[dict[str, Any]] = playbook.get("steps", [])
    causes: list[dict[str, Any]] = playbook.get("causes", [])
    by_id = {s["id"]: s for s in steps}
    interpreted = interpret_report(
        steps, by_id.get(state.last_step_id or ""), state.latest, state.follow_up
    )

    if says_fixed(state.latest):
        return Advice(kind="fixed", interpreted=interpreted)

    every_ruled_out = ruled_out_causes(causes, state.user_text)
    ruled_out = [(c, why) for c, why in every_ruled_out if c["id"] not in state.fixes_given]
    exclude = set(state.fixes_given) | {c["id"] for c, _ in ruled_out}
    common = frozenset(shared_vocabulary(playbook))
    held = _held_fix(
        causes, state, exclude, interpreted, idf, {c["id"] for c, _ in every_ruled_out}, common
    )
    if held is not None:
        return held
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
    # What the engineer saw is evidence for a cause; what they did about it is not ("re-entered
    # the guest credentials" does not point at wrong credentials).
    observed = state.observed()
    ranked_causes = rank_causes(causes, observed, exclude)
    hypothesis = ranked_causes[0] if ranked_causes else None
    # A hypothesis whose confirming phrase the engineer said outright stays the hypothesis:
    # a check about other causes does not replace it.
    backed = hypothesis is not None and (
        evidence_for(
            hypothesis, observed, set(content_stems(observed)), set(SMTP_STATUS.findall(observed))
        )
        == 2
    )
    candidates = []
    skipped = []
    for index, step in enumerate(steps):
        if step_done(step, state.user_text):
            skipped.append(step["title"])
            continue
        if step["id"] in state.suggested_steps:
            continue
        if step.get("kind") == "question" and interpret(step, state.user_text) is not None:
            # The engineer has already said what the question asks ("a UAC prompt for admin
            # credentials" answers "what is the exact error?").
            skipped.append(step["title"])
            continue
        tests = step.get("tests", [])
        if tests and all(t in ruled_ids for t in tests):
            continue  # it would only re-test what the engineer's results already ruled out
        applies, specific = step_applies(step, state.user_text)
        if not applies:
            continue
        if specific and not step_applies(step, observed)[0]:
            # Only the engineer's own actions mention what the check is about ("switched
            # cached mode off and on"): they have been there already.
            skipped.append(step["title"])
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
    if tested and not backed:
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
