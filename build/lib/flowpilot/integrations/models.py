"""Per-account integration settings: PSA connections, the outgoing mail server and the
IT documentation tools KB articles are exported to (Hudu, IT Glue).

Secrets (API keys, client secrets, SMTP password) live only in `secrets_encrypted`
(see crypto.py); everything else is plain so it can be shown and searched."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from flowpilot.db.base import Base, CreatedMixin, IdMixin, fk_column

PSA_VENDORS = ("connectwise", "halo", "autotask")
PERSON_SOURCES = ("lookup", "manual")
SMTP_SECURITY = ("starttls", "tls", "none")


class TestResultMixin:
    last_tested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_test_ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    last_test_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class PsaConnection(IdMixin, CreatedMixin, TestResultMixin, Base):
    __tablename__ = "psa_connections"
    __table_args__ = (
        CheckConstraint(f"vendor IN {PSA_VENDORS}", name="vendor"),
        UniqueConstraint("account_id", "name"),
    )

    account_id: Mapped[uuid.UUID] = fk_column("accounts.id", index=True)
    vendor: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    settings: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    secrets_encrypted: Mapped[str] = mapped_column(Text, default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[uuid.UUID | None] = fk_column("users.id", "SET NULL", nullable=True)


class PsaPersonMapping(IdMixin, CreatedMixin, Base):
    """Who a FlowPilot user is in one PSA connection: a ConnectWise member (`person_id` is
    its identifier), an Autotask resource (with the `role_id` its time is logged under) or a
    HaloPSA agent. Found by e-mail at the vendor (`lookup`) or typed in (`manual`)."""

    __tablename__ = "psa_person_mappings"
    __table_args__ = (
        CheckConstraint(f"source IN {PERSON_SOURCES}", name="source"),
        UniqueConstraint("psa_connection_id", "user_id"),
    )

    account_id: Mapped[uuid.UUID] = fk_column("accounts.id", index=True)
    psa_connection_id: Mapped[uuid.UUID] = fk_column("psa_connections.id")
    user_id: Mapped[uuid.UUID] = fk_column("users.id", index=True)
    person_id: Mapped[str] = mapped_column(String(100))
    person_name: Mapped[str] = mapped_column(String(200), default="")
    role_id: Mapped[str | None] = mapped_column(String(20), nullable=True)
    source: Mapped[str] = mapped_column(String(10))
    set_by_id: Mapped[uuid.UUID | None] = fk_column("users.id", "SET NULL", nullable=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class SmtpSettings(CreatedMixin, TestResultMixin, Base):
    __tablename__ = "account_smtp_settings"
    __table_args__ = (CheckConstraint(f"security IN {SMTP_SECURITY}", name="security"),)

    account_id: Mapped[uuid.UUID] = fk_column("accounts.id", primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer, default=587)
    security: Mapped[str] = mapped_column(String(10), default="starttls")
    username: Mapped[str | None] = mapped_column(String(255), nullable=True)
    secrets_encrypted: Mapped[str] = mapped_column(Text, default="")
    from_address: Mapped[str] = mapped_column(String(255))
    from_name: Mapped[str | None] = mapped_column(String(120), nullable=True)


class HuduSettings(CreatedMixin, TestResultMixin, Base):
    """Where published KB articles are also exported (optional)."""

    __tablename__ = "account_hudu_settings"

    account_id: Mapped[uuid.UUID] = fk_column("accounts.id", primary_key=True)
    base_url: Mapped[str] = mapped_column(String(500))
    company_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    folder_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    secrets_encrypted: Mapped[str] = mapped_column(Text, default="")


class ITGlueSettings(CreatedMixin, TestResultMixin, Base):
    """Where published KB articles are exported to IT Glue (optional): a flexible asset of
    the type `flexible_asset_type_id` in the organization `organization_id`, its title and
    body in the fields whose name-keys are `title_trait` and `body_trait`. IT Glue ids
    exceed 32 bits, hence BigInteger."""

    __tablename__ = "account_itglue_settings"

    account_id: Mapped[uuid.UUID] = fk_column("accounts.id", primary_key=True)
    base_url: Mapped[str] = mapped_column(String(500))
    organization_id: Mapped[int] = mapped_column(BigInteger)
    flexible_asset_type_id: Mapped[int] = mapped_column(BigInteger)
    title_trait: Mapped[str] = mapped_column(String(100))
    body_trait: Mapped[str] = mapped_column(String(100))
    secrets_encrypted: Mapped[str] = mapped_column(Text, default="")
