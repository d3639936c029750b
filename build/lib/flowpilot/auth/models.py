"""Tenants (accounts), teams, users and their API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from flowpilot.db.base import Base, CreatedMixin, IdMixin, fk_column

PLANS = ("free", "pro", "team", "enterprise")
ROLES = ("engineer", "lead", "admin")


class Account(IdMixin, CreatedMixin, Base):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(f"plan IN {PLANS}", name="plan"),
        CheckConstraint("ai_redaction IN ('secrets', 'identifiers')", name="ai_redaction"),
    )

    name: Mapped[str] = mapped_column(String(200), unique=True)
    plan: Mapped[str] = mapped_column(String(20), default="free")
    # What is hidden from a cloud model: "secrets" (keys, passwords, tokens) always; with
    # "identifiers" also the client's names, people, e-mail, phone, IPs, hosts, tickets.
    ai_redaction: Mapped[str] = mapped_column(
        String(20), default="secrets", server_default="secrets"
    )


class Team(IdMixin, CreatedMixin, Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    account_id: Mapped[uuid.UUID] = fk_column("accounts.id", index=True)
    name: Mapped[str] = mapped_column(String(200))


class User(IdMixin, CreatedMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES}", name="role"),
        # Unique per account, not globally: a global rule would let any admin learn, by
        # trying to add a user, that an address is in use at another MSP.
        UniqueConstraint("account_id", "email", name="uq_users_account_id_email"),
    )

    account_id: Mapped[uuid.UUID] = fk_column("accounts.id", index=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default="engineer")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class TeamMembership(Base):
    __tablename__ = "team_memberships"

    team_id: Mapped[uuid.UUID] = fk_column("teams.id", primary_key=True)
    user_id: Mapped[uuid.UUID] = fk_column("users.id", primary_key=True, index=True)


class AuthToken(IdMixin, CreatedMixin, Base):
    """Opaque bearer/cookie tokens; only a hash is stored so a database leak is not a login."""

    __tablename__ = "auth_tokens"

    user_id: Mapped[uuid.UUID] = fk_column("users.id", index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LoginAttempt(IdMixin, CreatedMixin, Base):
    """Kept in PostgreSQL so throttling holds across app processes."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_created", "email", "created_at"),
        Index("ix_login_attempts_ip_created", "ip", "created_at"),
    )

    email: Mapped[str] = mapped_column(String(320))
    ip: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
