from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from flowpilot.auth.passwords import MIN_LENGTH, password_problem

Role = Literal["engineer", "lead", "admin"]
Plan = Literal["free", "pro", "team", "enterprise"]


class LoginRequest(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1000)
    # Only needed when the same e-mail and password open more than one account.
    account: str | None = Field(default=None, max_length=200)


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


class TeamRef(BaseModel):
    id: uuid.UUID
    name: str


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    plan: Plan


class MeResponse(BaseModel):
    id: uuid.UUID
    email: str
    full_name: str
    role: Role
    account: AccountOut
    teams: list[TeamRef]
    provider: str
    model: str
    offline: bool


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    full_name: str
    role: Role
    is_active: bool
    teams: list[TeamRef]
    created_at: datetime


def _policy(password: str | None) -> str | None:
    if password is not None:
        problem = password_problem(password)
        if problem:
            raise ValueError(problem)
    return password


class UserCreate(BaseModel):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    full_name: str = Field(default="", max_length=200)
    password: str = Field(min_length=MIN_LENGTH, max_length=200)
    role: Role = "engineer"
    team_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)

    _password_policy = field_validator("password")(_policy)


class UserUpdate(BaseModel):
    full_name: str | None = Field(default=None, max_length=200)
    role: Role | None = None
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=MIN_LENGTH, max_length=200)
    team_ids: list[uuid.UUID] | None = Field(default=None, max_length=50)

    _password_policy = field_validator("password")(_policy)


class TeamMemberOut(BaseModel):
    """An active member of a team, as others see them (e.g. to assign a handoff)."""

    id: uuid.UUID
    name: str
    email: str
    role: Role


class TeamOut(BaseModel):
    id: uuid.UUID
    name: str
    member_count: int
    created_at: datetime


def _team_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValueError("A team needs a name")
    return name


class TeamCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)

    _name = field_validator("name")(_team_name)


class TeamUpdate(BaseModel):
    name: str = Field(min_length=1, max_length=200)

    _name = field_validator("name")(_team_name)
