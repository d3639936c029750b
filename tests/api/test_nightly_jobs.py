"""Nightly jobs: deferred once per scheduled time through the worker's own app, then run."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time

from sqlalchemy import text

from flowpilot.ai.offline import OfflineProvider
from flowpilot.jobs.schedule import defer_due, last_due
from flowpilot.worker import bound_app
from tests.conftest import committed_team


def test_the_latest_run_is_today_after_its_time_and_yesterday_before() -> None:
    at = time(3, 17)
    after = datetime(2026, 11, 29, 3, 20, tzinfo=UTC)
    before = datetime(2026, 11, 29, 3, 10, tzinfo=UTC)
    assert last_due(after, at) == int(datetime(2026, 11, 29, 3, 17, tzinfo=UTC).timestamp())
    assert last_due(before, at) == int(datetime(2026, 11, 28, 3, 17, tzinfo=UTC).timestamp())


async def _prune_jobs(database, stamp: int) -> int:  # type: ignore[no-untyped-def]
    async with database.sessionmaker() as db:
        return int(
            await db.scalar(
                text(
                    "SELECT count(*) FROM procrastinate_jobs WHERE task_name = "
                    "'prune_audit_events' AND (args->>'timestamp')::bigint = :t"
                ),
                {"t": stamp},
            )
        )


async def test_two_workers_defer_one_run_and_the_worker_prunes_old_events(database) -> None:  # type: ignore[no-untyped-def]
    # Inside the ten minutes after 03:17, when procrastinate's own periodic deferrer stopped
    # every worker (it deferred through an app that is never open).
    now = datetime(2031, 5, 6, 3, 20, tzinfo=UTC)
    stamp = last_due(now, time(3, 17))
    member = (await committed_team(database))[0]
    async with database.sessionmaker() as db:
        await db.execute(
            text(
                "INSERT INTO audit_events (id, created_at, account_id, actor_email, action, "
                "object_type, object_id, ip, detail) VALUES (gen_random_uuid(), "
                "now() - make_interval(days => :d), :a, '', 'session.read', 'session', '', '', "
                "'{}'::jsonb)"
            ),  # fmt: skip
            [{"d": 4000, "a": member.user.account_id}, {"d": 1, "a": member.user.account_id}],
        )
        await db.commit()

    first, second = bound_app(database, OfflineProvider()), bound_app(database, OfflineProvider())
    async with first.open_async(), second.open_async():
        assert len(await defer_due(first, now)) == 1
        assert await defer_due(second, now) == []  # the same scheduled time: not again
        assert await _prune_jobs(database, stamp) == 1
        await asyncio.wait_for(
            first.run_worker_async(wait=False, install_signal_handlers=False, listen_notify=False),
            timeout=30,
        )

    async with database.sessionmaker() as db:
        status = await db.scalar(
            text(
                "SELECT status::text FROM procrastinate_jobs WHERE task_name = "
                "'prune_audit_events' AND (args->>'timestamp')::bigint = :t"
            ),
            {"t": stamp},
        )
        left = await db.scalar(
            text("SELECT count(*) FROM audit_events WHERE account_id = :a"),
            {"a": member.user.account_id},
        )
    assert status == "succeeded"
    assert left == 1
