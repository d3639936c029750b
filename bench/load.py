"""A bounded load test over loopback (`make load`): many engineers chatting at once, with the
in-process job worker running the jobs their turns defer, then an integrity check of what was
stored and a count of the deadlocks PostgreSQL reported.

python -m bench.load                      # 50 users for 60 s
python -m bench.load --users 20 --seconds 30
LOAD_USERS=10 LOAD_SECONDS=15 python -m bench.load

The app is served by uvicorn on a free 127.0.0.1 port in a thread of this process, against a
fresh database (`flowpilot_load`) in the embedded PostgreSQL under .flowpilot/bench, with the
offline provider and the job worker on. Each simulated engineer opens a session (which defers
analyse_intake) and then works it: JSON and streamed turns (some streams are closed after the
first words, as a closed tab does: the turn goes on and saves its reply), turns on another
branch, forks, switches, dead ends, revivals, reports on suggestions, and reads of the tree,
the history and the steps. Exit status 0 only when no request failed (5xx, transport error,
error event in a stream), no 4xx was answered, every integrity check holds and PostgreSQL
reported no deadlock.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.common import DATA_DIR, fresh_database, percentiles
from flowpilot.app import create_app
from flowpilot.auth import service as auth
from flowpilot.config import Settings
from flowpilot.db.engine import Database
from flowpilot.library.loader import load_library
from tests.live import LiveServer, serve

DB_NAME = "flowpilot_load"
PASSWORD = "load-test-password-1"
REQUEST_TIMEOUT = 60.0
DRAIN_SECONDS = 60.0
# Team plan: 10 hypothesis branches per session; forks add 2, so 4 forks stay under the limit.
MAX_FORKS = 4
# What an engineer does next (relative weights). An abandoned stream is read to its first
# words and closed, as a closed tab does: the turn goes on and saves its reply meanwhile.
MIX = {
    "chat_json": 40,
    "chat_stream": 15,
    "chat_stream_abandoned": 5,
    "chat_branch": 8,
    "fork": 5,
    "switch": 3,
    "dead_end": 2,
    "revive": 1,
    "report_step": 4,
    "read_tree": 8,
    "read_messages": 5,
    "read_session": 4,
}

PROBLEMS = [
    "Outlook keeps prompting for the password on the CEO's laptop since this morning; "
    "M365 Business Premium, Windows 11 23H2, other users fine.",
    "Users at the Leeds office cannot reach the file server \\\\FS01 by name; IP works. "
    "DNS on DC01, DHCP from the FortiGate. Started after a firmware update last night.",
    "Veeam backup job for the SQL server fails with VSS error 0x80042306 since Friday.",
    "Three users locked out of AD repeatedly, event 4740 on the PDC, caller computer blank.",
    "Printer on the second floor shows offline for everyone; Kyocera M3655, IP reachable.",
    "QuickBooks Desktop 2023 multi-user mode fails with H202 on two workstations.",
    "SonicWall Global VPN client connects but no traffic passes to the LAN, error in the log: "
    "IKE Responder: No matching phase 2 ID found.",
    "New hire's laptop fails Intune enrolment with error 80180014; Autopilot profile assigned.",
    "RDS users get disconnected every 20 minutes on the session host RDSH02, event 1026.",
    "Synology NAS share slow for Mac users over SMB, fine from Windows; DSM 7.2.",
    "Teams meetings drop audio for remote staff behind the Meraki MX, wired and Wi-Fi.",
    "Exchange Online mail from our domain to Gmail lands in spam; SPF passes, DKIM not set.",
    "Windows Update fails on several servers with 0x800f0922, WSUS on-prem.",
    "Certificate warning on the intranet site since yesterday: NET::ERR_CERT_DATE_INVALID.",
    "Time on domain members drifts 5 minutes, Kerberos errors KRB_AP_ERR_SKEW on login.",
]
FOLLOW_UPS = [
    "Ran dsregcmd /status: AzureAdPrt is NO, tenant name matches.",
    "Cleared the credential manager entries for MicrosoftOffice16, rebooted, still prompts.",
    "I have not tried any of that yet.",
    "nslookup fs01 returns SERVFAIL from 10.0.0.10, but nslookup fs01.corp.local works.",
    "Event 4771 on the DC with failure code 0x18 for the same user, source 10.0.5.23.",
    "Done: restarted the print spooler on PRINT01, the queue is still offline.",
    "The VSS writers show SqlServerWriter in a failed state (error 0x800423f4).",
    "Checked the FortiGate: DNS server handed out by DHCP is 8.8.8.8, not the DC.",
    "Skipped the reboot, the client cannot take downtime until tonight.",
    "Version is 7.2.1-69057 Update 5; SMB signing is required on the NAS.",
    "Only users in the Sales OU are affected, about 12 people.",
    "The firewall log shows the phase 2 proposal mismatch: local 10.1.0.0/24 vs 10.2.0.0/24.",
    "w32tm /query /status shows the source as Local CMOS Clock on the PDC.",
    "That fixed it for one machine, the second one still shows H202.",
    "Here is the error text: 0x80180014 - the device is not allowed to enrol.",
]
HYPOTHESES = [
    ("Stale cached credentials", "Credential Manager or token broker holds an old token"),
    ("Conditional access policy", "A CA policy blocks the legacy client"),
    ("DNS suffix or forwarder", "Clients resolve through the wrong server"),
    ("Firmware regression", "The last firmware update changed the default"),
    ("Account lockout source", "A phone or mapped drive keeps the old password"),
    ("Time skew", "The PDC emulator has no reliable time source"),
    ("VSS writer state", "A writer is stuck and needs a service restart"),
    ("Licensing", "The user lost the licence in the last change"),
]


# ── results ──────────────────────────────────────────────────────────────────────────────────


@dataclass
class Sample:
    kind: str
    status: int  # HTTP status; 0 for a transport error
    seconds: float
    error: str = ""  # transport error class, or a stream's error event code
    session: str = ""
    started: float = 0.0  # time.perf_counter() when the request was sent


@dataclass
class Results:
    samples: list[Sample] = field(default_factory=list)
    # user message id -> content, for every message acknowledged with a 2xx
    user_messages: dict[str, str] = field(default_factory=dict)
    assistant_messages: set[str] = field(default_factory=set)
    sessions: list[str] = field(default_factory=list)
    # each session's requests in order, to explain a failed check
    timelines: dict[str, list[Sample]] = field(default_factory=dict)
    unexpected: list[str] = field(default_factory=list)  # first few 4xx/5xx bodies

    def add(self, sample: Sample, body: str = "") -> None:
        self.samples.append(sample)
        if (sample.status >= 400 or sample.status == 0 or sample.error) and len(
            self.unexpected
        ) < 15:
            self.unexpected.append(
                f"{wall_clock(sample.started)} session {sample.session or '-'} {sample.kind}: "
                f"{sample.status} {sample.error} {body[:300]}".strip()
            )


def is_error(s: Sample) -> bool:
    return s.status == 0 or s.status >= 500 or bool(s.error)


def is_4xx(s: Sample) -> bool:
    return 400 <= s.status < 500 and not s.error


# ── the simulated engineer ───────────────────────────────────────────────────────────────────


class Engineer:
    def __init__(
        self,
        index: int,
        base_url: str,
        token: str,
        results: Results,
        seed: int,
        think_ms: int,
        mix: dict[str, float],
    ) -> None:
        self.index = index
        self.results = results
        self.rng = random.Random(seed * 1000 + index)
        self.think = think_ms / 1000
        self.mix = (list(mix), list(mix.values()))
        self.client = httpx.AsyncClient(
            base_url=base_url,
            timeout=REQUEST_TIMEOUT,
            headers={"Authorization": f"Bearer {token}"},
        )
        self.session_id = ""
        self.root_branch = ""
        self.active_branch = ""
        self.branches: dict[str, str] = {}  # id -> status, as this engineer left it
        self.forks = 0
        self.has_message = False
        self.timeline: list[Sample] = []

    @property
    def base(self) -> str:
        return f"/api/v1/ai-sessions/{self.session_id}"

    async def close(self) -> None:
        await self.client.aclose()

    async def request(
        self, kind: str, method: str, url: str, **kwargs: Any
    ) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.record(kind, 0, started, type(exc).__name__)
            return None
        ok = response.is_success
        self.record(kind, response.status_code, started, body="" if ok else response.text)
        return response if ok else None

    def record(
        self, kind: str, status: int, started: float, error: str = "", body: str = ""
    ) -> None:
        elapsed = time.perf_counter() - started
        sample = Sample(kind, status, elapsed, error, self.session_id, started)
        self.timeline.append(sample)
        self.results.add(sample, body)

    # The engineer's day: open a session, then work it until the deadline.

    async def run(self, deadline: float) -> None:
        try:
            if not await self.open_session():
                return
            while time.monotonic() < deadline:
                await self.step()
                if self.think:
                    await asyncio.sleep(self.rng.uniform(0, self.think))
        finally:
            await self.close()

    async def open_session(self) -> bool:
        problem = PROBLEMS[self.index % len(PROBLEMS)]
        body = {
            "problem_summary": problem,
            "intake": {"client": f"Client {self.index % 7}", "device": f"WS-{self.index:03d}"},
        }
        r = await self.request("create_session", "POST", "/api/v1/ai-sessions", json=body)
        if r is None:
            return False
        data = r.json()
        self.session_id = data["id"]
        self.root_branch = self.active_branch = data["active_branch_id"]
        self.branches = {self.root_branch: "active"}
        self.results.sessions.append(self.session_id)
        self.results.timelines[self.session_id] = self.timeline
        return True

    async def step(self) -> None:
        kind = "chat_json" if not self.has_message else self.rng.choices(*self.mix)[0]
        if kind == "chat_json":
            await self.chat_json()
        elif kind in ("chat_stream", "chat_stream_abandoned"):
            await self.chat_stream(abandon=kind == "chat_stream_abandoned")
        elif kind == "chat_branch":
            await self.chat_on_other_branch()
        elif kind == "read_tree":
            await self.request("read_tree", "GET", f"{self.base}/branches")
        elif kind == "read_messages":
            await self.request("read_messages", "GET", f"{self.base}/messages")
        elif kind == "read_session":
            await self.request("read_session", "GET", self.base)
        else:
            await getattr(self, kind)()

    def follow_up(self) -> str:
        return f"{self.rng.choice(FOLLOW_UPS)} (engineer {self.index}, {self.rng.randrange(10**6)})"

    def remember_turn(self, content: str, data: dict[str, Any]) -> None:
        self.results.user_messages[data["user_message"]["id"]] = content
        self.results.assistant_messages.add(data["assistant_message"]["id"])
        self.has_message = True

    async def chat_json(self) -> None:
        content = self.follow_up()
        r = await self.request(
            "chat_json",
            "POST",
            f"{self.base}/messages",
            json={"content": content},
            headers={"Accept": "application/json"},
        )
        if r is not None:
            self.remember_turn(content, r.json())
            self.branches[self.active_branch] = "active"

    async def chat_stream(self, *, abandon: bool) -> None:
        """A streamed turn read to its end, or closed after the first words (the turn goes on
        without the client and must still save its reply)."""
        kind = "chat_stream_abandoned" if abandon else "chat_stream"
        content = self.follow_up()
        started = time.perf_counter()
        status, error, body = 0, "", ""
        try:
            async with self.client.stream(
                "POST",
                f"{self.base}/messages",
                json={"content": content},
                headers={"Accept": "text/event-stream"},
            ) as r:
                status = r.status_code
                if not r.is_success:
                    body = (await r.aread()).decode(errors="replace")
                else:
                    error = await self._read_events(r, content, abandon)
        except httpx.HTTPError as exc:
            status, error = 0, type(exc).__name__
        self.record(kind, status, started, error, body)

    async def _read_events(self, r: httpx.Response, content: str, abandon: bool) -> str:
        event = ""
        done = False
        async for line in r.aiter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data = json.loads(line[6:])
                if event == "message":
                    self.results.user_messages[data["user_message"]["id"]] = content
                    self.has_message = True
                elif event == "delta" and abandon:
                    return ""
                elif event == "done":
                    self.results.assistant_messages.add(data["assistant_message"]["id"])
                    done = True
                elif event == "error":
                    return f"stream_error:{data.get('code')}"
        return "" if done else "stream_ended_without_done"

    def workable(self, *, other_than_active: bool) -> list[str]:
        return [
            b
            for b, status in self.branches.items()
            if status != "dead_end" and not (other_than_active and b == self.active_branch)
        ]

    async def chat_on_other_branch(self) -> None:
        """A turn on another branch: it becomes the one being worked."""
        candidates = self.workable(other_than_active=True)
        if not candidates:
            await self.chat_json()
            return
        branch = self.rng.choice(candidates)
        content = self.follow_up()
        r = await self.request(
            "chat_branch",
            "POST",
            f"{self.base}/branches/{branch}/message",
            json={"message": content},
            headers={"Accept": "application/json"},
        )
        if r is not None:
            self.remember_turn(content, r.json())
            self.active_branch = branch
            self.branches[branch] = "active"

    async def fork(self) -> None:
        if self.forks >= MAX_FORKS:
            await self.request("read_tree", "GET", f"{self.base}/branches")
            return
        picks = self.rng.sample(HYPOTHESES, 2)
        body = {
            "fork_reason": "Two causes fit what we know so far",
            "options": [{"label": label, "description": why} for label, why in picks],
        }
        r = await self.request("fork", "POST", f"{self.base}/branches/fork", json=body)
        if r is not None:
            data = r.json()
            self.forks += 1
            for b in data["branches"]:
                self.branches[b["id"]] = b["status"]
            self.active_branch = data["active_branch_id"]
            self.branches[self.active_branch] = "active"

    async def switch(self) -> None:
        candidates = self.workable(other_than_active=True)
        if not candidates:
            await self.request("read_tree", "GET", f"{self.base}/branches")
            return
        branch = self.rng.choice(candidates)
        r = await self.request("switch", "POST", f"{self.base}/branches/{branch}/switch")
        if r is not None:
            self.active_branch = branch
            if self.branches[branch] == "untried":
                self.branches[branch] = "active"

    async def dead_end(self) -> None:
        candidates = [b for b in self.workable(other_than_active=True) if b != self.root_branch]
        if not candidates:
            await self.request("read_tree", "GET", f"{self.base}/branches")
            return
        branch = self.rng.choice(candidates)
        body = {"status": "dead_end", "status_reason": "Ruled out: the check came back clean"}
        if await self.request("dead_end", "PATCH", f"{self.base}/branches/{branch}", json=body):
            self.branches[branch] = "dead_end"

    async def revive(self) -> None:
        dead = [b for b, s in self.branches.items() if s == "dead_end"]
        if not dead:
            await self.request("read_session", "GET", self.base)
            return
        branch = self.rng.choice(dead)
        body = {
            "evidence_from_branch_id": self.active_branch,
            "evidence_description": "The other branch showed the same error code after all",
        }
        if await self.request("revive", "POST", f"{self.base}/branches/{branch}/revive", json=body):
            self.branches[branch] = "revived"

    async def report_step(self) -> None:
        r = await self.request("read_steps", "GET", f"{self.base}/steps")
        if r is None:
            return
        open_steps = [s for s in r.json() if s["state"] == "suggested"]
        if not open_steps:
            return
        step = self.rng.choice(open_steps)
        body = {"state": "done", "result": "Checked it: no change, same error as before"}
        await self.request("report_step", "PATCH", f"{self.base}/steps/{step['id']}", json=body)


# ── set-up: database, users, server ──────────────────────────────────────────────────────────


async def create_engineers(uri: str, n: int) -> list[str]:
    """One team-plan account with n engineers in one team; a token each."""
    db = Database(uri, pool_size=2)
    tokens = []
    try:
        async with db.sessionmaker() as s:
            await load_library(s)
            account = await auth.ensure_account(s, "Load Test MSP", "team")
            team = await auth.ensure_team(s, account, "Service Desk")
            for i in range(n):
                user = await auth.create_user(
                    s,
                    account.id,
                    email=f"engineer{i}@load.example.com",
                    password=PASSWORD,
                    role="engineer",
                    full_name=f"Engineer {i}",
                )
                await auth.ensure_membership(s, team, user)
                token, _ = await auth.issue_token(s, user, 4)
                tokens.append(token)
            await s.commit()
    finally:
        await db.dispose()
    return tokens


def start_server(uri: str, stream_delay_ms: int) -> LiveServer:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        DATABASE_URL=uri,
        FLOWPILOT_PROVIDER="offline",
        FLOWPILOT_OFFLINE_STREAM_DELAY_MS=stream_delay_ms,
        FLOWPILOT_SECRET_KEY="load-test",
        FLOWPILOT_LOG_LEVEL="WARNING",
        FLOWPILOT_DATA_DIR=DATA_DIR,
    )
    return serve(create_app(settings, run_worker=True), start_seconds=30)


# ── after the run: drain, integrity, the PostgreSQL log ──────────────────────────────────────

PENDING_JOBS = """
    SELECT count(*) FROM procrastinate_jobs
    WHERE status IN ('todo', 'doing')
      AND (scheduled_at IS NULL OR scheduled_at < now() + interval '1 minute')
"""


async def drain(uri: str, limit: float) -> tuple[bool, float, int, int]:
    """Wait until no job is due or running and every turn (also those whose client left)
    has finished: (drained, seconds waited, jobs left, turns left)."""
    from flowpilot.conversation.chat import _RUNNING  # the server's turns, in this process

    started = time.monotonic()
    async with await psycopg.AsyncConnection.connect(uri, autocommit=True) as conn:
        while True:
            jobs = await scalar(conn, PENDING_JOBS)
            turns = len(_RUNNING)
            elapsed = time.monotonic() - started
            if (jobs == 0 and turns == 0) or elapsed > limit:
                return jobs == 0 and turns == 0, elapsed, jobs, turns
            await asyncio.sleep(0.5)


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""
    sessions: list[str] = field(default_factory=list)  # the sessions it failed for


async def scalar(conn: psycopg.AsyncConnection[Any], sql: str, *params: Any) -> Any:
    row = await (await conn.execute(sql, params or None)).fetchone()
    return row[0] if row else None


async def rows(conn: psycopg.AsyncConnection[Any], sql: str, *params: Any) -> list[Any]:
    return list(await (await conn.execute(sql, params or None)).fetchall())


def sample_of(items: list[Any], n: int = 3) -> str:
    return "; ".join(str(tuple(i) if isinstance(i, tuple) else i) for i in items[:n])


async def integrity(uri: str, results: Results) -> list[Check]:
    checks: list[Check] = []
    async with await psycopg.AsyncConnection.connect(uri, autocommit=True) as conn:
        # 1. Every user message acknowledged with a 2xx is stored, with its words.
        ids = list(results.user_messages)
        stored = dict(
            await rows(
                conn,
                "SELECT id::text, content FROM session_messages"
                " WHERE role = 'user' AND id = ANY(%s::uuid[])",
                ids,
            )
        )
        missing = [i for i in ids if i not in stored]
        changed = [i for i in ids if i in stored and stored[i] != results.user_messages[i]]
        checks.append(
            Check(
                f"acknowledged user messages stored ({len(ids)})",
                not missing and not changed,
                f"missing {len(missing)}, content differs {len(changed)}: "
                + sample_of(missing + changed),
            )
        )
        # 2. Every reply the client was given is stored.
        replies = list(results.assistant_messages)
        found = {
            r[0]
            for r in await rows(
                conn,
                "SELECT id::text FROM session_messages"
                " WHERE role = 'assistant' AND id = ANY(%s::uuid[])",
                replies,
            )
        }
        lost = [i for i in replies if i not in found]
        checks.append(
            Check(
                f"acknowledged replies stored ({len(replies)})",
                not lost,
                f"missing {len(lost)}: {sample_of(lost)}",
            )
        )
        # 3. Every user message has a complete assistant reply (none partial, none missing).
        unanswered = await rows(
            conn,
            """
            SELECT u.id::text, u.session_id::text FROM session_messages u
            WHERE u.role = 'user' AND NOT EXISTS (
                SELECT 1 FROM session_messages a
                WHERE a.reply_to_id = u.id AND a.role = 'assistant'
                  AND coalesce((a.meta->>'partial')::boolean, false) = false)
            """,
        )
        checks.append(
            Check(
                "every user message has a complete reply",
                not unanswered,
                f"{len(unanswered)} without (message, session): {sample_of(unanswered)}",
                [r[1] for r in unanswered],
            )
        )
        doubled = await rows(
            conn,
            "SELECT reply_to_id::text, count(*) FROM session_messages WHERE role = 'assistant'"
            " GROUP BY reply_to_id HAVING count(*) > 1",
        )
        checks.append(Check("no user message answered twice", not doubled, sample_of(doubled)))
        # 4. Session counters equal the rows they count.
        counters = await rows(
            conn,
            """
            SELECT s.id::text, s.turn_count, s.step_count,
                   (SELECT count(*) FROM session_messages m
                     WHERE m.session_id = s.id AND m.role = 'assistant') AS replies,
                   (SELECT count(*) FROM ai_session_steps t WHERE t.session_id = s.id) AS steps,
                   (SELECT coalesce(max(step_number), 0) FROM ai_session_steps t
                     WHERE t.session_id = s.id) AS last_step,
                   s.total_input_tokens + s.total_output_tokens
                   + s.total_cache_read_tokens + s.total_cache_write_tokens AS tokens,
                   (SELECT coalesce(sum(input_tokens + output_tokens + cache_read_tokens
                                        + cache_write_tokens), 0)
                      FROM session_messages m WHERE m.session_id = s.id) AS message_tokens
            FROM ai_sessions s
            """,
        )
        bad_turns = [r for r in counters if r[1] != r[3]]
        bad_steps = [r for r in counters if not (r[2] == r[4] == r[5])]
        bad_tokens = [r for r in counters if r[6] != r[7]]
        checks.append(
            Check(
                f"session turn_count = replies stored ({len(counters)} sessions)",
                not bad_turns,
                f"{len(bad_turns)} differ (id, turn_count, replies): "
                + sample_of([(r[0], r[1], r[3]) for r in bad_turns]),
                [r[0] for r in bad_turns],
            )
        )
        checks.append(
            Check(
                "session step_count = steps stored = last step number",
                not bad_steps,
                f"{len(bad_steps)} differ (id, step_count, steps, last): "
                + sample_of([(r[0], r[2], r[4], r[5]) for r in bad_steps]),
                [r[0] for r in bad_steps],
            )
        )
        checks.append(
            Check(
                "session token totals = tokens on its messages",
                not bad_tokens,
                f"{len(bad_tokens)} differ: " + sample_of([(r[0], r[6], r[7]) for r in bad_tokens]),
            )
        )
        # 5. One step per reply; one intake analysis per session.
        stepless = await scalar(
            conn,
            """
            SELECT count(*) FROM session_messages m WHERE m.role = 'assistant'
              AND (SELECT count(*) FROM ai_session_steps t WHERE t.message_id = m.id
                     AND t.step_type NOT IN ('fork', 'intake_analysis')) <> 1
            """,
        )
        checks.append(Check("every reply has exactly one turn step", stepless == 0, f"{stepless}"))
        intake = await rows(
            conn,
            """
            SELECT s.id::text, count(t.id) FROM ai_sessions s
            LEFT JOIN ai_session_steps t
              ON t.session_id = s.id AND t.step_type = 'intake_analysis'
            GROUP BY s.id HAVING count(t.id) <> 1
            """,
        )
        checks.append(
            Check("every session has exactly one intake analysis", not intake, sample_of(intake))
        )
        # 6. The message tree: depths follow parents, branch heads are in their session, and
        # every message is on some branch's path (a lost head update would orphan it).
        bad_depth = await scalar(
            conn,
            """
            SELECT count(*) FROM session_messages m
            LEFT JOIN session_messages p ON p.id = m.parent_id
            WHERE (m.parent_id IS NULL AND m.depth <> 0)
               OR (m.parent_id IS NOT NULL
                   AND (p.id IS NULL OR p.session_id <> m.session_id OR m.depth <> p.depth + 1))
            """,
        )
        checks.append(Check("message depths follow their parents", bad_depth == 0, f"{bad_depth}"))
        bad_heads = await scalar(
            conn,
            """
            SELECT count(*) FROM session_branches b
            LEFT JOIN session_messages h ON h.id = b.head_message_id
            WHERE b.head_message_id IS NOT NULL AND (h.id IS NULL OR h.session_id <> b.session_id)
            """,
        )
        checks.append(Check("branch heads are in their session", bad_heads == 0, f"{bad_heads}"))
        orphans = await rows(
            conn,
            """
            WITH RECURSIVE reach AS (
                SELECT h.id, h.parent_id FROM session_branches b
                JOIN session_messages h ON h.id = b.head_message_id
                UNION
                SELECT m.id, m.parent_id FROM session_messages m JOIN reach r ON m.id = r.parent_id
            )
            SELECT m.id::text, m.role, m.session_id::text FROM session_messages m
            WHERE NOT EXISTS (SELECT 1 FROM reach r WHERE r.id = m.id)
            """,
        )
        checks.append(
            Check(
                "every message is on a branch's path",
                not orphans,
                f"{len(orphans)} off every path: {sample_of(orphans)}",
                [r[2] for r in orphans],
            )
        )
        # 7. Jobs: none failed, none still waiting, none needed a retry.
        statuses = dict(
            await rows(conn, "SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY 1")
        )
        failed = await rows(
            conn,
            "SELECT task_name, count(*) FROM procrastinate_jobs WHERE status = 'failed' GROUP BY 1",
        )
        checks.append(
            Check(
                f"no job failed (jobs by status: {statuses})",
                not failed,
                sample_of(failed, 10),
            )
        )
        pending = await scalar(conn, PENDING_JOBS)
        checks.append(Check("job queue drained", pending == 0, f"{pending} todo/doing"))
        retried = await rows(
            conn,
            """
            SELECT j.task_name, count(*) FROM procrastinate_events e
            JOIN procrastinate_jobs j ON j.id = e.job_id
            WHERE e.type = 'deferred_for_retry' GROUP BY 1
            """,
        )
        checks.append(Check("no job needed a retry", not retried, sample_of(retried, 10)))
    return checks


_CLOCK = (time.time(), time.perf_counter())


def wall_clock(perf: float) -> str:
    """A perf_counter() reading as UTC wall-clock time, as the PostgreSQL log writes it."""
    stamp = _CLOCK[0] + perf - _CLOCK[1]
    return time.strftime("%H:%M:%S", time.gmtime(stamp)) + f".{int(stamp % 1 * 1000):03d}"


def log_offset(log: Path) -> int:
    return log.stat().st_size if log.exists() else 0


def deadlocks_in_log(log: Path, offset: int) -> tuple[int, list[str], Counter[str]]:
    """Deadlock reports written since `offset` (each with its DETAIL / CONTEXT / STATEMENT
    lines), and the other ERROR messages by kind."""
    if not log.exists():
        return 0, [], Counter()
    with log.open("rb") as f:
        f.seek(offset)
        lines = f.read().decode(errors="replace").splitlines()
    count, reports, errors = 0, [], Counter[str]()
    prefix = re.compile(r"^\S+ \S+ \S+ \[\d+\] ")
    for i, line in enumerate(lines):
        if "deadlock detected" in line:
            count += 1
            block = [line]
            for follow in lines[i + 1 : i + 30]:
                if prefix.match(follow) and not re.search(
                    r"\] (DETAIL|HINT|CONTEXT|STATEMENT):", follow
                ):
                    break
                block.append(follow)
            reports.append("\n".join(block))
        elif "ERROR:" in line:
            errors[re.sub(r"\d+", "N", line.split("ERROR:", 1)[1].strip())[:110]] += 1
    return count, reports, errors


# ── the run ──────────────────────────────────────────────────────────────────────────────────


def report(results: Results, seconds: float) -> tuple[int, int]:
    samples = results.samples
    errors = [s for s in samples if is_error(s)]
    fours = [s for s in samples if is_4xx(s)]
    print(
        f"\nrequests: {len(samples)} in {seconds:.1f} s = {len(samples) / seconds:.1f} req/s; "
        f"errors (5xx, transport, stream error): {len(errors)}; 4xx: {len(fours)}"
    )
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_kind[s.kind].append(s)
    print(f"{'operation':<24}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'errors':>8}")
    for kind in sorted(by_kind, key=lambda k: -len(by_kind[k])):
        group = by_kind[kind]
        p50, p95, top = percentiles([s.seconds * 1000 for s in group])
        bad = sum(1 for s in group if is_error(s) or is_4xx(s))
        print(f"{kind:<24}{len(group):>7}{p50:>9.0f}{p95:>9.0f}{top:>9.0f}{bad:>8}")
    if errors or fours:
        by_status = Counter(
            f"{s.status or 'transport'}{' ' + s.error if s.error else ''} ({s.kind})"
            for s in errors + fours
        )
        print("failures by status:")
        for what, n in by_status.most_common():
            print(f"  {n:>5}  {what}")
        for line in results.unexpected:
            print(f"  e.g. {line}")
    return len(errors), len(fours)


async def run_users(base_url: str, tokens: list[str], seconds: float, args: Any) -> Results:
    results = Results()
    deadline = time.monotonic() + seconds
    mix = {**MIX, "chat_stream_abandoned": args.abandon}
    engineers = [
        Engineer(i, base_url, token, results, args.seed, args.think_ms, mix)
        for i, token in enumerate(tokens)
    ]
    await asyncio.gather(*(e.run(deadline) for e in engineers))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("LOAD_SECONDS", 60)))
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOAD_USERS", 50)))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("LOAD_SEED", 1)))
    parser.add_argument(
        "--stream-delay-ms",
        type=int,
        default=int(os.environ.get("LOAD_STREAM_DELAY_MS", 0)),
        help="the offline provider's pause per streamed word",
    )
    parser.add_argument("--think-ms", type=int, default=20, help="up to this pause between ops")
    parser.add_argument(
        "--abandon",
        type=float,
        default=MIX["chat_stream_abandoned"],
        help="weight of streamed turns closed after the first words (others: see MIX)",
    )
    args = parser.parse_args(argv)

    print(
        f"FlowPilot load test: {args.users} engineers for {args.seconds:.0f} s "
        f"(offline provider, {args.stream_delay_ms} ms/word, in-process job worker)"
    )
    uri = fresh_database(DB_NAME)
    log = DATA_DIR / "pg" / "log"
    offset = log_offset(log)
    tokens = asyncio.run(create_engineers(uri, args.users))
    server = start_server(uri, args.stream_delay_ms)
    print(f"serving {server.url}, database {DB_NAME}, PostgreSQL log {log}")
    try:
        started = time.monotonic()
        results = asyncio.run(run_users(server.url, tokens, args.seconds, args))
        elapsed = time.monotonic() - started
        drained, waited, jobs, turns = asyncio.run(drain(uri, DRAIN_SECONDS))
        print(
            f"drain: {'done' if drained else 'NOT done'} after {waited:.1f} s "
            f"({jobs} jobs due or running, {turns} turns still running)"
        )
    finally:
        server.stop(wait_seconds=30)
    errors, fours = report(results, elapsed)
    checks = asyncio.run(integrity(uri, results))
    print("\nintegrity:")
    for c in checks:
        print(f"  {'OK  ' if c.ok else 'FAIL'}  {c.name}" + ("" if c.ok else f": {c.detail}"))
    suspects = list(
        dict.fromkeys(
            [sid for c in checks if not c.ok for sid in c.sessions]
            + [smp.session for smp in results.samples if is_error(smp) and smp.session]
        )
    )
    for sid in suspects[:4]:
        print(f"  requests of session {sid} (UTC start, ms, status):")
        for smp in results.timelines.get(sid, [])[-40:]:
            status = f"{smp.status}{' ' + smp.error if smp.error else ''}"
            print(
                f"    {wall_clock(smp.started)}  {smp.kind:<22}{smp.seconds * 1000:>7.0f}  {status}"
            )
    deadlocks, reports, pg_errors = deadlocks_in_log(log, offset)
    print(f"\nPostgreSQL log: {deadlocks} 'deadlock detected' during this run")
    for block in reports[:5]:
        print("  " + block.replace("\n", "\n  "))
    if pg_errors:
        print("other ERROR lines in the PostgreSQL log (by kind):")
        for what, n in pg_errors.most_common(10):
            print(f"  {n:>5}  {what}")
    ok = errors == 0 and fours == 0 and all(c.ok for c in checks) and deadlocks == 0
    print(f"\nload test {'PASSED' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
