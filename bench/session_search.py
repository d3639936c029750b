"""Session search (`GET /api/v1/ai-sessions?q=…&client=…`) on a seeded account: latency over
HTTP (the app in process) and each statement's EXPLAIN ANALYZE.

    python -m bench.session_search [--sessions 5000] [--messages 12] [--reads 30]
        [--plans] [--strategy union|or-exists]

Two accounts of `--sessions` sessions each (the other one is noise in the shared indexes),
`--messages` messages per session (engineer messages with error codes, assistant replies of
~700 characters of ordinary troubleshooting prose), 400 clients, 60 % of sessions linked to a
PSA ticket. The caller is an engineer who reads every session of the account through its
team. `--plans` prints every statement's plan. `--strategy or-exists|union` measures the
alternatives this search did not take, for comparison: a term as `fields OR EXISTS(message)`,
or as a semi-join over `UNION ALL` of the fields' and the messages' trigram scans (both read
every message that holds the term).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import event, exists, or_, select, text, union_all

from bench.common import DATA_DIR, fresh_database, percentiles
from flowpilot.ai.offline import OfflineProvider
from flowpilot.app import create_app
from flowpilot.auth import service as auth
from flowpilot.config import Settings
from flowpilot.db.embedded import start_embedded
from flowpilot.db.engine import Database
from flowpilot.sessions import search
from flowpilot.sessions.models import AISession, SessionMessage

FIRST = [
    "Acme", "Harbor", "Summit", "Pioneer", "Granite", "Willow", "Beacon", "Cedar", "Northwind",
    "Riverside", "Oakridge", "Bluebird", "Silverline", "Keystone", "Lakeshore", "Redwood",
    "Meridian", "Horizon", "Evergreen", "Falcon",
]  # fmt: skip
SECOND = [
    "Dental", "Legal", "Logistics", "Accounting", "Veterinary", "Builders", "Clinic",
    "Insurance", "Realty", "Foods", "Architects", "Pharmacy", "Motors", "Academy", "Surveyors",
    "Opticians", "Bakery", "Printing", "Travel", "Engineering",
]  # fmt: skip
PEOPLE = ["Jane", "Tom", "Priya", "Marek", "Sofia", "Ahmed", "Lena", "Carlos", "Aisha", "Ben"]
SURNAMES = ["Okafor", "Smith", "Novak", "Garcia", "Ito", "Brown", "Kowalski", "Haddad", "Lee"]
TOPICS = [
    ("Outlook keeps prompting for a password", "Outlook"),
    ("VPN drops every hour", "FortiClient VPN"),
    ("Printer offline after driver update", "the HP printer"),
    ("Mapped drive missing at logon", "the S: drive"),
    ("Slow PC after Windows update", "Windows 11"),
    ("Wi-Fi disconnects in the meeting room", "the Meraki AP"),
    ("Certificate warning on the intranet", "IIS"),
    ("Backup job failed overnight", "Veeam"),
    ("Teams meetings drop audio", "Teams"),
    ("Mail to Gmail lands in spam", "Exchange Online"),
    ("Intune enrolment fails", "Intune"),
    ("RDS users disconnected", "the RD gateway"),
]
ACTIONS = [
    "restarted the service",
    "cleared the credential manager",
    "reinstalled the driver",
    "ran sfc /scannow",
    "flushed DNS",
    "rebooted the router",
    "re-created the profile",
    "checked the event log",
]
REPLY = [
    "Thanks, that rules out the local cache. Next, check whether the problem follows the user "
    "or stays with the device: sign in as a test account on the same machine.",
    "If the error comes back after a restart, open Event Viewer, go to Windows Logs, "
    "Application, and filter on the source; note the event ID and the exact code.",
    "This pattern usually points at an expired or mismatched certificate, a stale token or a "
    "policy pushed by the management platform overnight.",
    "Before changing anything on the server, take a snapshot or confirm last night's backup "
    "completed, and agree a window with the client.",
    "Run the check below from an elevated prompt and paste the output here; if it fails, tell "
    "me the error code it shows and whether other users on the site see the same.",
]


WHO_EXPANDED = re.compile(
    r"\(+COALESCE\(\(intake ->> 'client'::text\).*?\(psa_ticket_id\)::text\), ''::text\)\)", re.S
)


def code(rng: random.Random) -> str:
    return f"0x{rng.choice(['8007', '8004', '800f', 'c004', '8018'])}{rng.randrange(16**4):04x}"


async def seed_account(
    database: Database, name: str, sessions: int, messages: int, seed: int
) -> tuple[str, dict[str, Any]]:
    """An account with its team and engineers, `sessions` sessions with their messages; the
    token of an engineer who reads them all through the team, and a few known values."""
    rng = random.Random(seed)
    async with database.sessionmaker() as s:
        account = await auth.ensure_account(s, name, "enterprise")
        team = await auth.ensure_team(s, account, "Service Desk")
        users, first = [], None
        for n in range(3):
            user = await auth.create_user(
                s,
                account.id,
                email=f"eng{n}@{name.lower().replace(' ', '')}.example",
                password="bench-password-1",
                role="engineer",
                full_name=f"Engineer {n}",
            )
            await auth.ensure_membership(s, team, user)
            users.append(user.id)
            first = first or user
        assert first is not None
        token, _ = await auth.issue_token(s, first, 24)
        await s.commit()
        account_id, team_id = account.id, team.id
    now = datetime.now(UTC)
    known: dict[str, Any] = {}
    session_rows, branch_rows, message_rows = [], [], []
    for i in range(sessions):
        sid, bid = uuid.uuid4(), uuid.uuid4()
        client = f"{FIRST[i % 20]} {SECOND[(i // 20) % 20]}"
        contact = f"{rng.choice(PEOPLE)} {rng.choice(SURNAMES)}"
        device = f"{FIRST[i % 20][:3].upper()}-LT-{rng.randrange(1000):03d}"
        topic, product = TOPICS[i % len(TOPICS)]
        ticket = str(40000 + i) if rng.random() < 0.6 else None
        intake: dict[str, Any] = {"client": client, "contact": contact, "device": device}
        title = f"#{ticket} {topic}" if ticket else topic
        problem = f"{topic} for {contact} at {client} on {device}"
        updated = now - timedelta(minutes=i * 7)
        session_rows.append(
            (sid, account_id, team_id, users[i % 3], title, problem, json.dumps(intake), ticket,
             bid, updated, updated)
        )  # fmt: skip
        branch_rows.append((bid, sid, account_id, updated))
        parent = None
        for d in range(messages):
            mid = uuid.uuid4()
            if d == 0:
                body = problem
            elif d % 2 == 1:
                body = " ".join(rng.sample(REPLY, 3)) + f" This is about {product}."
            else:
                body = (
                    f"I {rng.choice(ACTIONS)} on {device}, {product} still fails with {code(rng)}."
                )
            role = "user" if d % 2 == 0 else "assistant"
            message_rows.append(
                (mid, sid, account_id, parent, bid, d, role, body, updated + timedelta(seconds=d))
            )
            parent = mid
        if i >= sessions // 3 and not known and ticket:
            known = {"client": client, "ticket": ticket, "device": device, "product": product}
            rare = "0xDEADC0DE"
            message_rows.append(
                (uuid.uuid4(), sid, account_id, parent, bid, messages, "user",
                 f"Event 1001 with {rare} from the sync agent", updated)
            )  # fmt: skip
            known["code"] = rare
    async with database.engine.begin() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        async with raw.cursor() as cur:
            async with cur.copy(
                "COPY ai_sessions (id, account_id, team_id, owner_id, title, problem_summary,"
                " intake, psa_ticket_id, active_branch_id, created_at, updated_at, status,"
                " status_changed_at, confidence_tier, total_input_tokens, total_output_tokens,"
                " total_cache_read_tokens, total_cache_write_tokens, turn_count, step_count,"
                " is_branching, handoff_count, total_active_seconds, total_parked_seconds)"
                " FROM STDIN"
            ) as copy:
                for row in session_rows:
                    await copy.write_row(
                        (*row, "active", row[-1], "discovery", 0, 0, 0, 0, 0, 0, False, 0, 0, 0)
                    )
            async with cur.copy(
                "COPY session_branches (id, session_id, account_id, created_at, branch_order,"
                " label, status, summary_stale) FROM STDIN"
            ) as copy:
                for row in branch_rows:
                    await copy.write_row((*row, 1, "Main", "active", True))
            async with cur.copy(
                "COPY session_messages (id, session_id, account_id, parent_id, branch_id, depth,"
                " role, content, created_at, attachments, meta, input_tokens, output_tokens,"
                " cache_read_tokens, cache_write_tokens) FROM STDIN"
            ) as copy:
                for row in message_rows:
                    await copy.write_row((*row, "[]", "{}", 0, 0, 0, 0))
    return token, known


async def no_message_hits(*_: Any) -> search.TermHits:
    return search.TermHits([], False)


def or_exists_term_filter(term: str, hits: search.TermHits | None) -> Any:
    """--strategy or-exists: one OR over the session's fields and a correlated EXISTS over
    its messages (PostgreSQL turns it into a hashed subplan: every matching message is read)."""
    if len(term) < search.MESSAGE_TERM_MIN:
        return search.in_fields(term)
    like = f"%{search.like_escape(term)}%"
    return or_(
        search.in_fields(term),
        exists(
            select(SessionMessage.id).where(
                SessionMessage.session_id == AISession.id, SessionMessage.content.ilike(like)
            )
        ),
    )


def union_term_filter(term: str, hits: search.TermHits | None) -> Any:
    """--strategy union: the session ids whose fields or messages hold the term, as one
    semi-join over a UNION ALL of two trigram scans (every matching message is read)."""
    if len(term) < search.MESSAGE_TERM_MIN:
        return search.in_fields(term)
    like = f"%{search.like_escape(term)}%"
    return AISession.id.in_(
        union_all(
            select(AISession.id).where(search.in_fields(term)),
            select(SessionMessage.session_id).where(SessionMessage.content.ilike(like)),
        )
    )


async def main(
    sessions: int,
    messages: int,
    reads: int,
    plans: bool,
    strategy: str,
    only: list[str],
    reuse: bool,
) -> None:
    saved = DATA_DIR / "session_search.json"
    if reuse and saved.exists():
        state = json.loads(saved.read_text())
        uri = start_embedded(DATA_DIR, database="flowpilot_bench_search")
        database, token, known = Database(uri), state["token"], state["known"]
        print(f"reusing {state['what']}")
    else:
        uri = fresh_database("flowpilot_bench_search")
        database = Database(uri)
        started = time.perf_counter()
        token, known = await seed_account(database, "Bench MSP", sessions, messages, 1)
        await seed_account(database, "Other MSP", sessions, messages, 2)
        async with database.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
        what = (
            f"2 accounts × {sessions:,} sessions × {messages} messages"
            f" ({2 * sessions * messages:,} messages)"
        )
        print(f"seeded {what} in {time.perf_counter() - started:.1f} s")
        saved.write_text(json.dumps({"token": token, "known": known, "what": what}))
    if strategy != "probe":
        search.message_hits = no_message_hits  # type: ignore[assignment]
        search.term_filter = (  # type: ignore[assignment]
            or_exists_term_filter if strategy == "or-exists" else union_term_filter
        )

    statements: list[tuple[str, Any]] = []

    @event.listens_for(database.engine.sync_engine, "before_cursor_execute")
    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, FLOWPILOT_SECRET_KEY="bench", FLOWPILOT_LOG_LEVEL="WARNING"
    )
    app = create_app(settings, run_worker=False)
    app.state.sessionmaker = database.sessionmaker
    app.state.provider = OfflineProvider()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    cases = [
        ("list, no search", {}),
        ("client name", {"q": known["client"]}),
        ("ticket number", {"q": known["ticket"]}),
        ("device", {"q": known["device"]}),
        ("rare error code in one message", {"q": known["code"]}),
        ("common code prefix (0x8007)", {"q": "0x8007"}),
        ("word in many replies (snapshot)", {"q": "snapshot"}),
        ("word in every reply (the)", {"q": "the"}),
        ("two words: client + product", {"q": f"{known['client'].split()[0]} {known['product']}"}),
        ("no match", {"q": "zzqqxx"}),
        ("client filter (prefix)", {"client": known["client"][:5].lower()}),
        ("client filter + has_ticket", {"client": known["client"], "has_ticket": "true"}),
        ("client list (prefix 'ha')", {"path": "/api/v1/ai-sessions/clients", "prefix": "ha"}),
    ]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=headers
    ) as client:
        print(f"\n{'case':40} {'total':>7} {'p50 ms':>8} {'p95 ms':>8}  first match")
        for label, params in cases:
            query = dict(params)
            path = query.pop("path", "/api/v1/ai-sessions")
            if only and not any(o in label for o in only):
                continue
            timings = []
            body: Any = None
            for n in range(reads + 3 if reads else 1):
                statements.clear()
                t = time.perf_counter()
                r = await client.get(path, params=query)
                elapsed = (time.perf_counter() - t) * 1000
                assert r.status_code == 200, r.text
                body = r.json()
                if n >= 3 or not reads:
                    timings.append(elapsed)
            p50, p95, _ = percentiles(timings)
            items = body.get("items", []) if isinstance(body, dict) else []
            first = items[0] if items else None
            total = body.get("total", len(items)) if isinstance(body, dict) else ""
            capped = "+" if isinstance(body, dict) and body.get("total_capped") else ""
            what = (
                f"{first['match']['field']}: {first['match']['snippet'][:50]}"
                if first and isinstance(first, dict) and first.get("match")
                else (str(first)[:50] if first else "")
            )
            print(f"{label:40} {str(total) + capped:>7} {p50:8.1f} {p95:8.1f}  {what}")
            if plans:
                await explain(database, list(statements))


async def explain(database: Database, statements: list[tuple[str, Any]]) -> None:
    async with database.engine.connect() as conn:
        for statement, parameters in statements:
            if "ai_sessions" not in statement and "session_messages" not in statement:
                continue
            rows = await conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters
            )
            plan = "\n".join(line for (line,) in rows)
            # The inlined flowpilot_session_who(intake, psa_ticket_id), as the planner prints it.
            plan = WHO_EXPANDED.sub("flowpilot_session_who(intake, psa_ticket_id)", plan)
            print("    " + statement.split("\n")[0][:110])
            for line in plan.splitlines():
                print("      " + line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=5000)
    parser.add_argument("--messages", type=int, default=12)
    parser.add_argument("--reads", type=int, default=30)
    parser.add_argument("--plans", action="store_true")
    parser.add_argument("--strategy", choices=("probe", "or-exists", "union"), default="probe")
    parser.add_argument("--only", action="append", default=[], help="cases whose label has this")
    parser.add_argument("--reuse", action="store_true", help="the last run's seeded database")
    args = parser.parse_args()
    asyncio.run(
        main(
            args.sessions,
            args.messages,
            args.reads,
            args.plans,
            args.strategy,
            args.only,
            args.reuse,
        )
    )
