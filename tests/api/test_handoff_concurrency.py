"""Claim exactly once, and escalation notifications, with real commits (and real HTTP)."""

from __future__ import annotations

import asyncio

import httpx
from aiosmtpd.controller import Controller
from sqlalchemy import text

from flowpilot.ai.offline import OfflineProvider
from flowpilot.handoffs.tasks import send_handoff_notifications
from flowpilot.jobs.runtime import Runtime, set_runtime
from flowpilot.worker import bound_app
from tests.conftest import committed_client, committed_team, make_settings
from tests.fakes.server import _free_port
from tests.fakes.smtp import Inbox
from tests.live import start_server


async def _team_with_members(database, n: int) -> tuple[list[dict[str, str]], list[str]]:  # type: ignore[no-untyped-def]
    members = await committed_team(database, n)
    return [m.headers for m in members], [m.user.email for m in members]


async def test_fifty_concurrent_claims_exactly_one_wins(database, worker_database_uri) -> None:  # type: ignore[no-untyped-def]
    headers, _ = await _team_with_members(database, 51)
    # A pool near the number of claimers: requests waiting on the row lock hold connections.
    live = start_server(
        DATABASE_URL=worker_database_uri, FLOWPILOT_DB_POOL_SIZE=25, FLOWPILOT_DB_MAX_OVERFLOW=5
    )
    try:
        limits = httpx.Limits(max_connections=60)
        async with httpx.AsyncClient(base_url=live.url, timeout=90, limits=limits) as client:
            owner = headers[0]
            s = (
                await client.post(
                    "/api/v1/ai-sessions", json={"problem_summary": "VPN down"}, headers=owner
                )
            ).json()
            base = f"/api/v1/ai-sessions/{s['id']}"
            h = (
                await client.post(f"{base}/handoff", json={"intent": "escalate"}, headers=owner)
            ).json()
            claims = asyncio.gather(
                *[
                    client.post(f"{base}/handoffs/{h['id']}/claim", headers=hd)
                    for hd in headers[1:]
                ],
                return_exceptions=True,
            )
            # If the claims hang, what the database was doing while they hung (not after).
            watchdog = asyncio.create_task(_activity_after(database, 20))
            raw = await claims
            watchdog.cancel()
            failures = [repr(r) for r in raw if isinstance(r, BaseException)]
            stuck = watchdog.result() if watchdog.done() and not watchdog.cancelled() else None
            assert not failures, (len(failures), failures[:3], stuck)
            results = [r for r in raw if isinstance(r, httpx.Response)]
            codes = sorted(r.status_code for r in results)
            odd = [r.text for r in results if r.status_code not in (200, 409)]
            assert codes == [200] + [409] * 49, odd
            winner = next(r for r in results if r.status_code == 200).json()["claimed_by"]
            losers = [r.json() for r in results if r.status_code == 409]
            assert all(
                body["code"] == "already_claimed" and body["claimed_by"] == winner
                for body in losers
            )
            session = (await client.get(base, headers=owner)).json()
            assert session["assignee_id"] == winner and session["status"] == "active"
    finally:
        live.stop()


async def _activity_after(database, seconds: float) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    """What the database's sessions were doing `seconds` into the claims, with who blocks
    whom, grouped and counted (for a failure message)."""
    await asyncio.sleep(seconds)
    async with database.sessionmaker() as db:
        rows = await db.execute(
            text(
                "SELECT coalesce(state, ''), coalesce(wait_event_type, ''),"
                " coalesce(wait_event, ''), left(query, 60),"
                " cardinality(pg_blocking_pids(pid)) > 0, count(*)"
                " FROM pg_stat_activity WHERE datname = current_database()"
                " GROUP BY 1, 2, 3, 4, 5 ORDER BY 6 DESC"
            )
        )
        return [tuple(r) for r in rows.all()]


async def _escalate(database, headers) -> str:  # type: ignore[no-untyped-def]
    async with committed_client(database, OfflineProvider()) as client:
        s = (
            await client.post(
                "/api/v1/ai-sessions",
                json={"problem_summary": "Exchange mail flow stopped"},
                headers=headers,
            )
        ).json()
        r = await client.post(
            f"/api/v1/ai-sessions/{s['id']}/handoff",
            json={"intent": "escalate", "priority": "elevated"},
            headers=headers,
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])


async def test_escalation_email_reaches_the_team(database) -> None:  # type: ignore[no-untyped-def]
    headers, emails = await _team_with_members(database, 3)
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        handoff_id = await _escalate(database, headers[0])
        settings = make_settings(
            FLOWPILOT_SMTP_HOST="127.0.0.1", FLOWPILOT_SMTP_PORT=port, FLOWPILOT_SMTP_STARTTLS=False
        )
        set_runtime(
            Runtime(
                sessionmaker=database.sessionmaker, provider=OfflineProvider(), settings=settings
            )
        )
        await send_handoff_notifications(handoff_id=handoff_id)
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    _, recipients, body = inbox.messages[0]
    assert sorted(recipients) == sorted(emails[1:])
    assert "Subject: [FlowPilot] Escalated (elevated): Exchange mail flow stopped" in body
    async with database.sessionmaker() as db:
        sent = (
            await db.execute(
                text(
                    "SELECT notification_sent, notification_error"
                    " FROM session_handoffs WHERE id = :h"
                ),
                {"h": handoff_id},
            )
        ).one()
    assert sent == (True, None)


async def test_failing_smtp_leaves_flag_false_and_the_job_is_retried(database) -> None:  # type: ignore[no-untyped-def]
    headers, _ = await _team_with_members(database, 2)
    handoff_id = await _escalate(database, headers[0])
    dead_port = _free_port()  # nothing listens here
    settings = make_settings(
        FLOWPILOT_SMTP_HOST="127.0.0.1",
        FLOWPILOT_SMTP_PORT=dead_port,
        FLOWPILOT_SMTP_STARTTLS=False,
    )
    jobs = bound_app(database, OfflineProvider(), settings)
    async with jobs.open_async():
        await asyncio.wait_for(
            jobs.run_worker_async(
                wait=False, install_signal_handlers=False, listen_notify=False, queues=["default"]
            ),
            timeout=60,
        )
    async with database.sessionmaker() as db:
        flag = (
            await db.execute(
                text(
                    "SELECT notification_sent, notification_error"
                    " FROM session_handoffs WHERE id = :h"
                ),
                {"h": handoff_id},
            )
        ).one()
        job = (
            await db.execute(
                text(
                    "SELECT status, attempts, scheduled_at > now() FROM procrastinate_jobs"
                    " WHERE task_name = 'send_handoff_notifications'"
                    " AND args->>'handoff_id' = :h"
                ),
                {"h": handoff_id},
            )
        ).one()
    assert flag[0] is False and "e-mail" in flag[1]
    assert job == ("todo", 1, True)  # failed once, rescheduled with backoff


async def test_escalation_webhook_posts_json(database, vendors) -> None:  # type: ignore[no-untyped-def]
    headers, _ = await _team_with_members(database, 2)
    handoff_id = await _escalate(database, headers[0])
    settings = make_settings(FLOWPILOT_ESCALATION_WEBHOOK_URL=f"{vendors.url}/webhook")
    set_runtime(
        Runtime(sessionmaker=database.sessionmaker, provider=OfflineProvider(), settings=settings)
    )
    await send_handoff_notifications(handoff_id=handoff_id)
    posted = vendors.webhook.requests[-1]
    assert posted["handoff_id"] == handoff_id and posted["priority"] == "elevated"
    assert posted["text"].startswith("[FlowPilot] Escalated (elevated): Exchange mail flow stopped")
    async with database.sessionmaker() as db:
        sent = await db.scalar(
            text("SELECT notification_sent FROM session_handoffs WHERE id = :h"), {"h": handoff_id}
        )
    assert sent is True


async def test_park_reminder_is_scheduled_and_notifies(client, tenant, maker, provider, db) -> None:  # type: ignore[no-untyped-def]
    from flowpilot.handoffs.tasks import park_reminder

    h = tenant.engineer.headers
    s = (
        await client.post("/api/v1/ai-sessions", json={"problem_summary": "Printer jam"}, headers=h)
    ).json()
    r = await client.post(
        f"/api/v1/ai-sessions/{s['id']}/handoff",
        json={
            "intent": "park",
            "waiting_on": "toner delivery",
            "remind_at": "2031-01-01T09:00:00Z",
        },
        headers=h,
    )
    hid = r.json()["id"]
    scheduled = await db.scalar(
        text(
            "SELECT scheduled_at FROM procrastinate_jobs"
            " WHERE task_name = 'park_reminder' AND args->>'handoff_id' = :h"
        ),
        {"h": hid},
    )
    assert scheduled.year == 2031
    set_runtime(Runtime(sessionmaker=maker, provider=provider))
    await park_reminder(handoff_id=hid)
    notes = (await client.get("/api/v1/notifications", headers=h)).json()
    assert (
        notes["items"][0]["kind"] == "park_reminder"
        and "toner delivery" in notes["items"][0]["body"]
    )
