"""PSA connection, SMTP and KB export (Hudu, IT Glue) settings shapes. Secrets go in, never
come out."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from flowpilot.integrations import outbound

PsaVendor = Literal["connectwise", "halo", "autotask"]

# Which fields each vendor needs, split into plain settings and encrypted secrets.
VENDOR_FIELDS: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "connectwise": {
        "settings": (
            ("base_url", "company_id", "public_key", "client_id"),
            (
                "member_identifier",
                "resolved_status_name",
                "resolved_status_id",
                "work_type",
                "billable",
            ),
        ),
        "secrets": (("private_key",), ()),
    },
    "halo": {
        "settings": (
            ("base_url", "client_id"),
            (
                "tenant",
                "note_outcome",
                "resolution_outcome",
                "resolved_status_id",
                "agent_id",
                "billable",
            ),
        ),
        "secrets": (("client_secret",), ()),
    },
    "autotask": {
        "settings": (
            ("username",),
            ("zone_url", "resolved_status_id", "resource_id", "role_id", "work_type", "billable"),
        ),
        "secrets": (("secret", "integration_code"), ()),
    },
}
# Who time is logged as when the engineer who pushes has no mapping on the connection (the
# "fixed member"): ConnectWise member_identifier, HaloPSA agent_id, Autotask resource_id with
# role_id. Without one, such a push is refused rather than logged as someone else.
FALLBACK_FIELDS = {
    "connectwise": "member_identifier",
    "halo": "agent_id",
    "autotask": "resource_id",
}
# Numeric ids of things in the PSA.
ID_FIELDS = ("resolved_status_id", "agent_id", "resource_id", "role_id")
# A ConnectWise member identifier (letters, digits and . _ @ -).
MEMBER_IDENTIFIER = r"^[A-Za-z0-9._@-]{1,50}$"
URL_FIELDS = ("base_url", "zone_url")
# Names of things in the PSA (a status, an action outcome), matched as the PSA spells them.
NAME_FIELDS = ("resolved_status_name", "note_outcome", "resolution_outcome", "work_type")
TicketId = Field(pattern=r"^[0-9]{1,18}$", description="The PSA's numeric ticket id")


def check_fields(
    vendor: str, kind: str, values: dict[str, str], *, partial: bool
) -> dict[str, str]:
    required, optional = VENDOR_FIELDS[vendor][kind]
    unknown = set(values) - set(required) - set(optional)
    if unknown:
        raise ValueError(f"{vendor} has no {kind} field(s): {', '.join(sorted(unknown))}")
    missing = [f for f in required if not (values.get(f) or "").strip()]
    if missing and not partial:
        raise ValueError(f"{vendor} needs {kind} field(s): {', '.join(missing)}")
    for name in ID_FIELDS:
        value = values.get(name)
        if value and not value.strip().isdigit():
            raise ValueError(f"{name} must be the PSA's numeric id")
    billable = (values.get("billable") or "").strip().lower()
    if billable and billable not in ("true", "false"):
        raise ValueError("billable must be true or false")
    if billable:
        values = {**values, "billable": billable}
    member = (values.get("member_identifier") or "").strip()
    if member and not re.fullmatch(MEMBER_IDENTIFIER, member):
        raise ValueError("member_identifier must be a ConnectWise member identifier, e.g. jdoe")
    work_type = (values.get("work_type") or "").strip()
    if work_type and vendor == "autotask" and not work_type.isdigit():
        raise ValueError("work_type must be the id of an Autotask work type (billing code)")
    if not partial and values.get("resource_id") and not values.get("role_id"):
        raise ValueError(
            "resource_id needs role_id: Autotask time entries name the role they are worked in"
        )
    for name in NAME_FIELDS:
        value = (values.get(name) or "").strip()
        if len(value) > 100 or any(c in value for c in '"\\') or not value.isprintable():
            raise ValueError(
                f"{name} must be the name as the PSA shows it: at most 100 characters, "
                "without quotes or backslashes"
            )
    for name in URL_FIELDS:
        url = values.get(name)
        if url:
            try:
                outbound.check_url(url)
            except outbound.OutboundRefused as exc:
                raise ValueError(f"{name}: {exc.detail}") from exc
    return {k: v.strip() for k, v in values.items()}


Values = dict[str, str]


class PsaConnectionCreate(BaseModel):
    vendor: PsaVendor
    name: str = Field(min_length=1, max_length=120)
    settings: Values = Field(default_factory=dict, max_length=10)
    secrets: Values = Field(default_factory=dict, max_length=10)
    is_default: bool = False

    @model_validator(mode="after")
    def _fields_match_vendor(self) -> PsaConnectionCreate:
        self.settings = check_fields(self.vendor, "settings", self.settings, partial=False)
        self.secrets = check_fields(self.vendor, "secrets", self.secrets, partial=False)
        return self


class PsaConnectionUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    settings: Values | None = Field(default=None, max_length=10)
    # Only the secrets given are replaced; leave one out to keep the stored value.
    secrets: Values | None = Field(default=None, max_length=10)
    is_default: bool | None = None


class PsaConnectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    vendor: PsaVendor
    name: str
    settings: dict[str, Any]
    secret_fields_set: list[str]
    is_default: bool
    last_tested_at: datetime | None
    last_test_ok: bool | None
    last_test_message: str | None
    created_at: datetime
    updated_at: datetime


class TestResult(BaseModel):
    ok: bool
    message: str
    tested_at: datetime


class PsaTicketOut(BaseModel):
    connection_id: uuid.UUID
    vendor: PsaVendor
    id: str
    summary: str
    description: str
    company: str
    contact: str
    contact_email: str
    status: str


class SmtpSettingsIn(BaseModel):
    host: str = Field(min_length=1, max_length=255)
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = Field(default=None, max_length=255)
    # Omit to keep the stored password; "" removes it.
    password: str | None = Field(default=None, max_length=500)
    from_address: EmailStr
    from_name: str | None = Field(default=None, max_length=120)


class SmtpSettingsOut(BaseModel):
    configured: bool
    host: str | None = None
    port: int | None = None
    security: str | None = None
    username: str | None = None
    password_set: bool = False
    from_address: str | None = None
    from_name: str | None = None
    last_tested_at: datetime | None = None
    last_test_ok: bool | None = None
    last_test_message: str | None = None


class SmtpTestRequest(BaseModel):
    to: EmailStr


class HuduSettingsIn(BaseModel):
    base_url: str = Field(min_length=8, max_length=500, pattern=r"^https?://")

    @field_validator("base_url")
    @classmethod
    def _allowed_url(cls, value: str) -> str:
        try:
            outbound.check_url(value)
        except outbound.OutboundRefused as exc:
            raise ValueError(exc.detail) from exc
        return value

    # Omit to keep the stored key.
    api_key: str | None = Field(default=None, min_length=1, max_length=500)
    # Hudu ids are 32-bit integers (and so are the columns).
    company_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    folder_id: int | None = Field(default=None, ge=1, le=2_147_483_647)


class HuduSettingsOut(BaseModel):
    configured: bool
    base_url: str | None = None
    company_id: int | None = None
    folder_id: int | None = None
    api_key_set: bool = False
    last_tested_at: datetime | None = None
    last_test_ok: bool | None = None
    last_test_message: str | None = None


# An IT Glue field's name-key: the field name lower-cased with hyphens ("Body" → "body",
# "Resolution Steps" → "resolution-steps"), as IT Glue's flexible asset fields list it.
NAME_KEY = r"^[a-z0-9][a-z0-9_-]{0,99}$"
# IT Glue ids are numbers beyond 32 bits; kept to what a browser's JSON reads exactly.
ItGlueId = Annotated[int, Field(ge=1, le=2**53 - 1)]


class ITGlueSettingsIn(BaseModel):
    # https://api.itglue.com; EU accounts https://api.eu.itglue.com, AU https://api.au.itglue.com
    base_url: str = Field(
        default="https://api.itglue.com", min_length=8, max_length=500, pattern=r"^https?://"
    )

    @field_validator("base_url")
    @classmethod
    def _allowed_url(cls, value: str) -> str:
        try:
            outbound.check_url(value)
        except outbound.OutboundRefused as exc:
            raise ValueError(exc.detail) from exc
        return value

    # Omit to keep the stored key.
    api_key: str | None = Field(default=None, min_length=1, max_length=500)
    # The organization the articles are filed under (the number in its IT Glue address).
    organization_id: ItGlueId
    # The flexible asset type made for KB articles, and the name-keys of its title field
    # (Text) and body field (Textbox: the HTML article).
    flexible_asset_type_id: ItGlueId
    title_trait: str = Field(default="title", pattern=NAME_KEY)
    body_trait: str = Field(default="body", pattern=NAME_KEY)

    @model_validator(mode="after")
    def _two_fields(self) -> ITGlueSettingsIn:
        if self.title_trait == self.body_trait:
            raise ValueError("title_trait and body_trait must name two different fields")
        return self


class ITGlueSettingsOut(BaseModel):
    configured: bool
    base_url: str | None = None
    organization_id: int | None = None
    flexible_asset_type_id: int | None = None
    title_trait: str | None = None
    body_trait: str | None = None
    api_key_set: bool = False
    last_tested_at: datetime | None = None
    last_test_ok: bool | None = None
    last_test_message: str | None = None


class PsaConnectionBrief(BaseModel):
    id: uuid.UUID
    name: str
    vendor: PsaVendor
    is_default: bool
    can_close_tickets: bool


class KbExportTarget(BaseModel):
    destination: Literal["psa", "hudu", "itglue"]
    name: str
    psa_connection_id: uuid.UUID | None = None


class DeliveryTargets(BaseModel):
    """What this account can deliver to, for the resolution panel (no secrets)."""

    psa_connections: list[PsaConnectionBrief]
    email: bool
    kb_exports: list[KbExportTarget]


# ── who each user is in a PSA connection ──

PersonSource = Literal["lookup", "manual"]


class PsaPersonOut(BaseModel):
    """The vendor person a user is mapped to: ConnectWise member identifier, Autotask
    resource id (+ the role id its time is logged under) or HaloPSA agent id."""

    person_id: str
    person_name: str
    role_id: str | None
    source: PersonSource
    updated_at: datetime


class PsaPersonRow(BaseModel):
    user_id: uuid.UUID
    email: str
    full_name: str
    role: str
    is_active: bool
    mapping: PsaPersonOut | None


class PsaPeopleOut(BaseModel):
    connection_id: uuid.UUID
    vendor: PsaVendor
    # What the vendor calls a person: member (ConnectWise), agent (HaloPSA), resource
    # (Autotask).
    person_kind: Literal["member", "agent", "resource"]
    # Autotask: time entries also need the role id.
    needs_role: bool
    # Who the time of engineers without a mapping goes to (the connection's fixed person),
    # or None: their pushes with time are refused.
    fallback: str | None
    people: list[PsaPersonRow]


class PsaPersonLookupIn(BaseModel):
    # The address to look for at the vendor; default: the user's FlowPilot e-mail.
    email: EmailStr | None = None


class PsaPersonLookupOut(BaseModel):
    found: bool
    message: str
    person: PsaPersonRow


class PsaPersonIn(BaseModel):
    """A mapping typed in: ConnectWise member identifier (e.g. jdoe), HaloPSA agent id or
    Autotask resource id (numbers), and for Autotask the role id."""

    person_id: str = Field(min_length=1, max_length=50)
    role_id: str | None = Field(default=None, pattern=r"^[0-9]{1,18}$")
    person_name: str | None = Field(default=None, max_length=200)


# ── ticket search (the picker) ──


class PsaTicketHit(BaseModel):
    """One open ticket in a search: `id` is what a session is started from or linked to;
    `number` is what people call it (Autotask's T20261120.0042; else the id)."""

    id: str
    number: str
    summary: str
    company: str
    status: str
    updated: datetime | None = None


class PsaTicketSearchOut(BaseModel):
    connection_id: uuid.UUID
    vendor: PsaVendor
    items: list[PsaTicketHit]
    has_more: bool
    # Pass back as `cursor` for the next page (with the same q and page_size); opaque.
    next_cursor: str | None = None
