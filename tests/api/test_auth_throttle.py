"""Sign-in throttling that holds under concurrency, backs off instead of locking the owner
out, and a password policy."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import text

from flowpilot.auth.passwords import password_problem
from tests.conftest import PASSWORD, Tenant, committed_client, committed_team
from tests.fakes.recording import RecordingProvider


async def test_parallel_wrong_passwords_get_exactly_the_limit_of_checks(database) -> None:  # type: ignore[no-untyped-def]
    member = (await committed_team(database))[0]
    email = member.user.email
    async with committed_client(database, RecordingProvider()) as client:

        async def guess(i: int) -> int:
            r = await client.post(
                "/api/v1/auth/login", json={"email": email, "password": f"wrong-{i}"}
            )
            return r.status_code

        codes = await asyncio.gather(*[guess(i) for i in range(40)])
    assert codes.count(401) == 5 and codes.count(429) == 35, codes
    async with database.sessionmaker() as db:
        checked = await db.scalar(
            text("SELECT count(*) FROM login_attempts WHERE email = :e AND NOT succeeded"),
            {"e": email},
        )
    assert checked == 5  # every 401 is one real password check; the 429s checked nothing


async def test_a_guesser_elsewhere_does_not_lock_the_owner_out(
    client: httpx.AsyncClient, tenant: Tenant, db
) -> None:  # type: ignore[no-untyped-def]
    email = tenant.engineer.user.email
    for _ in range(5):
        await db.execute(
            text(
                "INSERT INTO login_attempts (id, email, ip, succeeded, created_at) "
                "VALUES (gen_random_uuid(), :e, '203.0.113.9', false, now())"
            ),  # fmt: skip
            {"e": email},
        )
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text


async def test_backoff_after_the_limit_from_one_address(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    email = tenant.engineer.user.email
    for _ in range(5):
        r = await client.post("/api/v1/auth/login", json={"email": email, "password": "nope"})
        assert r.status_code == 401
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 30


def test_password_policy() -> None:
    assert password_problem("short") and "12" in str(password_problem("short"))
    assert password_problem("aaaaaaaaaaaaaaaa")
    assert password_problem("Password1234")  # on the common list
    assert password_problem("correct-horse-battery") is None


async def test_weak_passwords_are_refused_for_new_users(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    h = tenant.admin.headers
    for weak in ("password123", "xxxxxxxxxxxxxx", "Welcome123"):
        r = await client.post(
            "/api/v1/users", json={"email": "new@example.com", "password": weak}, headers=h
        )
        assert r.status_code == 422, (weak, r.text)
