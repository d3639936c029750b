"""FlowPilot's guidance eval: real public tickets, worked for three turns over the real HTTP API.

    make eval                     # offline provider unless an AI key is configured
    python -m evals.run --offline # force the offline provider
    python -m evals.run -v        # print every answer
    python -m evals.run --ticket qb-h202-workstations

Each ticket (evals/tickets/*.toml, with its public source URL) gives the engineer's first
message and two follow-ups with the evidence as the source gives it, and a rubric of
decisive-fix phrases that the engineer's own messages do not contain. Reported:
- decisive fix reached: all phrases of any rubric group appear in the assistant's answers;
- out-of-scope problems answered honestly: a no-fit answer (no playbook dressed up);
- repeats: an answer proposes again a step the engineer reported done (rubric markers found
  in the answer's proposal, outside the lines that restate the engineer's report);
- wrong playbook: the first answer followed a playbook that names none of the ticket's topic
  words (or an out-of-scope ticket got one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
TICKETS = ROOT / "evals" / "tickets"
PASSWORD = "eval-password-123"
# Lines of an answer that restate the engineer's own reports (or say which of their words
# matched a playbook); a marker there is not a repeat.
REPORT_LINE = re.compile(
    r"known so far|already done|already did|you reported|you already|skipping what you|"
    r"reported done|not done yet|^\s*[-*]?\s*ran:|matched on|left out what you already did|"
    r"ruled out by your results|^sources:|^\*\*your result\*\* for",
    re.I,
)


@dataclass
class Ticket:
    id: str
    source: str
    category: str
    out_of_scope: bool
    topic: list[str]
    messages: list[str]
    decisive: list[list[str]]
    repeat_markers: list[str]

    @classmethod
    def load(cls, path: Path) -> Ticket:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        ticket = cls(
            id=data["id"],
            source=data.get("source", ""),
            category=data.get("category", ""),
            out_of_scope=bool(data.get("out_of_scope", False)),
            topic=list(data.get("topic", [])),
            messages=[data["first_message"], *data.get("followups", [])][:3],
            decisive=[list(g) for g in data.get("decisive", [])],
            repeat_markers=list(data.get("repeat_markers", [])),
        )
        ticket.check()
        return ticket

    def check(self) -> None:
        """The rubric must not be answerable by echoing the engineer."""
        said = " ".join(self.messages).lower()
        for group in self.decisive:
            for phrase in group:
                if phrase.lower() in said:
                    raise ValueError(f"{self.id}: decisive phrase {phrase!r} is in the messages")
        if not self.out_of_scope and not self.decisive:
            raise ValueError(f"{self.id}: an in-scope ticket needs a decisive rubric")


@dataclass
class Result:
    ticket: Ticket
    answers: list[str] = field(default_factory=list)
    guides: list[dict[str, Any]] = field(default_factory=list)
    decisive_turn: int | None = None
    honest: bool = False
    repeats: list[str] = field(default_factory=list)
    wrong_playbook: bool = False
    seconds: float = 0.0

    @property
    def first_focus(self) -> dict[str, Any] | None:
        return (self.guides[0].get("focus") if self.guides else None) or None


def decisive_reached(text: str, groups: list[list[str]]) -> bool:
    low = text.lower()
    return any(group and all(p.lower() in low for p in group) for group in groups)


def proposal_part(answer: str) -> str:
    return "\n".join(line for line in answer.splitlines() if not REPORT_LINE.search(line))


def find_repeats(answer: str, markers: list[str], said_so_far: str) -> list[str]:
    """Markers of steps the engineer already reported done that the answer proposes again."""
    low_said = said_so_far.lower()
    proposal = proposal_part(answer).lower()
    return [m for m in markers if _reported(m, low_said) and m.lower() in proposal]


def _reported(marker: str, said: str) -> bool:
    words = [w for w in re.findall(r"[a-z0-9]+", marker.lower()) if len(w) > 3]
    # Most of the marker's words (both of two: "file" alone is not "File Doctor").
    return bool(words) and sum(w[:5] in said for w in words) >= len(words) - len(words) // 3


def topic_fits(focus: dict[str, Any] | None, topic: list[str]) -> bool:
    """Whether the chosen playbook is about any of the ticket's topic words (stemmed, so
    "mapped drives" fits "Mapped network drive"), judged on what the playbook says it covers."""
    from flowpilot.guidance.text import content_stems

    if focus is None:
        return False
    described = [focus.get("title", ""), focus.get("slug", "").replace("-", " "),
                 *focus.get("matched", [])]  # fmt: skip
    path = ROOT / "flowpilot" / "library" / "data" / f"{focus.get('slug')}.toml"
    if path.exists():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for key in ("aliases", "products", "keywords", "symptoms"):
            described += data.get(key, [])
    stems = set(content_stems(" \n ".join(described)))
    return any(set(content_stems(t)) <= stems for t in topic if content_stems(t))


async def work_ticket(client: httpx.AsyncClient, headers: dict[str, str], t: Ticket) -> Result:
    result = Result(t)
    started = time.monotonic()
    r = await client.post(
        "/api/v1/ai-sessions", json={"problem_summary": t.messages[0][:4000]}, headers=headers
    )
    r.raise_for_status()
    session_id = r.json()["id"]
    said = ""
    for turn, message in enumerate(t.messages, 1):
        said += "\n" + message
        r = await client.post(
            f"/api/v1/ai-sessions/{session_id}/messages",
            json={"content": message},
            headers={**headers, "Accept": "application/json"},
            timeout=300,
        )
        if r.status_code != 200:
            result.answers.append(f"(HTTP {r.status_code}: {r.text[:200]})")
            result.guides.append({})
            continue
        reply = r.json()["assistant_message"]
        answer = reply["content"]
        result.answers.append(answer)
        result.guides.append(reply.get("meta", {}).get("guide") or {})
        if result.decisive_turn is None and decisive_reached(answer, t.decisive):
            result.decisive_turn = turn
        if turn > 1:
            result.repeats += find_repeats(answer, t.repeat_markers, said)
    focus = result.first_focus
    result.honest = bool(result.guides and result.guides[0].get("no_fit"))
    result.wrong_playbook = (
        focus is not None
        if t.out_of_scope
        else (focus is not None and not topic_fits(focus, t.topic))
    )
    result.seconds = time.monotonic() - started
    return result


async def open_account(maker: Any) -> dict[str, str]:
    from flowpilot.auth import service as auth

    suffix = uuid.uuid4().hex[:8]
    async with maker() as db:
        account = await auth.ensure_account(db, f"Eval MSP {suffix}", "team")
        team = await auth.ensure_team(db, account, "Service Desk")
        user = await auth.create_user(
            db, account.id, email=f"eval-{suffix}@example.com", password=PASSWORD,
            role="engineer", full_name="Eval Engineer",
        )  # fmt: skip
        await auth.ensure_membership(db, team, user)
        token, _ = await auth.issue_token(db, user, 1)
        await db.commit()
    return {"Authorization": f"Bearer {token}"}


async def run(tickets: list[Ticket], *, offline: bool, verbose: bool) -> list[Result]:
    from flowpilot.ai.offline import OfflineProvider
    from flowpilot.ai.registry import build_provider
    from flowpilot.app import create_app
    from flowpilot.config import Settings
    from flowpilot.db.embedded import start_embedded
    from flowpilot.db.engine import Database
    from flowpilot.db.migrate import upgrade_schema
    from flowpilot.library.loader import load_library

    settings = Settings(FLOWPILOT_OFFLINE_STREAM_DELAY_MS=0, FLOWPILOT_LOG_LEVEL="WARNING")  # type: ignore[call-arg]
    uri = settings.database_url or start_embedded(settings.data_dir / "eval", "flowpilot_eval")
    upgrade_schema(uri)
    database = Database(uri, pool_size=4, max_overflow=4)
    async with database.sessionmaker() as db:
        await load_library(db)
    provider = OfflineProvider() if offline else build_provider(settings)
    print(f"provider: {provider.name} · model: {provider.model} · tickets: {len(tickets)}")
    app = create_app(settings, database=database, provider=provider, run_worker=False)
    results = []
    async with app.router.lifespan_context(app):
        headers = await open_account(database.sessionmaker)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://eval") as client:
            for ticket in tickets:
                result = await work_ticket(client, headers, ticket)
                results.append(result)
                print_line(result)
                if verbose:
                    for n, answer in enumerate(result.answers, 1):
                        print(f"\n  --- turn {n}: {ticket.messages[n - 1][:100]}\n")
                        print("  " + answer.replace("\n", "\n  "))
    await database.dispose()
    return results


def print_line(r: Result) -> None:
    t = r.ticket
    focus = r.first_focus
    chosen = f"{focus['slug']} ({round(focus['confidence'] * 100)}%)" if focus else "no fit"
    if t.out_of_scope:
        verdict = "honest" if r.honest else "NOT HONEST"
    else:
        verdict = f"fix@{r.decisive_turn}" if r.decisive_turn else "no fix"
    flags = (" WRONG-PLAYBOOK" if r.wrong_playbook else "") + (
        f" REPEAT({', '.join(r.repeats)})" if r.repeats else ""
    )
    print(f"{t.id:58.58} {verdict:10} {chosen}{flags}")


def summarise(results: list[Result]) -> dict[str, Any]:
    scope = [r for r in results if not r.ticket.out_of_scope]
    oos = [r for r in results if r.ticket.out_of_scope]
    fixed = [r for r in scope if r.decisive_turn]
    return {
        "tickets": len(results),
        "in_scope": len(scope),
        "decisive_fix": len(fixed),
        "decisive_fix_rate": round(len(fixed) / len(scope), 3) if scope else 0.0,
        "decisive_by_turn": {n: sum(1 for r in fixed if r.decisive_turn == n) for n in (1, 2, 3)},
        "out_of_scope": len(oos),
        "out_of_scope_honest": sum(1 for r in oos if r.honest),
        "answers_repeating_a_done_step": sum(1 for r in results if r.repeats),
        "wrong_playbook": sum(1 for r in results if r.wrong_playbook),
        "wrong_playbook_rate": round(sum(1 for r in results if r.wrong_playbook) / len(results), 3)
        if results
        else 0.0,
        "no_fit_on_in_scope": sum(1 for r in scope if r.first_focus is None),
    }


def print_summary(summary: dict[str, Any]) -> None:
    s = summary
    print()
    print("| measure | result |")
    print("|---|---|")
    print(f"| tickets (in scope / out of scope) | {s['in_scope']} / {s['out_of_scope']} |")
    print(
        f"| decisive fix reached within 3 turns | {s['decisive_fix']} of {s['in_scope']} "
        f"({round(s['decisive_fix_rate'] * 100)} %) — turn 1/2/3: "
        f"{s['decisive_by_turn'][1]}/{s['decisive_by_turn'][2]}/{s['decisive_by_turn'][3]} |"
    )
    print(f"| out-of-scope answered honestly | {s['out_of_scope_honest']} of {s['out_of_scope']} |")
    print(
        f"| tickets with an answer repeating a step reported done | "
        f"{s['answers_repeating_a_done_step']} |"
    )
    print(
        f"| wrong playbook on the first answer | {s['wrong_playbook']} of {s['tickets']} "
        f"({round(s['wrong_playbook_rate'] * 100)} %) |"
    )
    no_fit = s["no_fit_on_in_scope"]
    print(f'| in-scope tickets answered "no playbook fits" | {no_fit} |')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline", action="store_true", help="force the offline provider")
    parser.add_argument("--ticket", action="append", help="only these ticket ids")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every answer")
    parser.add_argument("--json", type=Path, help="write per-ticket results here")
    parser.add_argument("--dir", type=Path, default=TICKETS, help="ticket folder")
    args = parser.parse_args(argv)
    tickets = [Ticket.load(p) for p in sorted(args.dir.glob("*.toml"))]
    if args.ticket:
        tickets = [t for t in tickets if t.id in set(args.ticket)]
    results = asyncio.run(run(tickets, offline=args.offline, verbose=args.verbose))
    summary = summarise(results)
    print_summary(summary)
    if args.json:
        args.json.write_text(json.dumps({
            "summary": summary,
            "tickets": [{"id": r.ticket.id, "source": r.ticket.source,
                         "decisive_turn": r.decisive_turn, "honest": r.honest,
                         "repeats": r.repeats, "wrong_playbook": r.wrong_playbook,
                         "first_focus": r.first_focus, "answers": r.answers}
                        for r in results],
        }, indent=2))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
