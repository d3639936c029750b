"""The demo account shows each feature: a branched session with a ruled-out hypothesis."""

from __future__ import annotations

from sqlalchemy import select

from flowpilot.demo import DEMO_EMAIL, VPN_PROBLEM, seed_demo
from flowpilot.sessions.models import AISession, SessionBranch
from tests.conftest import make_settings


async def test_demo_seeds_once_with_a_branched_session(database) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings()
    assert await seed_demo(database.sessionmaker, settings) is True
    assert await seed_demo(database.sessionmaker, settings) is False
    async with database.sessionmaker() as db:
        session = await db.scalar(select(AISession).where(AISession.problem_summary == VPN_PROBLEM))
        assert session is not None and session.is_branching and session.turn_count == 3
        branches = {
            b.label: b
            for b in await db.scalars(
                select(SessionBranch).where(SessionBranch.session_id == session.id)
            )
        }
        assert branches["VPN will not connect"].status == "dead_end"
        active = branches["DNS names do not resolve"]
        assert active.status == "active" and session.active_branch_id == active.id
    assert DEMO_EMAIL.endswith("@flowpilot.local")
