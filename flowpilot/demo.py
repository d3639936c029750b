"""Demo data, created once on first start so a newcomer can sign in and see every feature."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flowpilot.ai.offline import OfflineProvider
from flowpilot.auth import service as auth
from flowpilot.auth.models import Account, User
from flowpilot.auth.service import Principal
from flowpilot.branching import service as branching
from flowpilot.branching.schemas import BranchUpdate, ForkCreateRequest, ForkOption
from flowpilot.config import Settings
from flowpilot.conversation import chat
from flowpilot.sessions import service as sessions
from flowpilot.sessions.schemas import SessionCreate

DEMO_ACCOUNT = "Demo MSP"
DEMO_EMAIL = "demo@flowpilot.local"
DEMO_PASSWORD = "flowpilot-demo"
DEMO_USERS = [
    (DEMO_EMAIL, "Dana Demo", "admin"),
    ("sam@flowpilot.local", "Sam Engineer", "engineer"),
    ("lee@flowpilot.local", "Lee Lead", "lead"),
]
VPN_PROBLEM = "Users cannot reach the file server over VPN, names do not resolve"


async def seed_demo(maker: async_sessionmaker[AsyncSession], settings: Settings) -> bool:
    """Create the demo account once; returns False when it already exists."""
    async with maker() as db:
        seeded = select(User.id).join(Account, Account.id == User.account_id)
        if await db.scalar(seeded.where(Account.name == DEMO_ACCOUNT, User.email == DEMO_EMAIL)):
            return False
        account = await auth.ensure_account(db, DEMO_ACCOUNT, "team")
        desk = await auth.ensure_team(db, account, "Service Desk")
        await auth.ensure_team(db, account, "Escalations")
        users = []
        for email, name, role in DEMO_USERS:
            user = await auth.create_user(
                db, account.id, email=email, password=DEMO_PASSWORD, role=role, full_name=name
            )
            await auth.ensure_membership(db, desk, user)
            users.append(user)
        await db.commit()
    dana = Principal(users[0].id, account.id, "admin", DEMO_EMAIL, (desk.id,))
    runner = chat.ChatRunner(maker, OfflineProvider(), settings)
    await _branched_session(maker, runner, dana)
    await _simple_session(maker, runner, dana)
    return True


async def _turn(
    maker: async_sessionmaker[AsyncSession],
    runner: chat.ChatRunner,
    who: Principal,
    session_id: object,
    text: str,
    branch_id: object = None,
) -> dict[str, object]:
    async with maker() as db:
        saved = await chat.append_user_message(db, who, session_id, text, branch_id)  # type: ignore[arg-type]
        await db.commit()
    done: dict[str, object] = {}
    async for event in runner.run(saved.turn):
        if event["event"] == "done":
            done = event["data"]
    return done


async def _branched_session(
    maker: async_sessionmaker[AsyncSession], runner: chat.ChatRunner, dana: Principal
) -> None:
    """A VPN/DNS problem worked as two hypotheses, one already ruled out."""
    async with maker() as db:
        session = await sessions.create_session(
            db, dana, SessionCreate(problem_summary=VPN_PROBLEM)
        )
        await db.commit()
    first = await _turn(maker, runner, dana, session.id, VPN_PROBLEM)
    reply = first["assistant_message"]
    options = [
        {"label": "DNS names do not resolve", "description": "nslookup of the file server fails"},
        {"label": "VPN will not connect", "description": "the tunnel itself is down"},
    ]
    async with maker() as db:
        _, branches = await branching.fork(
            db,
            dana,
            session.id,
            ForkCreateRequest(
                fork_reason="Name resolution and the tunnel are both plausible",
                options=[
                    ForkOption(label=o["label"], description=o.get("description", ""))
                    for o in options
                ],
                from_message_id=reply.id,  # type: ignore[attr-defined]
            ),
        )
        await db.commit()
    dns, vpn = branches[0], branches[1]
    await _turn(
        maker, runner, dana, session.id, "Tunnel shows connected on all three laptops", vpn.id
    )
    async with maker() as db:
        await branching.update_branch(
            db,
            dana,
            session.id,
            vpn.id,
            BranchUpdate(
                status="dead_end",
                status_reason="Tunnel is up and the file server answers ping by IP",
            ),
        )
        await branching.switch(db, dana, session.id, dns.id)
        await db.commit()
    await _turn(
        maker, runner, dana, session.id, "ping by IP works, nslookup of fs01 times out", dns.id
    )


async def _simple_session(
    maker: async_sessionmaker[AsyncSession], runner: chat.ChatRunner, dana: Principal
) -> None:
    problem = "Outlook keeps asking for a password on one laptop"
    async with maker() as db:
        session = await sessions.create_session(db, dana, SessionCreate(problem_summary=problem))
        await db.commit()
    await _turn(maker, runner, dana, session.id, problem)
    await _turn(maker, runner, dana, session.id, "Only this laptop; Outlook on the web works")
