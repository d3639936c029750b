"""Demo data, created once on first start so a newcomer can sign in right away."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.auth import service as auth
from flowpilot.auth.models import User

DEMO_EMAIL = "demo@flowpilot.local"
DEMO_PASSWORD = "flowpilot-demo"
DEMO_USERS = [
    (DEMO_EMAIL, "Dana Demo", "admin"),
    ("sam@flowpilot.local", "Sam Engineer", "engineer"),
    ("lee@flowpilot.local", "Lee Lead", "lead"),
]


async def seed_demo(db: AsyncSession) -> bool:
    """Create the demo account once; returns False when it already exists."""
    if await db.scalar(select(User.id).where(User.email == DEMO_EMAIL)):
        return False
    account = await auth.ensure_account(db, "Demo MSP", "team")
    desk = await auth.ensure_team(db, account, "Service Desk")
    await auth.ensure_team(db, account, "Escalations")
    for email, name, role in DEMO_USERS:
        user = await auth.create_user(
            db, account.id, email=email, password=DEMO_PASSWORD, role=role, full_name=name
        )
        await auth.ensure_membership(db, desk, user)
    await db.commit()
    return True
