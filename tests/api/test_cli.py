"""The CLI works against the same database as the server, whether or not it runs."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from sqlalchemy import select

from flowpilot.auth.models import Account, User


def _cli(uri: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": uri, "FLOWPILOT_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "flowpilot.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_user_create_makes_account_team_and_user(worker_database_uri, database) -> None:  # type: ignore[no-untyped-def]
    email = f"cli-{uuid.uuid4().hex[:8]}@example.com"
    account = f"CLI Account {uuid.uuid4().hex[:6]}"
    args = [
        "user",
        "create",
        "--account",
        account,
        "--team",
        "Service Desk",
        "--email",
        email,
        "--password",
        "long-enough-pw",
        "--role",
        "lead",
        "--plan",
        "pro",
    ]
    done = _cli(worker_database_uri, *args)
    assert done.returncode == 0, done.stderr
    assert f"Created {email} (lead)" in done.stdout
    again = _cli(worker_database_uri, *args)
    assert again.returncode == 1 and "already exists" in again.stdout
    bad = _cli(
        worker_database_uri,
        "user",
        "create",
        "--account",
        account,
        "--email",
        "x@example.com",
        "--password",
        "long-enough-pw",
        "--role",
        "god",
    )
    assert bad.returncode != 0 and "role must be one of" in bad.stderr
    async with database.sessionmaker() as db:
        user = await db.scalar(select(User).where(User.email == email))
        plan = await db.scalar(select(Account.plan).where(Account.name == account))
    assert user is not None and user.role == "lead" and plan == "pro"
