"""/api/v1/auth, /api/v1/users, /api/v1/teams."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, select

from flowpilot.audit.service import audit, record
from flowpilot.auth import service
from flowpilot.auth.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    AdminUser,
    CurrentUser,
    csrf_token_for,
)
from flowpilot.auth.models import Team, TeamMembership, User
from flowpilot.auth.schemas import (
    AccountOut,
    LoginRequest,
    MeResponse,
    TeamCreate,
    TeamMemberOut,
    TeamOut,
    TeamRef,
    TeamUpdate,
    TokenResponse,
    UserCreate,
    UserOut,
    UserUpdate,
)
from flowpilot.auth.security import hash_password
from flowpilot.db.deps import DBSession
from flowpilot.errors import Conflict, Unauthorized

auth_router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
users_router = APIRouter(prefix="/api/v1/users", tags=["users"])
teams_router = APIRouter(prefix="/api/v1/teams", tags=["teams"])


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@auth_router.post("/login", response_model=TokenResponse)
async def login(
    body: LoginRequest, request: Request, response: Response, db: DBSession
) -> TokenResponse:
    settings = request.app.state.settings
    email = service.normalise_email(body.email)
    ip = _client_ip(request)
    await service.check_throttle(
        db,
        email,
        ip,
        max_failures=settings.login_max_failures,
        window_seconds=settings.login_window_seconds,
    )
    user = await service.authenticate(db, email, body.password, body.account)
    if user is None:
        # Committed before raising: the error response must not roll the failure back.
        await service.record_attempt(db, email, ip, succeeded=False)
        for account_id in await service.accounts_of_email(db, email):
            await record(db, account_id=account_id, actor=None, actor_email=email,
                         action="auth.sign_in_failed", object_type="user")  # fmt: skip
        await db.commit()
        raise Unauthorized("Wrong e-mail or password", code="invalid_credentials")
    await service.record_attempt(db, email, ip, succeeded=True)
    await record(db, account_id=user.account_id, actor=None, actor_email=user.email,
                 action="auth.sign_in", object_type="user", object_id=user.id)  # fmt: skip
    token, expires = await service.issue_token(db, user, settings.token_ttl_hours)
    max_age = settings.token_ttl_hours * 3600
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    # Double-submit CSRF token: readable by our own JS, sent back as X-CSRF-Token.
    response.set_cookie(
        CSRF_COOKIE,
        csrf_token_for(token, settings.resolved_secret_key()),
        max_age=max_age,
        httponly=False,
        samesite="strict",
        secure=settings.cookie_secure,
        path="/",
    )
    return TokenResponse(access_token=token, expires_at=expires)


@auth_router.post("/logout", status_code=204)
async def logout(
    request: Request,
    response: Response,
    principal: CurrentUser,  # noqa: ARG001 (signed in to sign out)
    db: DBSession,
) -> None:
    auth = request.headers.get("authorization", "")
    token = auth[7:] if auth.lower().startswith("bearer ") else request.cookies.get(SESSION_COOKIE)
    if token:
        await service.revoke_token(db, token)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


@auth_router.get("/me", response_model=MeResponse)
async def me(request: Request, principal: CurrentUser, db: DBSession) -> MeResponse:
    user = await service.get_user(db, principal, principal.user_id)
    account = await service.get_account(db, principal)
    teams = (await service.team_refs(db, [user.id]))[user.id]
    provider = request.app.state.provider
    return MeResponse(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=user.role,  # type: ignore[arg-type]
        account=AccountOut.model_validate(account),
        teams=[TeamRef(id=t.id, name=t.name) for t in teams],
        provider=provider.name,
        model=provider.model,
        offline=provider.name == "offline",
    )


# ── users (admins) ───────────────────────────────────────────────────────────────────────


def _user_out(user: User, teams: list[Team]) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=user.role,  # type: ignore[arg-type]
        is_active=user.is_active,
        teams=[TeamRef(id=t.id, name=t.name) for t in teams],
        created_at=user.created_at,
    )


@users_router.get("", response_model=list[UserOut])
async def list_users(principal: CurrentUser, db: DBSession) -> list[UserOut]:
    users = list(await db.scalars(service.users_of(principal).order_by(User.email)))
    teams = await service.team_refs(db, [u.id for u in users])
    return [_user_out(u, teams[u.id]) for u in users]


@users_router.post("", response_model=UserOut, status_code=201)
async def create_user(body: UserCreate, principal: AdminUser, db: DBSession) -> UserOut:
    user = await service.create_user(
        db,
        principal.account_id,
        email=body.email,
        password=body.password,
        role=body.role,
        full_name=body.full_name,
    )
    await service.set_memberships(db, principal, user, body.team_ids)
    await db.refresh(user)
    await audit(db, principal, "user.create", "user", user.id, email=user.email, role=user.role)
    return _user_out(user, (await service.team_refs(db, [user.id]))[user.id])


@users_router.get("/{user_id}", response_model=UserOut)
async def get_user(user_id: uuid.UUID, principal: CurrentUser, db: DBSession) -> UserOut:
    user = await service.get_user(db, principal, user_id)
    return _user_out(user, (await service.team_refs(db, [user.id]))[user.id])


@users_router.patch("/{user_id}", response_model=UserOut)
async def update_user(
    user_id: uuid.UUID, body: UserUpdate, principal: AdminUser, db: DBSession
) -> UserOut:
    user = await service.get_user(db, principal, user_id)
    if user.id == principal.user_id and (
        body.role not in (None, "admin") or body.is_active is False
    ):
        raise Conflict("You cannot demote or deactivate yourself", code="self_lockout")
    if body.full_name is not None:
        user.full_name = body.full_name
    if body.role is not None and body.role != user.role:
        await audit(db, principal, "user.role", "user", user.id, before=user.role, after=body.role)
        user.role = body.role
    if body.is_active is not None and body.is_active != user.is_active:
        if not body.is_active:
            await audit(db, principal, "user.deactivate", "user", user.id, email=user.email)
        user.is_active = body.is_active
    if body.password is not None:
        user.password_hash = hash_password(body.password)
    if body.team_ids is not None:
        await service.set_memberships(db, principal, user, body.team_ids)
        await audit(db, principal, "user.teams", "user", user.id,
                    team_ids=[str(t) for t in body.team_ids])  # fmt: skip
    await db.flush()
    return _user_out(user, (await service.team_refs(db, [user.id]))[user.id])


# ── teams ────────────────────────────────────────────────────────────────────────────────


async def _team_out(db: DBSession, team: Team) -> TeamOut:
    count = await db.scalar(
        select(func.count()).select_from(TeamMembership).where(TeamMembership.team_id == team.id)
    )
    return TeamOut(id=team.id, name=team.name, member_count=count or 0, created_at=team.created_at)


@teams_router.get("", response_model=list[TeamOut])
async def list_teams(principal: CurrentUser, db: DBSession) -> list[TeamOut]:
    members = (
        select(func.count())
        .select_from(TeamMembership)
        .where(TeamMembership.team_id == Team.id)
        .scalar_subquery()
    )
    rows = await db.execute(service.teams_of(principal).add_columns(members).order_by(Team.name))
    return [TeamOut(id=t.id, name=t.name, member_count=n, created_at=t.created_at) for t, n in rows]


@teams_router.post("", response_model=TeamOut, status_code=201)
async def create_team(body: TeamCreate, principal: AdminUser, db: DBSession) -> TeamOut:
    name = body.name.strip()
    if await db.scalar(service.teams_of(principal).where(Team.name == name)):
        raise Conflict("A team with this name already exists", code="team_exists")
    team = Team(account_id=principal.account_id, name=name)
    db.add(team)
    await db.flush()
    await db.refresh(team)
    await audit(db, principal, "team.change", "team", team.id, change="create", name=name)
    return await _team_out(db, team)


@teams_router.get("/{team_id}", response_model=TeamOut)
async def get_team(team_id: uuid.UUID, principal: CurrentUser, db: DBSession) -> TeamOut:
    return await _team_out(db, await service.get_team(db, principal, team_id))


@teams_router.get("/{team_id}/members", response_model=list[TeamMemberOut])
async def list_team_members(
    team_id: uuid.UUID, principal: CurrentUser, db: DBSession
) -> list[TeamMemberOut]:
    """The team's active members, by name: whom a handoff to this team can be assigned to."""
    return [
        TeamMemberOut(id=u.id, name=u.full_name or u.email, email=u.email, role=u.role)  # type: ignore[arg-type]
        for u in await service.team_members(db, principal, team_id)
    ]


@teams_router.patch("/{team_id}", response_model=TeamOut)
async def rename_team(
    team_id: uuid.UUID, body: TeamUpdate, principal: AdminUser, db: DBSession
) -> TeamOut:
    team = await service.get_team(db, principal, team_id)
    name = body.name.strip()
    clash = await db.scalar(
        service.teams_of(principal).where(Team.name == name, Team.id != team.id)
    )
    if clash:
        raise Conflict("A team with this name already exists", code="team_exists")
    await audit(db, principal, "team.change", "team", team.id, change="rename",
                before=team.name, after=name)  # fmt: skip
    team.name = name
    await db.flush()
    return await _team_out(db, team)


@teams_router.delete("/{team_id}", status_code=204)
async def delete_team(team_id: uuid.UUID, principal: AdminUser, db: DBSession) -> None:
    team = await service.get_team(db, principal, team_id)
    await audit(db, principal, "team.change", "team", team.id, change="delete", name=team.name)
    await db.delete(team)
    await db.flush()
