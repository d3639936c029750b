"""Lock order between a chat turn saving its reply and the intake job (real commits, two
connections, a forced interleaving).

A turn's save inserts the reply, moves the branch head and updates the session row (its
counters); the analyse_intake job updates the session row (problem domain, step counter) and
inserts a step that references the branch. Every writer takes the session row first (FOR NO
KEY UPDATE, which does not block inserts that reference it), then the branch. Taken in
opposite orders, the interleavings below are deadlocks (PostgreSQL kills one side after
deadlock_timeout); in the same order the second side simply waits for the first.

Each test runs the application's own code unchanged and only pauses one side right after
the first statement of its that takes a row lock (an UPDATE / INSERT / DELETE or a SELECT …
FOR UPDATE / SHARE), starts the other side, waits until PostgreSQL reports that side blocked
by the paused one (pg_blocking_pids), then lets both run to the end.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import pytest
from sqlalchemy import event, text

from flowpilot.ai.offline import OfflineProvider
from flowpilot.auth.service import principal_for_token
from flowpilot.conversation import chat, tasks
from flowpilot.conversation.follow_up import run_follow_up
from flowpilot.db.engine import Database
from flowpilot.jobs import runtime as job_runtime
from flowpilot.sessions import service as sessions
from flowpilot.sessions.schemas import SessionCreate
from tests.conftest import committed_team, make_settings

try:
    from sqlalchemy.util import await_
except ImportError:  # SQLAlchemy 2.0
    from sqlalchemy.util import await_only as await_

PROBLEM = "Outlook keeps asking for a password on one laptop"
STEP_SECONDS = 5.0  # each wait below; a deadlock is reported after deadlock_timeout (1 s)
LOCKING = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE)\b|\bFOR (NO KEY )?UPDATE\b|\bFOR (KEY )?SHARE\b", re.I
)
# Which side ("turn" or "job") the running code belongs to; SQLAlchemy runs a statement's
# events in a greenlet that carries the calling task's context.
ACTOR: ContextVar[str] = ContextVar("lock_order_actor", default="")


class PauseAfterFirstLock:
    """An after_cursor_execute listener: `actor` stops right after its first statement that
    takes a row lock, holding that lock, until `go_on` is set."""

    def __init__(self, actor: str) -> None:
        self.actor = actor
        self.holding = asyncio.Event()
        self.go_on = asyncio.Event()
        self.pid = 0
        self.statement = ""

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if ACTOR.get() != self.actor or self.holding.is_set() or not LOCKING.search(statement):
            return
        self.pid = conn.connection.driver_connection.info.backend_pid
        self.statement = " ".join(statement.split())[:120]
        self.holding.set()
        # Waits on the event loop from inside the statement's greenlet (how SQLAlchemy's
        # asyncio drivers wait for the database too).
        await_(asyncio.wait_for(self.go_on.wait(), STEP_SECONDS))


async def _blocked_by(database: Database, pid: int, other: asyncio.Task[Any]) -> bool:
    """Until some backend waits for a lock that `pid` holds (True), or `other` ended without
    ever waiting (False)."""
    async with database.engine.connect() as conn:
        # Autocommit: pg_stat_activity is read once per transaction.
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        while not other.done():
            blocked = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND :pid = ANY(pg_blocking_pids(pid))"
                ),
                {"pid": pid},
            )
            if blocked:
                return True
            await asyncio.sleep(0.01)
    return False


async def _turn_ready_to_save(database: Database) -> tuple[uuid.UUID, chat.Turn]:
    """A committed session (its intake not analysed yet) with one engineer message waiting
    for its reply."""
    member = (await committed_team(database))[0]
    async with database.sessionmaker() as db:
        principal = await principal_for_token(db, member.token, False)
        session = await sessions.create_session(
            db, principal, SessionCreate(problem_summary=PROBLEM)
        )
        await db.commit()
        turn = (
            await chat.append_user_message(
                db, principal, session.id, "dsregcmd /status says AzureAdPrt is NO"
            )
        ).turn
        await db.commit()
        # The message's follow-up (its own short transaction, before the model's first words)
        # done: what is interleaved below is the reply's save.
        assert await run_follow_up(
            db, turn.session_id, turn.account_id, turn.user_message_id, model_evidence=False
        )
        await db.commit()
    return session.id, dataclasses.replace(turn, follow_up=False)


async def _as(actor: str, run: Callable[[], Awaitable[Any]]) -> Any:
    ACTOR.set(actor)  # this task's own context
    return await run()


async def _interleave(
    database: Database, first: str, job: str = "intake"
) -> tuple[uuid.UUID, chat.Turn, bool]:
    """The turn's save and a job (the intake, or the evidence reading of the engineer's
    message the reply answers), `first` paused after its first lock while the other runs
    into it. Returns (session, turn, whether the other side waited)."""
    session_id, turn = await _turn_ready_to_save(database)
    runner = chat.ChatRunner(database.sessionmaker, OfflineProvider(), make_settings())

    async def run_turn() -> None:
        events = [item async for item in runner.run(turn)]
        assert events[-1]["event"] == "done", events[-1]

    async def run_job() -> None:
        if job == "intake":
            await tasks.analyse_intake(session_id=str(session_id))
        else:
            await tasks.run_evidence_extraction(str(turn.user_message_id))

    sides = {"turn": run_turn, "job": run_job}
    second = "job" if first == "turn" else "turn"
    pause = PauseAfterFirstLock(first)
    event.listen(database.engine.sync_engine, "after_cursor_execute", pause)
    started: list[asyncio.Task[Any]] = []
    try:
        started.append(asyncio.create_task(_as(first, sides[first])))
        await asyncio.wait_for(pause.holding.wait(), STEP_SECONDS)
        started.append(asyncio.create_task(_as(second, sides[second])))
        waited = await asyncio.wait_for(_blocked_by(database, pause.pid, started[1]), STEP_SECONDS)
    finally:
        pause.go_on.set()
        outcome = await asyncio.wait_for(
            asyncio.gather(*started, return_exceptions=True), 3 * STEP_SECONDS
        )
        event.remove(database.engine.sync_engine, "after_cursor_execute", pause)
    failures = [repr(o) for o in outcome if isinstance(o, BaseException)]
    assert not failures, (
        f"the turn's save and the {job} job collided ({first} paused after "
        f"'{pause.statement}'): {failures}"
    )
    return session_id, turn, waited


async def _step_types(database: Database, session_id: uuid.UUID, turn: chat.Turn) -> list[str]:
    """Both landed and the counters equal the rows; the step types in step-number order."""
    async with database.sessionmaker() as db:
        counters = (
            await db.execute(
                text(
                    "SELECT turn_count, step_count, problem_domain FROM ai_sessions WHERE id = :s"
                ),
                {"s": session_id},
            )
        ).one()
        steps = (
            await db.execute(
                text(
                    "SELECT step_number, step_type FROM ai_session_steps"
                    " WHERE session_id = :s ORDER BY step_number"
                ),
                {"s": session_id},
            )
        ).all()
        reply = (
            await db.execute(
                text(
                    "SELECT m.id = b.head_message_id FROM session_messages m"
                    " JOIN session_branches b ON b.id = m.branch_id"
                    " WHERE m.reply_to_id = :u AND m.role = 'assistant'"
                ),
                {"u": turn.user_message_id},
            )
        ).all()
    assert counters[0] == 1 and counters[1] == 2 and counters[2], counters
    assert [n for n, _ in steps] == [1, 2], steps
    assert reply == [(True,)], reply  # one reply, and it is the branch's head
    return [t for _, t in steps]


@pytest.fixture(autouse=True)
def _job_runtime(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        job_runtime,
        "_current",
        job_runtime.Runtime(sessionmaker=database.sessionmaker, provider=OfflineProvider()),
    )


async def test_intake_job_waits_for_a_turn_saving_its_reply(database: Database) -> None:
    """The turn holds its first lock (the branch) when the intake job starts writing."""
    session_id, turn, waited = await _interleave(database, first="turn")
    assert waited, "the intake job never needed a row the turn's save holds"
    types = await _step_types(database, session_id, turn)
    assert types[1] == "intake_analysis"  # the turn finished first


async def test_turn_waits_for_the_intake_job_writing(database: Database) -> None:
    """The intake job holds its first lock when the turn saves its reply."""
    session_id, turn, waited = await _interleave(database, first="job")
    assert waited, "the turn's save never needed a row the intake job holds"
    types = await _step_types(database, session_id, turn)
    assert types[0] == "intake_analysis"  # the job finished first


@pytest.mark.parametrize("first", ["turn", "job"])
async def test_turn_and_the_evidence_reading_of_its_question_do_not_deadlock(
    database: Database, first: str
) -> None:
    """The reply's insert checks its parent (the engineer's message) while the evidence job
    updates that message and the session's token totals: both take the session row first, and
    the job locks the message only against key changes, so one side waits (no deadlock)."""
    session_id, turn, waited = await _interleave(database, first=first, job="evidence")
    assert waited, f"the {'job' if first == 'turn' else 'turn'} never waited"
    async with database.sessionmaker() as db:
        source = await db.scalar(
            text("SELECT meta->>'evidence_source' FROM session_messages WHERE id = :m"),
            {"m": turn.user_message_id},
        )
        replies = await db.scalar(
            text("SELECT count(*) FROM session_messages WHERE reply_to_id = :m"),
            {"m": turn.user_message_id},
        )
    assert source == "model" and replies == 1
