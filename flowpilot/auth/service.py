"""Accounts, users, teams and logins. Every read is scoped to the caller's account."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.auth.models import Account, AuthToken, LoginAttempt, Team, TeamMembership, User
from flowpilot.auth.security import hash_password, new_token, token_digest, verify_password
from flowpilot.errors import Conflict, NotFound, TooManyRequests, Unauthorized


@dataclass(frozen=True)
class Principal:
    """Who is calling: loaded once per request from the token."""

    user_id: uuid.UUID
    account_id: uuid.UUID
    role: str
    email: str
    team_ids: tuple[uuid.UUID, ...] = field(default=())
    via_cookie: bool = False

    @property
    def is_lead(self) -> bool:
        return self.role in ("lead", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def normalise_email(email: str) -> str:
    return email.strip().lower()


# ── login ────────────────────────────────────────────────────────────────────────────────


async def check_throttle(
    db: AsyncSession, email: str, ip: str, *, max_failures: int, window_seconds: int
) -> None:
    """Before a password is checked. Atomic: attempts for one e-mail are serialised by a
    transaction-scoped advisory lock, so parallel guesses cannot all slip under the limit.
    Limits, per window: `max_failures` for one e-mail from one address (then a backoff that
    doubles with each further failure), 4x for one e-mail from everywhere and for one address
    across e-mails. A guesser elsewhere slows the account down; it does not lock its owner
    out for the whole window."""
    await db.execute(select(func.pg_advisory_xact_lock(func.hashtext("login:" + email))))
    since = datetime.now(UTC) - timedelta(seconds=window_seconds)
    failed = (~LoginAttempt.succeeded) & (LoginAttempt.created_at > since)
    row = (
        await db.execute(
            select(
                func.count().filter(LoginAttempt.email == email, LoginAttempt.ip == ip),
                func.count().filter(LoginAttempt.email == email),
                func.max(LoginAttempt.created_at).filter(
                    LoginAttempt.email == email, LoginAttempt.ip == ip
                ),
            ).where(failed, (LoginAttempt.email == email) | (LoginAttempt.ip == ip))
        )
    ).one()
    pair, account, last = int(row[0] or 0), int(row[1] or 0), row[2]
    ip_failures = await db.scalar(
        select(func.count()).select_from(LoginAttempt).where(failed, LoginAttempt.ip == ip)
    )
    if account >= max_failures * 4 or (ip_failures or 0) >= max_failures * 4:
        raise TooManyRequests(
            "Too many failed sign-in attempts. Wait a few minutes and try again.",
            retry_after=window_seconds,
        )
    if pair >= max_failures and last is not None:
        wait = min(window_seconds, 30 * 2 ** (pair - max_failures))
        remaining = int(wait - (datetime.now(UTC) - last).total_seconds())
        if remaining > 0:
            raise TooManyRequests(
                "Too many failed sign-in attempts. Wait a little and try again.",
                retry_after=remaining,
            )


async def record_attempt(db: AsyncSession, email: str, ip: str, succeeded: bool) -> None:
    db.add(LoginAttempt(email=email, ip=ip, succeeded=succeeded))
    await db.flush()


async def accounts_of_email(db: AsyncSession, email: str) -> list[uuid.UUID]:
    return list(await db.scalars(select(User.account_id).where(User.email == email)))


async def authenticate(
    db: AsyncSession, email: str, password: str, account: str | None = None
) -> User | None:
    """The active user this e-mail and password open. An address may exist in several
    accounts; when the password opens more than one, the engineer names the account."""
    query = select(User, Account.name).join(Account, Account.id == User.account_id)
    query = query.where(User.email == email, User.is_active)
    if account:
        query = query.where(func.lower(Account.name) == account.strip().lower())
    candidates = list((await db.execute(query.order_by(Account.name))).tuples())
    if not candidates:
        verify_password(None, password)  # the same work as a real check: no timing oracle
        return None
    opened = [(u, name) for u, name in candidates if verify_password(u.password_hash, password)]
    if len(opened) > 1:
        names = [name for _, name in opened]
        raise Conflict(
            "This e-mail and password open more than one account; choose one: " + ", ".join(names),
            code="choose_account",
            accounts=names,
        )
    return opened[0][0] if opened else None


async def issue_token(db: AsyncSession, user: User, ttl_hours: int) -> tuple[str, datetime]:
    token = new_token()
    expires = datetime.now(UTC) + timedelta(hours=ttl_hours)
    db.add(AuthToken(user_id=user.id, token_hash=token_digest(token), expires_at=expires))
    await db.flush()
    return token, expires


async def revoke_token(db: AsyncSession, token: str) -> None:
    row = await db.scalar(select(AuthToken).where(AuthToken.token_hash == token_digest(token)))
    if row and row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        await db.flush()


_TEAMS = (
    select(func.coalesce(func.array_agg(TeamMembership.team_id), []))
    .where(TeamMembership.user_id == User.id)
    .scalar_subquery()
)
# Every request signs in through this statement: built once, the token's digest a parameter.
_PRINCIPAL = (
    select(User.id, User.account_id, User.role, User.email, _TEAMS)
    .join(AuthToken, AuthToken.user_id == User.id)
    .where(
        AuthToken.token_hash == bindparam("token_hash"),
        AuthToken.revoked_at.is_(None),
        AuthToken.expires_at > func.now(),
        User.is_active,
    )
)


async def principal_for_token(db: AsyncSession, token: str, via_cookie: bool) -> Principal:
    row = (await db.execute(_PRINCIPAL, {"token_hash": token_digest(token)})).first()
    if row is None:
        raise Unauthorized("Not signed in or the session has expired")
    return Principal(row[0], row[1], row[2], row[3], tuple(row[4] or ()), via_cookie)


# ── scoping queries ──────────────────────────────────────────────────────────────────────


def users_of(principal: Principal) -> Select[User]:
    return select(User).where(User.account_id == principal.account_id)


def teams_of(principal: Principal) -> Select[Team]:
    return select(Team).where(Team.account_id == principal.account_id)


async def get_user(db: AsyncSession, principal: Principal, user_id: uuid.UUID) -> User:
    user = await db.scalar(users_of(principal).where(User.id == user_id))
    if user is None:
        raise NotFound("User not found")
    return user


async def get_team(db: AsyncSession, principal: Principal, team_id: uuid.UUID) -> Team:
    team = await db.scalar(teams_of(principal).where(Team.id == team_id))
    if team is None:
        raise NotFound("Team not found")
    return team


async def team_members(db: AsyncSession, principal: Principal, team_id: uuid.UUID) -> list[User]:
    """The active members of a team of the caller's account (404 for another account's)."""
    team = await get_team(db, principal, team_id)
    rows = await db.scalars(
        users_of(principal)
        .join(TeamMembership, TeamMembership.user_id == User.id)
        .where(TeamMembership.team_id == team.id, User.is_active)
        .order_by(func.lower(func.coalesce(func.nullif(User.full_name, ""), User.email)), User.id)
    )
    return list(rows)


async def get_account(db: AsyncSession, principal: Principal) -> Account:
    account = await db.get(Account, principal.account_id)
    assert account is not None
    return account


async def display_names(
    db: AsyncSession, user_ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, str]:
    """Full name (or e-mail when there is none) for each user id, in one query."""
    wanted = {i for i in user_ids if i}
    if not wanted:
        return {}
    rows = await db.execute(
        select(User.id, func.coalesce(func.nullif(User.full_name, ""), User.email)).where(
            User.id.in_(wanted)
        )
    )
    return dict(rows.tuples().all())


async def team_names(
    db: AsyncSession, team_ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, str]:
    """Name of each team id, in one query."""
    wanted = {i for i in team_ids if i}
    if not wanted:
        return {}
    rows = await db.execute(select(Team.id, Team.name).where(Team.id.in_(wanted)))
    return dict(rows.tuples().all())


async def display_name(db: AsyncSession, user_id: uuid.UUID | None) -> str:
    if user_id is None:
        return ""
    return (await display_names(db, [user_id])).get(user_id, "")


async def team_refs(db: AsyncSession, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Team]]:
    rows = await db.execute(
        select(TeamMembership.user_id, Team)
        .join(Team, Team.id == TeamMembership.team_id)
        .where(TeamMembership.user_id.in_(user_ids))
        .order_by(Team.name)
    )
    out: dict[uuid.UUID, list[Team]] = {uid: [] for uid in user_ids}
    for uid, team in rows:
        out[uid].append(team)
    return out


# ── management (admins) ──────────────────────────────────────────────────────────────────


async def set_memberships(
    db: AsyncSession, principal: Principal, user: User, team_ids: list[uuid.UUID]
) -> None:
    for team_id in set(team_ids):
        await get_team(db, principal, team_id)  # 404 for a team of another account
    await db.execute(delete(TeamMembership).where(TeamMembership.user_id == user.id))
    for team_id in set(team_ids):
        db.add(TeamMembership(team_id=team_id, user_id=user.id))
    await db.flush()


async def create_user(
    db: AsyncSession,
    account_id: uuid.UUID,
    *,
    email: str,
    password: str,
    role: str,
    full_name: str = "",
) -> User:
    email = normalise_email(email)
    taken = select(User.id).where(User.account_id == account_id, User.email == email)
    if await db.scalar(taken):
        raise Conflict("A user with this e-mail already exists in this account", code="email_taken")
    user = User(
        account_id=account_id,
        email=email,
        full_name=full_name,
        password_hash=hash_password(password),
        role=role,
    )
    db.add(user)
    await db.flush()
    return user


async def ensure_account(db: AsyncSession, name: str, plan: str | None) -> Account:
    account = await db.scalar(select(Account).where(Account.name == name))
    if account is None:
        account = Account(name=name, plan=plan or "free")
        db.add(account)
        await db.flush()
    elif plan and account.plan != plan:
        account.plan = plan
        await db.flush()
    return account


async def ensure_team(db: AsyncSession, account: Account, name: str) -> Team:
    team = await db.scalar(select(Team).where(Team.account_id == account.id, Team.name == name))
    if team is None:
        team = Team(account_id=account.id, name=name)
        db.add(team)
        await db.flush()
    return team


async def ensure_membership(db: AsyncSession, team: Team, user: User) -> None:
    exists = await db.scalar(
        select(TeamMembership.team_id).where(
            TeamMembership.team_id == team.id, TeamMembership.user_id == user.id
        )
    )
    if not exists:
        db.add(TeamMembership(team_id=team.id, user_id=user.id))
        await db.flush()


async def set_ai_redaction(db: AsyncSession, account_id: uuid.UUID, level: str) -> None:
    """What the account's cloud models may see of its clients (privacy's setting)."""
    await db.execute(update(Account).where(Account.id == account_id).values(ai_redaction=level))
