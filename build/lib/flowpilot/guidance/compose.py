"""The offline answer, written from a guide plan: honest about the match, built on the
evidence, one check at a time with what each result means, and the fix once a cause is
confirmed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flowpilot.guidance.advisor import Advice
from flowpilot.guidance.plan import Candidate, GuidePlan
from flowpilot.guidance.ranking import FIT_THRESHOLD
from flowpilot.guidance.text import content_stems

BANNER = "_Offline mode: answering from FlowPilot's playbook library (no AI model configured)._"
NO_FIT_MARK = "No playbook fits this well"


# Tool and command names in a report: `code`, Capitalised Multi Words ("Credential Manager"),
# PowerShell Verb-Noun, and common admin commands (case-insensitive only for those).
_TOOL_NAMES = re.compile(
    r"`([^`]{3,80})`|\b([A-Z][a-z]+(?: [A-Z][a-z]+)+)\b|\b([A-Z][a-z]+-[A-Z][A-Za-z]{3,})\b|"
    r"(?i:\b((?:w32tm|dcdiag|repadmin|gpupdate|sfc|dism|chkdsk|netsh|dsregcmd|klist|vssadmin|"
    r"reagentc|manage-bde|certutil|setspn|nltest|ipconfig|nslookup|icacls|onedrive\.exe)"
    r"(?: /[a-z]+)?))",
)
_SENTENCES = re.compile(r"(?<=[.;!?])\s+(?=[A-Z`(])")


@dataclass(frozen=True)
class DoneFilter:
    """What the engineer reported doing: tool and command names, and the words of their
    done-reports (a short fix clause made only of those words was already done)."""

    keys: tuple[str, ...] = ()
    stems: frozenset[str] = frozenset()


def done_keys(plan: GuidePlan) -> list[str]:
    """Commands and tool names from what the engineer reported doing."""
    keys: list[str] = []
    for report in [*plan.evidence.done, *plan.evidence.commands]:
        for m in _TOOL_NAMES.finditer(report):
            key = next(g for g in m.groups() if g).strip()
            words = key.split()
            key = " ".join(words[:2]) if m.group(1) else key
            if len(key) >= 5 and key.lower() not in {k.lower() for k in keys}:
                keys.append(key)
    return keys


def done_filter(plan: GuidePlan) -> DoneFilter:
    # A name in the problem statement is what the ticket is about ("Remote Desktop Services
    # will stop working"), not a tool the engineer used: restarting it does not make every
    # fix that mentions it done.
    subject = plan.problem.lower()
    keys = tuple(k for k in done_keys(plan) if k.lower() not in subject)
    return DoneFilter(keys, frozenset(content_stems(" ".join(plan.evidence.done))))


def _done_clause(clause: str, stems: frozenset[str]) -> bool:
    core = set(content_stems(re.sub(r"\([^)]*\)|`[^`]*`", " ", clause)))
    return 2 <= len(core) <= 5 and core <= stems


def without_done(text: str, done: DoneFilter) -> tuple[str, list[str]]:
    """The text minus sentences that propose a tool the engineer already ran, and minus short
    clauses that repeat what they reported doing ("reset the password")."""
    if not done.keys and not done.stems:
        return text, []
    kept, dropped = [], []
    for sentence in _SENTENCES.split(text.strip()):
        hit = next((k for k in done.keys if k.lower() in sentence.lower()), None)
        if hit is not None:
            if hit not in dropped:
                dropped.append(hit)
            continue
        clauses = [c for c in re.split(r"(?<=;)\s+", sentence) if c]
        fresh = [c for c in clauses if not _done_clause(c, done.stems)]
        for c in clauses:
            if c not in fresh:
                dropped.append(c.strip(" ;.").split(":")[-1].strip())
        if fresh:
            kept.append(" ".join(fresh))
    return " ".join(kept), dropped


def pct(value: float) -> str:
    return f"{round(value * 100)} %"


def first_sentence(text: str, limit: int = 220) -> str:
    text = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"


def _match_line(plan: GuidePlan) -> list[str]:
    focus = plan.focus
    assert focus is not None
    what = "KB article" if focus.kind != "flow" else "Playbook"
    own = " (your team's)" if focus.own else ""
    matched = f" — matched on {', '.join(focus.matched[:5])}" if focus.matched else ""
    lines = [f"**{what}{own}:** {focus.title} · match {pct(focus.confidence)}{matched}"]
    if plan.switched_from is not None:
        lines.append("")
        lines.append(
            f"Switched from *{plan.switched_from.title}* "
            f"({pct(plan.switched_from.confidence)}): the evidence now fits this one better."
        )
    if plan.dropped is not None:
        lines += ["", f"*{plan.dropped.title}* no longer fits what you reported; leaving it."]
    return lines


def _known(plan: GuidePlan) -> list[str]:
    known = plan.evidence.known_so_far()
    if not known:
        return []
    return ["**Known so far:** " + "; ".join(known[:6])]


def _sources(playbook: dict[str, Any]) -> list[str]:
    sources = playbook.get("sources", [])[:3]
    if not sources:
        return []
    return ["Sources: " + " · ".join(f"[{s['title']}]({s['url']})" for s in sources)]


def _filtered(text: str, keys: DoneFilter, dropped: list[str]) -> str:
    kept, gone = without_done(text, keys)
    dropped += [g for g in gone if g not in dropped]
    return kept or "(everything here you already reported doing)"


def _step_block(step: dict[str, Any], keys: DoneFilter, dropped: list[str]) -> list[str]:
    lines = [f"**Next check: {step['title']}**"]
    if step.get("caution"):
        lines.append(f"> ⚠ {step['caution'].strip()}")
    lines += ["", _filtered(str(step["check"]), keys, dropped)]
    if step.get("look_for"):
        lines += ["", f"_Look for:_ {str(step['look_for']).strip()}"]
    results = step.get("results", [])
    if results:
        lines.append("")
        lines += [f"- If **{r['if'].strip()}**: {r['means'].strip()}" for r in results]
    return lines


# Words that say a thing is broken: "wrong guest credentials" is about the credentials, which
# the engineer reported re-entering.
_STATE_WORDS = frozenset(
    content_stems("wrong bad incorrect invalid expired missing stale old broken corrupt changed")
)


def _title_without_done(title: str, keys: DoneFilter) -> str:
    """A cause title minus the comma-separated alternatives the engineer reported doing."""
    head, colon, tail = title.partition(": ")
    listed = tail if colon else head
    pieces = re.split(r",\s+(?![^()]*\))", listed)
    kept = [
        piece
        for piece in pieces
        if not (len(core := set(content_stems(piece)) - _STATE_WORDS) >= 2 and core <= keys.stems)
    ]
    if len(kept) == len(pieces) or not kept:
        return title
    rest = ", ".join(kept)
    return f"{head}: {rest}" if colon else rest


def _causes_block(advice: Advice, keys: DoneFilter, dropped: list[str]) -> list[str]:
    lines: list[str] = []
    hyp = advice.hypothesis
    if hyp is not None:
        disprove = f" Ruled out if: {hyp['disprove'].strip()}" if hyp.get("disprove") else ""
        lines += [
            f"**Working hypothesis:** {hyp['title']}.{disprove}",
            "",
            f"**If confirmed, the fix:** {_filtered(hyp['fix'], keys, dropped)}",
        ]
    others = advice.other_causes[:3]
    if others:
        lines += ["", "**Other causes this playbook covers:**"]
        lines += [
            f"- {_title_without_done(c['title'], keys)}: "
            f"{first_sentence(_filtered(c['fix'], keys, dropped))}"
            for c in others
        ]
    return lines


def _ruled_out(advice: Advice) -> list[str]:
    shown = [f"{c['title']} (you reported “{_clip(why)}”)" for c, why in advice.ruled_out[:3]]
    return ["**Ruled out by your results:** " + "; ".join(shown) + "."]


def _clip(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _interpreted(advice: Advice) -> list[str]:
    i = advice.interpreted
    if i is None:
        return []
    return [f"**Your result** for “{i.step_title}” — *{i.result}*: {i.means}"]


def compose_no_fit(plan: GuidePlan) -> str:
    best: Candidate | None = plan.candidates[0] if plan.candidates else None
    lines = [BANNER, ""]
    if best is not None and best.confidence > 0.15:
        lines.append(
            f"**{NO_FIT_MARK}.** The closest is *{best.title}* at {pct(best.confidence)}, "
            f"below the {pct(FIT_THRESHOLD)} needed to follow it, so I won't dress it up "
            "as the answer."
        )
    else:
        lines.append(f"**{NO_FIT_MARK}.** Nothing in the playbook library or your KB matches it.")
    if plan.dropped is not None:
        lines.append(f"*{plan.dropped.title}* no longer fits what you reported.")
    lines += ["", *_known(plan)]
    ev = plan.evidence
    asks = []
    if not ev.codes:
        asks.append("The exact error message or code (a screenshot or log line helps).")
    if not ev.scope:
        asks.append("Who is affected: one user, one device, one site, or everyone?")
    if not ev.changes:
        asks.append(
            "What changed just before it started (updates, passwords, new hardware, "
            "network or provider changes)."
        )
    if not ev.products:
        asks.append("Which product, device or service it is, with its version.")
    if asks:
        lines += ["", "To find the right guide I need:"]
        lines += [f"{n}. {a}" for n, a in enumerate(asks, 1)]
    else:
        lines += [
            "",
            "I have the error, the scope and the recent changes and still nothing fits: "
            "this needs research beyond the library, or escalation to someone who knows "
            "this product.",
        ]
    lines += [
        "",
        "You can also search your team's playbooks and KB articles in the Library. If this is "
        "not an IT problem (facilities, furniture, a vendor-maintained appliance), it belongs "
        "with whoever looks after that.",
    ]
    return "\n".join(lines)


def compose_guided(plan: GuidePlan) -> str:
    advice = plan.advice
    playbook = plan.playbook or {}
    assert advice is not None
    keys = done_filter(plan)
    dropped: list[str] = []
    lines = [BANNER, "", *_match_line(plan)]
    if plan.evidence.known_so_far():
        lines += ["", *_known(plan)]
    if advice.interpreted is not None:
        lines += ["", *_interpreted(advice)]
    if advice.ruled_out:
        lines += ["", *_ruled_out(advice)]
    if plan.fork_options:
        names = " or ".join(f"**{c.title}** ({pct(c.confidence)})" for c in plan.fork_options)
        lines += [
            "",
            f"This could be {names}. I'll start with the first; fork to work the "
            "others side by side.",
        ]
    if advice.kind == "fixed":
        lines += [
            "",
            "Good: you report it fixed. Mark this branch **solved** and resolve the "
            "session so the ticket notes and KB article are written from what you did. "
            "If it comes back, reopen the branch and tell me what changed.",
        ]
        return "\n".join(lines)
    if advice.kind == "fix" and advice.cause is not None:
        cause = advice.cause
        if advice.still_pending:
            lines += [
                "",
                f"**Still the likeliest cause:** {cause['title']}. Nothing you've reported "
                "since rules it out, and you haven't said the fix was tried."
                + (
                    f" What you just reported (“{_clip(advice.confirmed_by)}”) fits it."
                    if advice.confirmed_by
                    else ""
                ),
            ]
        else:
            lines += [
                "",
                f"**Cause confirmed:** {cause['title']} (you reported “{advice.confirmed_by}”).",
            ]
        lines += ["", "**Fix:**", _filtered(cause["fix"], keys, dropped)]
        if dropped:
            lines += ["", "Left out what you already did: " + ", ".join(dropped) + "."]
        if advice.other_causes:
            lines += [
                "",
                "If that does not clear it, the other causes this playbook covers: "
                + "; ".join(c["title"] for c in advice.other_causes[:3])
                + ".",
            ]
        lines += [
            "",
            "Check the symptom is gone for the affected users, then mark the branch "
            "solved — or tell me what you see and I'll continue.",
        ]
        lines += ["", *_sources(playbook)]
        return "\n".join(lines).rstrip()
    if advice.kind == "exhausted":
        lines += ["", f"**No checks left** in *{playbook.get('title', '')}* for this branch."]
        if advice.skipped_done:
            lines.append("Already done: " + "; ".join(advice.skipped_done[:5]) + ".")
        lines += [""] + _causes_block(advice, keys, dropped)
        lines += [
            "",
            "I won't drift to an unrelated playbook. If none of these causes fits, mark "
            "this branch a dead end with what you found, fork a new hypothesis, or "
            "escalate with the evidence above.",
        ]
        return "\n".join(lines)
    assert advice.step is not None
    if advice.skipped_done:
        lines += [
            "",
            "Skipping what you already did or told me: " + "; ".join(advice.skipped_done[:4]) + ".",
        ]
    lines += [
        "",
        *_causes_block(advice, keys, dropped),
        "",
        *_step_block(advice.step, keys, dropped),
    ]
    if dropped:
        lines += ["", "Left out what you already did: " + ", ".join(dropped) + "."]
    lines += ["", *_sources(playbook), "", "Tell me what you find and I'll take it from there."]
    return "\n".join(lines)


def compose(plan: GuidePlan) -> tuple[str, dict[str, Any]]:
    """The reply text and what the step record needs (type and title)."""
    meta: dict[str, Any] = {"offline": True}
    if plan.no_fit or plan.advice is None:
        meta.update(
            step_type="info_request", title="Asked for the details needed to match a playbook"
        )
        return compose_no_fit(plan), meta
    advice = plan.advice
    if plan.fork_options:
        meta["fork_suggestions"] = [
            {
                "label": c.title,
                "description": f"Playbook match {pct(c.confidence)}",
                "playbook": c.slug,
            }
            for c in plan.fork_options
        ]
    if advice.kind == "step" and advice.step is not None:
        meta.update(step_type=advice.step.get("kind", "action"), title=advice.step["title"])
    elif advice.kind == "fix" and advice.cause is not None:
        meta.update(step_type="action", title=f"Fix: {advice.cause['title']}")
    else:
        meta.update(
            step_type="note",
            title="Playbook exhausted" if advice.kind == "exhausted" else "Reported fixed",
        )
    return compose_guided(plan), meta
