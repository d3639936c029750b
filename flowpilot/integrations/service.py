"""PSA connections, SMTP and KB export (Hudu, IT Glue) settings of an account: stored
encrypted, tested, turned into adapters. Every query on them goes through `connections_of` /
`smtp_of` / `hudu_of` / `itglue_of`."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.auth.service import Principal
from flowpilot.config import Settings
from flowpilot.errors import Conflict, DomainError, NotFound, UnprocessableInput
from flowpilot.integrations import outbound
from flowpilot.integrations.crypto import (
    CredentialsUnreadable,
    decrypt_secrets,
    encrypt_secrets,
)
from flowpilot.integrations.delivery import UNEXPECTED_SHAPE, DeliveryError, unexpected_answer
from flowpilot.integrations.email import SmtpConfig, send_mail
from flowpilot.integrations.hudu import HuduClient
from flowpilot.integrations.itglue import ITGlueClient
from flowpilot.integrations.models import (
    HuduSettings,
    ITGlueSettings,
    PsaConnection,
    SmtpSettings,
    TestResultMixin,
)
from flowpilot.integrations.psa.base import (
    BadCursor,
    PsaAdapter,
    PsaError,
    PsaPerson,
    PsaTicket,
    TimeBilling,
)
from flowpilot.integrations.psa.registry import KB_VENDORS, adapter_for, can_close_tickets
from flowpilot.integrations.schemas import (
    DeliveryTargets,
    HuduSettingsIn,
    HuduSettingsOut,
    ITGlueSettingsIn,
    ITGlueSettingsOut,
    KbExportTarget,
    PsaConnectionBrief,
    PsaConnectionCreate,
    PsaConnectionOut,
    PsaConnectionUpdate,
    PsaTicketHit,
    PsaTicketSearchOut,
    SmtpSettingsIn,
    SmtpSettingsOut,
    TestResult,
    check_fields,
)

log = structlog.get_logger(__name__)


class PsaFailed(DomainError):
    """The PSA answered with an error (bad credentials, outage): not the caller's input."""

    status_code = 502
    code = "psa_error"


# ── shared by every settings kind ──


def _secret_set(row: Any, secret_key: str, name: str) -> bool:
    try:
        return bool(decrypt_secrets(secret_key, row.secrets_encrypted).get(name))
    except CredentialsUnreadable:
        return False


def _last_test(row: TestResultMixin) -> dict[str, Any]:
    return {
        "last_tested_at": row.last_tested_at,
        "last_test_ok": row.last_test_ok,
        "last_test_message": row.last_test_message,
    }


def _forget_test(row: TestResultMixin) -> None:
    """Any change may invalidate the last test; the admin page then shows "not tested"."""
    row.last_test_ok = None
    row.last_test_message = None
    row.last_tested_at = None


def _record_test(row: TestResultMixin, ok: bool, message: str) -> TestResult:
    row.last_tested_at = datetime.now(UTC)
    row.last_test_ok = ok
    row.last_test_message = message
    return TestResult(ok=ok, message=message, tested_at=row.last_tested_at)


def connections_of(account_id: uuid.UUID) -> Select[PsaConnection]:
    return select(PsaConnection).where(PsaConnection.account_id == account_id)


def smtp_of(account_id: uuid.UUID) -> Select[SmtpSettings]:
    return select(SmtpSettings).where(SmtpSettings.account_id == account_id)


def connection_out(c: PsaConnection, secret_key: str) -> PsaConnectionOut:
    try:
        stored = sorted(decrypt_secrets(secret_key, c.secrets_encrypted))
    except CredentialsUnreadable:
        stored = []
    return PsaConnectionOut.model_validate(
        {
            **{k: getattr(c, k) for k in PsaConnectionOut.model_fields if hasattr(c, k)},
            "secret_fields_set": stored,
        }
    )


async def get_connection(
    db: AsyncSession, account_id: uuid.UUID, connection_id: uuid.UUID
) -> PsaConnection:
    found = await db.scalar(connections_of(account_id).where(PsaConnection.id == connection_id))
    if found is None:
        raise NotFound("PSA connection not found")
    return found


async def default_connection(db: AsyncSession, account_id: uuid.UUID) -> PsaConnection | None:
    """The one marked default, or the only one there is."""
    rows = list(await db.scalars(connections_of(account_id).order_by(PsaConnection.created_at)))
    marked = [c for c in rows if c.is_default]
    if marked:
        return marked[0]
    return rows[0] if len(rows) == 1 else None


async def _unset_other_defaults(db: AsyncSession, account_id: uuid.UUID, keep: uuid.UUID) -> None:
    await db.execute(
        update(PsaConnection)
        .where(PsaConnection.account_id == account_id, PsaConnection.id != keep)
        .values(is_default=False)
    )


async def _name_taken(db: AsyncSession, account_id: uuid.UUID, name: str, but: Any = None) -> None:
    query = connections_of(account_id).where(PsaConnection.name == name)
    if but is not None:
        query = query.where(PsaConnection.id != but)
    if await db.scalar(query) is not None:
        raise Conflict(f"A PSA connection named {name!r} already exists", code="name_taken")


async def create_connection(
    db: AsyncSession, principal: Principal, body: PsaConnectionCreate, secret_key: str
) -> PsaConnection:
    await _name_taken(db, principal.account_id, body.name)
    connection = PsaConnection(
        account_id=principal.account_id,
        vendor=body.vendor,
        name=body.name.strip(),
        settings=body.settings,
        secrets_encrypted=encrypt_secrets(secret_key, body.secrets),
        is_default=body.is_default,
        created_by_id=principal.user_id,
    )
    db.add(connection)
    await db.flush()
    if body.is_default:
        await _unset_other_defaults(db, principal.account_id, connection.id)
    return connection


async def update_connection(
    db: AsyncSession,
    principal: Principal,
    connection_id: uuid.UUID,
    body: PsaConnectionUpdate,
    secret_key: str,
) -> PsaConnection:
    connection = await get_connection(db, principal.account_id, connection_id)
    try:
        if body.settings is not None:
            merged = {**connection.settings, **body.settings}
            connection.settings = check_fields(
                connection.vendor,
                "settings",
                {k: v for k, v in merged.items() if v},
                partial=False,
            )
        if body.secrets is not None:
            try:
                current = decrypt_secrets(secret_key, connection.secrets_encrypted)
            except CredentialsUnreadable:
                current = {}
            merged = check_fields(
                connection.vendor, "secrets", {**current, **body.secrets}, partial=False
            )
            connection.secrets_encrypted = encrypt_secrets(secret_key, merged)
    except ValueError as exc:
        raise DomainError(str(exc), code="invalid_connection") from exc
    if body.name is not None:
        await _name_taken(db, principal.account_id, body.name.strip(), but=connection.id)
        connection.name = body.name.strip()
    if body.is_default is not None:
        connection.is_default = body.is_default
        if body.is_default:
            await _unset_other_defaults(db, principal.account_id, connection.id)
    _forget_test(connection)
    await db.flush()
    return connection


async def delete_connection(
    db: AsyncSession, principal: Principal, connection_id: uuid.UUID
) -> None:
    connection = await get_connection(db, principal.account_id, connection_id)
    await db.delete(connection)
    await db.flush()


# One adapter per connection version and event loop: Halo's token and the HTTP
# connections are reused between pushes instead of being fetched for every one.
# Settings FlowPilot itself uses (not passed to the vendor adapter).
NOT_ADAPTER_SETTINGS = {
    "member_identifier",
    "agent_id",
    "resource_id",
    "role_id",
    "work_type",
    "billable",
}
# One adapter (with its HTTP connection pool) per connection, settings version and event loop.
_adapters: dict[tuple[uuid.UUID, str, int], PsaAdapter] = {}
MAX_ADAPTERS = 200
_closing: set[asyncio.Task[None]] = set()


def adapter(connection: PsaConnection, secret_key: str) -> PsaAdapter:
    version = json.dumps(connection.settings, sort_keys=True) + connection.secrets_encrypted
    loop = id(asyncio.get_running_loop())
    key = (connection.id, version, loop)
    found = _adapters.get(key)
    if found is None:
        try:
            secrets = decrypt_secrets(secret_key, connection.secrets_encrypted)
        except CredentialsUnreadable as exc:
            raise PsaError(str(exc)) from exc
        settings = {k: v for k, v in connection.settings.items() if k not in NOT_ADAPTER_SETTINGS}
        found = adapter_for(connection.vendor, **settings, **secrets)
        # The connection's adapters for settings it no longer has, and the oldest beyond the
        # limit, are closed (their HTTP clients with them), not just dropped.
        for old in [k for k in _adapters if k[0] == connection.id and k[2] == loop]:
            _retire(old)
        while len(_adapters) >= MAX_ADAPTERS:
            _retire(next(iter(_adapters)))
        _adapters[key] = found
    return found


def _retire(key: tuple[uuid.UUID, str, int]) -> None:
    retired = _adapters.pop(key, None)
    if retired is None or key[2] != id(asyncio.get_running_loop()):
        return  # another loop's client cannot be closed from here; its loop is gone
    task = asyncio.get_running_loop().create_task(retired.aclose())
    _closing.add(task)
    task.add_done_callback(_closing.discard)


async def close_adapters() -> None:
    """Close this loop's adapters (the server's shutdown)."""
    loop = id(asyncio.get_running_loop())
    for key in [k for k in _adapters if k[2] == loop]:
        retired = _adapters.pop(key)
        with contextlib.suppress(Exception):
            await retired.aclose()
    if _closing:
        await asyncio.gather(*_closing, return_exceptions=True)


def fallback_person(connection: PsaConnection) -> PsaPerson | None:
    """The connection's fixed person for time of engineers without a mapping, if it has one:
    ConnectWise `member_identifier`, HaloPSA `agent_id`, Autotask `resource_id` + `role_id`."""
    settings = connection.settings
    if connection.vendor == "connectwise" and settings.get("member_identifier"):
        return PsaPerson(id=settings["member_identifier"], name=settings["member_identifier"])
    if connection.vendor == "halo" and settings.get("agent_id"):
        return PsaPerson(id=settings["agent_id"], name=f"agent {settings['agent_id']}")
    if connection.vendor == "autotask" and settings.get("resource_id"):
        return PsaPerson(
            id=settings["resource_id"],
            name=f"resource {settings['resource_id']}",
            role_id=settings.get("role_id") or None,
        )
    return None


def billing_for(
    connection: PsaConnection, work_type: str | None, billable: bool | None
) -> TimeBilling:
    """The push's own work type / billable, else the connection's defaults (billable unless
    the connection says `billable: false`)."""
    default_billable = connection.settings.get("billable", "true") != "false"
    return TimeBilling(
        work_type=work_type or connection.settings.get("work_type") or None,
        billable=default_billable if billable is None else billable,
    )


async def test_connection(
    db: AsyncSession, principal: Principal, connection_id: uuid.UUID, secret_key: str
) -> TestResult:
    connection = await get_connection(db, principal.account_id, connection_id)
    try:
        message = await adapter(connection, secret_key).test_connection()
        ok = True
    except DeliveryError as exc:
        message, ok = exc.message, False
    except UNEXPECTED_SHAPE as exc:
        message, ok = unexpected_answer(connection.name, exc).message, False
    except outbound.OutboundRefused as exc:
        message, ok = exc.detail, False
    result = _record_test(connection, ok, message)
    await db.flush()
    log.info("psa_connection_tested", vendor=connection.vendor, ok=ok)
    return result


async def chosen_connection(
    db: AsyncSession, account_id: uuid.UUID, connection_id: uuid.UUID | None
) -> PsaConnection:
    """The connection asked for, else the account's default one."""
    if connection_id is not None:
        return await get_connection(db, account_id, connection_id)
    default = await default_connection(db, account_id)
    if default is None:
        raise Conflict(
            "No PSA connection is set up (or none is marked default): an admin adds one "
            "under Settings, or pick the connection explicitly",
            code="psa_not_configured",
        )
    return default


async def fetch_ticket(connection: PsaConnection, ticket_id: str, secret_key: str) -> PsaTicket:
    try:
        ticket = await adapter(connection, secret_key).get_ticket(ticket_id)
    except UNEXPECTED_SHAPE as exc:
        raise PsaFailed(unexpected_answer(connection.name, exc).message) from exc
    except PsaError as exc:
        if exc.status == 404:
            raise NotFound(
                f"Ticket {ticket_id} was not found in {connection.name}",
                code="psa_ticket_not_found",
            ) from exc
        raise PsaFailed(exc.message, retryable=exc.retryable) from exc
    return ticket


async def ticket_for_new_session(
    db: AsyncSession,
    account_id: uuid.UUID,
    connection_id: uuid.UUID | None,
    ticket_id: str,
    secret_key: str,
) -> tuple[PsaConnection, PsaTicket]:
    connection = await chosen_connection(db, account_id, connection_id)
    return connection, await fetch_ticket(connection, ticket_id, secret_key)


# ── ticket search (the picker) ──


def _cursor_mac(secret_key: str, connection_id: uuid.UUID, query: str, size: int, at: str) -> str:
    key = hashlib.sha256(b"flowpilot ticket-search cursor\0" + secret_key.encode()).digest()
    message = json.dumps([str(connection_id), query, size, at], separators=(",", ":"))
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:32]


def _seal_cursor(secret_key: str, connection_id: uuid.UUID, query: str, size: int, at: str) -> str:
    """The vendor's next-page position, signed for this connection, search and page size:
    the browser can hand it back but not point a search anywhere else (an Autotask cursor
    is a URL FlowPilot POSTs credentials to)."""
    data = base64.urlsafe_b64encode(at.encode()).decode().rstrip("=")
    return f"{data}.{_cursor_mac(secret_key, connection_id, query, size, at)}"


def _open_cursor(
    secret_key: str, connection_id: uuid.UUID, query: str, size: int, cursor: str
) -> str:
    stale = UnprocessableInput(
        "These results are out of date (the search, page size or connection changed): search again",
        code="bad_cursor",
    )
    data, _, mac = cursor.partition(".")
    try:
        at = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise stale from exc
    if not hmac.compare_digest(mac, _cursor_mac(secret_key, connection_id, query, size, at)):
        raise stale
    return at


async def search_tickets(
    connection: PsaConnection,
    query: str,
    cursor: str | None,
    page_size: int,
    secret_key: str,
) -> PsaTicketSearchOut:
    """Open tickets of the connection matching `query`, a page at a time. Vendor failures
    are the same 502 `psa_error` a ticket lookup gives; a tampered or stale cursor is 422."""
    query = query.strip()
    at = _open_cursor(secret_key, connection.id, query, page_size, cursor) if cursor else None
    try:
        page = await adapter(connection, secret_key).search_tickets(
            query, cursor=at, page_size=page_size
        )
    except BadCursor as exc:
        raise UnprocessableInput(
            "These results are out of date: search again", code="bad_cursor"
        ) from exc
    except UNEXPECTED_SHAPE as exc:
        raise PsaFailed(unexpected_answer(connection.name, exc).message) from exc
    except PsaError as exc:
        raise PsaFailed(exc.message, retryable=exc.retryable) from exc
    return PsaTicketSearchOut(
        connection_id=connection.id,
        vendor=connection.vendor,  # type: ignore[arg-type]
        items=[
            PsaTicketHit(
                id=t.id,
                number=t.number or t.id,
                summary=t.summary,
                company=t.company,
                status=t.status,
                updated=t.updated,
            )
            for t in page.items
        ],
        has_more=page.has_more and page.next_cursor is not None,
        next_cursor=(
            _seal_cursor(secret_key, connection.id, query, page_size, page.next_cursor)
            if page.has_more and page.next_cursor
            else None
        ),
    )


# ── SMTP ──


async def smtp_settings(db: AsyncSession, account_id: uuid.UUID) -> SmtpSettings | None:
    return await db.scalar(smtp_of(account_id))


def smtp_out(row: SmtpSettings | None, secret_key: str) -> SmtpSettingsOut:
    if row is None:
        return SmtpSettingsOut(configured=False)
    return SmtpSettingsOut(
        configured=True,
        host=row.host,
        port=row.port,
        security=row.security,
        username=row.username,
        password_set=_secret_set(row, secret_key, "password"),
        from_address=row.from_address,
        from_name=row.from_name,
        **_last_test(row),
    )


async def save_smtp(
    db: AsyncSession, principal: Principal, body: SmtpSettingsIn, secret_key: str
) -> SmtpSettings:
    row = await smtp_settings(db, principal.account_id)
    if row is None:
        row = SmtpSettings(account_id=principal.account_id, secrets_encrypted="")
        db.add(row)
    row.host = body.host.strip()
    row.port = body.port
    row.security = body.security
    row.username = (body.username or "").strip() or None
    row.from_address = str(body.from_address)
    row.from_name = (body.from_name or "").strip() or None
    if body.password is not None:
        row.secrets_encrypted = encrypt_secrets(secret_key, {"password": body.password})
    _forget_test(row)
    await db.flush()
    return row


async def delete_smtp(db: AsyncSession, principal: Principal) -> None:
    row = await smtp_settings(db, principal.account_id)
    if row is not None:
        await db.delete(row)
        await db.flush()


def smtp_config(row: SmtpSettings, secret_key: str) -> SmtpConfig:
    try:
        password = decrypt_secrets(secret_key, row.secrets_encrypted).get("password")
    except CredentialsUnreadable as exc:
        raise DeliveryError(str(exc)) from exc
    return SmtpConfig(
        host=row.host,
        port=row.port,
        security=row.security,
        username=row.username,
        password=password,
        from_address=row.from_address,
        from_name=row.from_name,
    )


async def mail_config_for(
    db: AsyncSession, account_id: uuid.UUID, settings: Settings
) -> SmtpConfig | None:
    """The account's own mail server, else the one in the environment, else None."""
    row = await smtp_settings(db, account_id)
    if row is not None:
        return smtp_config(row, settings.resolved_secret_key())
    if not settings.smtp_host:
        return None
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security="auto" if settings.smtp_starttls else "none",
        username=settings.smtp_username,
        password=settings.smtp_password,
        from_address=settings.smtp_from,
    )


async def test_smtp(db: AsyncSession, principal: Principal, to: str, secret_key: str) -> TestResult:
    row = await smtp_settings(db, principal.account_id)
    if row is None:
        raise Conflict("No mail server is configured yet", code="smtp_not_configured")
    try:
        await send_mail(
            smtp_config(row, secret_key),
            [to],
            "FlowPilot test message",
            "This is a test from FlowPilot: client summaries will be sent through this server.",
        )
        ok, message = True, f"Test message accepted for {to}"
    except DeliveryError as exc:
        ok, message = False, exc.message
    result = _record_test(row, ok, message)
    await db.flush()
    return result


# ── KB export targets (Hudu, IT Glue): one settings row per account with an API key ──

ExportRow = HuduSettings | ITGlueSettings


def _export_row_for_save(
    row: ExportRow | None, model: type[ExportRow], principal: Principal, body_key: str | None,
    vendor: str,
) -> ExportRow:  # fmt: skip
    """The account's row to update, or a new one (which needs the API key)."""
    if row is not None:
        return row
    if not body_key:
        raise UnprocessableInput(f"{vendor} needs an API key", code="api_key_required")
    return model(account_id=principal.account_id, secrets_encrypted="")


async def _finish_save(
    db: AsyncSession, row: ExportRow, base_url: str, api_key: str | None, secret_key: str
) -> None:
    row.base_url = base_url.rstrip("/")
    if api_key:
        row.secrets_encrypted = encrypt_secrets(secret_key, {"api_key": api_key})
    _forget_test(row)
    if row not in db:
        db.add(row)
    await db.flush()


def _api_key(row: ExportRow, secret_key: str) -> str:
    try:
        return str(decrypt_secrets(secret_key, row.secrets_encrypted).get("api_key") or "")
    except CredentialsUnreadable as exc:
        raise DeliveryError(str(exc)) from exc


async def _delete_row(db: AsyncSession, row: ExportRow | None) -> None:
    if row is not None:
        await db.delete(row)
        await db.flush()


async def _run_test(
    db: AsyncSession, row: ExportRow, vendor: str, check: Callable[[], Awaitable[str]]
) -> TestResult:
    """Run a connection test and record its outcome on the row."""
    try:
        ok, message = True, await check()
    except DeliveryError as exc:
        ok, message = False, exc.message
    except UNEXPECTED_SHAPE as exc:
        ok, message = False, unexpected_answer(vendor, exc).message
    result = _record_test(row, ok, message)
    await db.flush()
    return result


def hudu_of(account_id: uuid.UUID) -> Select[HuduSettings]:
    return select(HuduSettings).where(HuduSettings.account_id == account_id)


async def hudu_settings(db: AsyncSession, account_id: uuid.UUID) -> HuduSettings | None:
    return await db.scalar(hudu_of(account_id))


def hudu_out(row: HuduSettings | None, secret_key: str) -> HuduSettingsOut:
    if row is None:
        return HuduSettingsOut(configured=False)
    return HuduSettingsOut(
        configured=True,
        base_url=row.base_url,
        company_id=row.company_id,
        folder_id=row.folder_id,
        api_key_set=_secret_set(row, secret_key, "api_key"),
        **_last_test(row),
    )


async def save_hudu(
    db: AsyncSession, principal: Principal, body: HuduSettingsIn, secret_key: str
) -> HuduSettings:
    found = await hudu_settings(db, principal.account_id)
    row = _export_row_for_save(found, HuduSettings, principal, body.api_key, "Hudu")
    assert isinstance(row, HuduSettings)
    row.company_id = body.company_id
    row.folder_id = body.folder_id
    await _finish_save(db, row, body.base_url, body.api_key, secret_key)
    return row


async def delete_hudu(db: AsyncSession, principal: Principal) -> None:
    await _delete_row(db, await hudu_settings(db, principal.account_id))


def hudu_client(row: HuduSettings, secret_key: str) -> HuduClient:
    return HuduClient(base_url=row.base_url, api_key=_api_key(row, secret_key))


async def test_hudu(db: AsyncSession, principal: Principal, secret_key: str) -> TestResult:
    row = await hudu_settings(db, principal.account_id)
    if row is None:
        raise Conflict("Hudu is not set up yet", code="hudu_not_configured")
    return await _run_test(db, row, "Hudu", lambda: hudu_client(row, secret_key).test_connection())


def itglue_of(account_id: uuid.UUID) -> Select[ITGlueSettings]:
    return select(ITGlueSettings).where(ITGlueSettings.account_id == account_id)


async def itglue_settings(db: AsyncSession, account_id: uuid.UUID) -> ITGlueSettings | None:
    return await db.scalar(itglue_of(account_id))


def itglue_out(row: ITGlueSettings | None, secret_key: str) -> ITGlueSettingsOut:
    if row is None:
        return ITGlueSettingsOut(configured=False)
    return ITGlueSettingsOut(
        configured=True,
        base_url=row.base_url,
        organization_id=row.organization_id,
        flexible_asset_type_id=row.flexible_asset_type_id,
        title_trait=row.title_trait,
        body_trait=row.body_trait,
        api_key_set=_secret_set(row, secret_key, "api_key"),
        **_last_test(row),
    )


async def save_itglue(
    db: AsyncSession, principal: Principal, body: ITGlueSettingsIn, secret_key: str
) -> ITGlueSettings:
    found = await itglue_settings(db, principal.account_id)
    row = _export_row_for_save(found, ITGlueSettings, principal, body.api_key, "IT Glue")
    assert isinstance(row, ITGlueSettings)
    row.organization_id = body.organization_id
    row.flexible_asset_type_id = body.flexible_asset_type_id
    row.title_trait = body.title_trait
    row.body_trait = body.body_trait
    await _finish_save(db, row, body.base_url, body.api_key, secret_key)
    return row


async def delete_itglue(db: AsyncSession, principal: Principal) -> None:
    await _delete_row(db, await itglue_settings(db, principal.account_id))


def itglue_client(row: ITGlueSettings, secret_key: str) -> ITGlueClient:
    return ITGlueClient(base_url=row.base_url, api_key=_api_key(row, secret_key))


async def test_itglue(db: AsyncSession, principal: Principal, secret_key: str) -> TestResult:
    row = await itglue_settings(db, principal.account_id)
    if row is None:
        raise Conflict("IT Glue is not set up yet", code="itglue_not_configured")
    return await _run_test(
        db,
        row,
        "IT Glue",
        lambda: itglue_client(row, secret_key).test_connection(
            row.organization_id, row.flexible_asset_type_id, row.title_trait, row.body_trait
        ),
    )


async def delivery_targets(db: AsyncSession, account_id: uuid.UUID) -> DeliveryTargets:
    connections = list(await db.scalars(connections_of(account_id).order_by(PsaConnection.name)))
    exports = [
        KbExportTarget(destination="psa", name=c.name, psa_connection_id=c.id)
        for c in connections
        if c.vendor in KB_VENDORS
    ]
    if await hudu_settings(db, account_id) is not None:
        exports.append(KbExportTarget(destination="hudu", name="Hudu"))
    if await itglue_settings(db, account_id) is not None:
        exports.append(KbExportTarget(destination="itglue", name="IT Glue"))
    return DeliveryTargets(
        psa_connections=[
            PsaConnectionBrief(
                id=c.id,
                name=c.name,
                vendor=c.vendor,  # type: ignore[arg-type]
                is_default=c.is_default,
                can_close_tickets=can_close_tickets(c.vendor, c.settings),
            )
            for c in connections
        ],
        email=await smtp_settings(db, account_id) is not None,
        kb_exports=exports,
    )
