"""/api/v1/psa-connections, /smtp-settings, /hudu-settings and /itglue-settings: admins manage
them; every member can list the PSA connections (names only matter to them) and look up a
ticket to start from."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from flowpilot.audit.service import audit
from flowpilot.auth.deps import AdminUser, CurrentUser
from flowpilot.db.deps import DBSession
from flowpilot.integrations import people, service
from flowpilot.integrations.models import PsaConnection
from flowpilot.integrations.schemas import (
    DeliveryTargets,
    HuduSettingsIn,
    HuduSettingsOut,
    ITGlueSettingsIn,
    ITGlueSettingsOut,
    PsaConnectionCreate,
    PsaConnectionOut,
    PsaConnectionUpdate,
    PsaPeopleOut,
    PsaPersonIn,
    PsaPersonLookupIn,
    PsaPersonLookupOut,
    PsaPersonRow,
    PsaTicketOut,
    PsaTicketSearchOut,
    SmtpSettingsIn,
    SmtpSettingsOut,
    SmtpTestRequest,
    TestResult,
)


def secret_key(request: Request) -> str:
    key: str = request.app.state.settings.resolved_secret_key()
    return key


SecretKey = Annotated[str, Depends(secret_key)]
router = APIRouter(prefix="/api/v1", tags=["integrations"])


@router.get("/psa-connections", response_model=list[PsaConnectionOut])
async def list_connections(
    principal: CurrentUser, db: DBSession, key: SecretKey
) -> list[PsaConnectionOut]:
    rows = await db.scalars(
        service.connections_of(principal.account_id).order_by(PsaConnection.name)
    )
    return [service.connection_out(c, key) for c in rows]


@router.post("/psa-connections", response_model=PsaConnectionOut, status_code=201)
async def create_connection(
    body: PsaConnectionCreate, principal: AdminUser, db: DBSession, key: SecretKey
) -> PsaConnectionOut:
    connection = await service.create_connection(db, principal, body, key)
    await audit(db, principal, "settings.psa_connection", "psa_connection", connection.id,
                change="create", vendor=connection.vendor)  # fmt: skip
    return service.connection_out(connection, key)


@router.patch("/psa-connections/{connection_id}", response_model=PsaConnectionOut)
async def update_connection(
    connection_id: uuid.UUID,
    body: PsaConnectionUpdate,
    principal: AdminUser,
    db: DBSession,
    key: SecretKey,
) -> PsaConnectionOut:
    connection = await service.update_connection(db, principal, connection_id, body, key)
    changed = sorted(
        {*(body.settings or {}), *(body.secrets or {})} | ({"name"} if body.name else set())
    )
    await audit(db, principal, "settings.psa_connection", "psa_connection", connection.id,
                change="update", fields=changed)  # fmt: skip
    return service.connection_out(connection, key)


@router.delete("/psa-connections/{connection_id}", status_code=204)
async def delete_connection(
    connection_id: uuid.UUID, principal: AdminUser, db: DBSession
) -> Response:
    await service.delete_connection(db, principal, connection_id)
    await audit(db, principal, "settings.psa_connection", "psa_connection", connection_id,
                change="delete")  # fmt: skip
    return Response(status_code=204)


@router.post("/psa-connections/{connection_id}/test", response_model=TestResult)
async def test_connection(
    connection_id: uuid.UUID, principal: AdminUser, db: DBSession, key: SecretKey
) -> TestResult:
    return await service.test_connection(db, principal, connection_id, key)


@router.get("/psa-connections/{connection_id}/tickets/{ticket_id}", response_model=PsaTicketOut)
async def look_up_ticket(
    connection_id: uuid.UUID,
    ticket_id: Annotated[str, Path(pattern=r"^[0-9]{1,18}$")],
    principal: CurrentUser,
    db: DBSession,
    key: SecretKey,
) -> PsaTicketOut:
    connection = await service.get_connection(db, principal.account_id, connection_id)
    await audit(db, principal, "ticket.preview", "psa_ticket", ticket_id,
                connection_id=str(connection.id))  # fmt: skip
    ticket = await service.fetch_ticket(connection, ticket_id, key)
    return PsaTicketOut(
        connection_id=connection.id,
        vendor=connection.vendor,  # type: ignore[arg-type]
        **{k: getattr(ticket, k) for k in PsaTicketOut.model_fields if hasattr(ticket, k)},
    )


@router.get("/psa-connections/{connection_id}/tickets", response_model=PsaTicketSearchOut)
async def search_tickets(
    connection_id: uuid.UUID,
    principal: CurrentUser,
    db: DBSession,
    key: SecretKey,
    q: Annotated[str, Query(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")] = "",
    cursor: Annotated[str | None, Query(max_length=6000)] = None,
    page_size: Annotated[int, Query(ge=1, le=50)] = 20,
) -> PsaTicketSearchOut:
    """Open tickets of the connection by number, summary or company (the newest activity
    first where the vendor can sort), for starting a session from one or linking one. Any
    member may search; `cursor` is a page's `next_cursor` (same q and page_size)."""
    connection = await service.get_connection(db, principal.account_id, connection_id)
    return await service.search_tickets(connection, q, cursor, page_size, key)


@router.get("/psa-connections/{connection_id}/people", response_model=PsaPeopleOut)
async def list_people(
    connection_id: uuid.UUID, principal: AdminUser, db: DBSession
) -> PsaPeopleOut:
    """The account's users and the vendor person each is mapped to on this connection (whose
    notes and time a push writes as)."""
    return await people.list_people(db, principal, connection_id)


@router.post(
    "/psa-connections/{connection_id}/people/{user_id}/lookup", response_model=PsaPersonLookupOut
)
async def look_up_person(
    connection_id: uuid.UUID,
    user_id: uuid.UUID,
    principal: AdminUser,
    db: DBSession,
    key: SecretKey,
    body: PsaPersonLookupIn | None = None,
) -> PsaPersonLookupOut:
    """Ask the PSA who has the user's e-mail (or `email`); one active match is saved."""
    email = str(body.email) if body and body.email else None
    result = await people.look_up(db, principal, connection_id, user_id, email, key)
    if result.found:
        await audit(db, principal, "settings.psa_person", "psa_connection", connection_id,
                    change="lookup", user_id=str(user_id))  # fmt: skip
    return result


@router.put("/psa-connections/{connection_id}/people/{user_id}", response_model=PsaPersonRow)
async def set_person(
    connection_id: uuid.UUID,
    user_id: uuid.UUID,
    body: PsaPersonIn,
    principal: AdminUser,
    db: DBSession,
) -> PsaPersonRow:
    """Map the user to a vendor person typed in (overrides a lookup)."""
    row = await people.set_manual(db, principal, connection_id, user_id, body)
    await audit(db, principal, "settings.psa_person", "psa_connection", connection_id,
                change="manual", user_id=str(user_id))  # fmt: skip
    return row


@router.delete("/psa-connections/{connection_id}/people/{user_id}", status_code=204)
async def remove_person(
    connection_id: uuid.UUID, user_id: uuid.UUID, principal: AdminUser, db: DBSession
) -> Response:
    await people.remove(db, principal, connection_id, user_id)
    await audit(db, principal, "settings.psa_person", "psa_connection", connection_id,
                change="delete", user_id=str(user_id))  # fmt: skip
    return Response(status_code=204)


@router.get("/smtp-settings", response_model=SmtpSettingsOut)
async def get_smtp(principal: AdminUser, db: DBSession, key: SecretKey) -> SmtpSettingsOut:
    return service.smtp_out(await service.smtp_settings(db, principal.account_id), key)


@router.put("/smtp-settings", response_model=SmtpSettingsOut)
async def put_smtp(
    body: SmtpSettingsIn, principal: AdminUser, db: DBSession, key: SecretKey
) -> SmtpSettingsOut:
    saved = await service.save_smtp(db, principal, body, key)
    await audit(db, principal, "settings.smtp", "smtp_settings", "", change="save", host=body.host)
    return service.smtp_out(saved, key)


@router.delete("/smtp-settings", status_code=204)
async def delete_smtp(principal: AdminUser, db: DBSession) -> Response:
    await service.delete_smtp(db, principal)
    await audit(db, principal, "settings.smtp", "smtp_settings", "", change="delete")
    return Response(status_code=204)


@router.post("/smtp-settings/test", response_model=TestResult)
async def test_smtp(
    body: SmtpTestRequest, principal: AdminUser, db: DBSession, key: SecretKey
) -> TestResult:
    return await service.test_smtp(db, principal, str(body.to), key)


@router.get("/hudu-settings", response_model=HuduSettingsOut)
async def get_hudu(principal: AdminUser, db: DBSession, key: SecretKey) -> HuduSettingsOut:
    return service.hudu_out(await service.hudu_settings(db, principal.account_id), key)


@router.put("/hudu-settings", response_model=HuduSettingsOut)
async def put_hudu(
    body: HuduSettingsIn, principal: AdminUser, db: DBSession, key: SecretKey
) -> HuduSettingsOut:
    saved = await service.save_hudu(db, principal, body, key)
    await audit(db, principal, "settings.hudu", "hudu_settings", "", change="save")
    return service.hudu_out(saved, key)


@router.delete("/hudu-settings", status_code=204)
async def delete_hudu(principal: AdminUser, db: DBSession) -> Response:
    await service.delete_hudu(db, principal)
    await audit(db, principal, "settings.hudu", "hudu_settings", "", change="delete")
    return Response(status_code=204)


@router.post("/hudu-settings/test", response_model=TestResult)
async def test_hudu(principal: AdminUser, db: DBSession, key: SecretKey) -> TestResult:
    return await service.test_hudu(db, principal, key)


@router.get("/itglue-settings", response_model=ITGlueSettingsOut)
async def get_itglue(principal: AdminUser, db: DBSession, key: SecretKey) -> ITGlueSettingsOut:
    return service.itglue_out(await service.itglue_settings(db, principal.account_id), key)


@router.put("/itglue-settings", response_model=ITGlueSettingsOut)
async def put_itglue(
    body: ITGlueSettingsIn, principal: AdminUser, db: DBSession, key: SecretKey
) -> ITGlueSettingsOut:
    """Where KB articles are exported in IT Glue: an organization and a flexible asset type
    with a title and a body field (their name-keys). The API key is write-only."""
    saved = await service.save_itglue(db, principal, body, key)
    await audit(db, principal, "settings.itglue", "itglue_settings", "", change="save",
                key_changed=bool(body.api_key))  # fmt: skip
    return service.itglue_out(saved, key)


@router.delete("/itglue-settings", status_code=204)
async def delete_itglue(principal: AdminUser, db: DBSession) -> Response:
    await service.delete_itglue(db, principal)
    await audit(db, principal, "settings.itglue", "itglue_settings", "", change="delete")
    return Response(status_code=204)


@router.post("/itglue-settings/test", response_model=TestResult)
async def test_itglue(principal: AdminUser, db: DBSession, key: SecretKey) -> TestResult:
    """Reads the organization and the flexible asset type with the stored key, and checks
    that the type has the title and body fields."""
    return await service.test_itglue(db, principal, key)


@router.get("/delivery-targets", response_model=DeliveryTargets)
async def delivery_targets(principal: CurrentUser, db: DBSession) -> DeliveryTargets:
    """Where this account's documents can go (for the resolution panel; no secrets)."""
    return await service.delivery_targets(db, principal.account_id)
