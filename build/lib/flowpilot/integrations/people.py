"""Who each FlowPilot user is in each PSA connection (a ConnectWise member, an Autotask
resource with its role, a HaloPSA agent), so notes and time are written as the engineer who
pushes. Every query on the mappings goes through `mappings_of` (the account's rows only)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import Select, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.auth import service as auth
from flowpilot.auth.models import User
from flowpilot.auth.service import Principal
from flowpilot.errors import UnprocessableInput
from flowpilot.integrations.delivery import UNEXPECTED_SHAPE, unexpected_answer
from flowpilot.integrations.models import PsaConnection, PsaPersonMapping
from flowpilot.integrations.psa.base import PsaError, PsaPerson
from flowpilot.integrations.schemas import (
    MEMBER_IDENTIFIER,
    PsaPeopleOut,
    PsaPersonIn,
    PsaPersonLookupOut,
    PsaPersonOut,
    PsaPersonRow,
)
from flowpilot.integrations.service import PsaFailed, adapter, fallback_person, get_connection

VENDOR_NAMES = {"connectwise": "ConnectWise", "halo": "HaloPSA", "autotask": "Autotask"}
PERSON_KINDS = {"connectwise": "member", "halo": "agent", "autotask": "resource"}


def mappings_of(account_id: uuid.UUID) -> Select[PsaPersonMapping]:
    return select(PsaPersonMapping).where(PsaPersonMapping.account_id == account_id)


def _kind(connection: PsaConnection) -> str:
    return PERSON_KINDS[connection.vendor]


def _vendor(connection: PsaConnection) -> str:
    return VENDOR_NAMES[connection.vendor]


def _person(row: PsaPersonMapping) -> PsaPerson:
    return PsaPerson(id=row.person_id, name=row.person_name, role_id=row.role_id)


def _fallback_text(connection: PsaConnection) -> str | None:
    person = fallback_person(connection)
    if person is None:
        return None
    role = f" (role {person.role_id})" if person.role_id else ""
    return f"{_kind(connection)} {person.id}{role}"


def _row(user: User, mapping: PsaPersonMapping | None) -> PsaPersonRow:
    return PsaPersonRow(
        user_id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        is_active=user.is_active,
        mapping=PsaPersonOut(
            person_id=mapping.person_id,
            person_name=mapping.person_name,
            role_id=mapping.role_id,
            source=mapping.source,  # type: ignore[arg-type]
            updated_at=mapping.updated_at,
        )
        if mapping is not None
        else None,
    )


async def _mapping(
    db: AsyncSession, connection: PsaConnection, user_id: uuid.UUID
) -> PsaPersonMapping | None:
    return await db.scalar(
        mappings_of(connection.account_id).where(
            PsaPersonMapping.psa_connection_id == connection.id,
            PsaPersonMapping.user_id == user_id,
        )
    )


async def list_people(
    db: AsyncSession, principal: Principal, connection_id: uuid.UUID
) -> PsaPeopleOut:
    connection = await get_connection(db, principal.account_id, connection_id)
    users = list(
        await db.scalars(
            auth.users_of(principal).order_by(
                User.is_active.desc(), func.lower(func.coalesce(User.full_name, "")), User.email
            )
        )
    )
    mapped = {
        m.user_id: m
        for m in await db.scalars(
            mappings_of(principal.account_id).where(
                PsaPersonMapping.psa_connection_id == connection.id
            )
        )
    }
    return PsaPeopleOut(
        connection_id=connection.id,
        vendor=connection.vendor,  # type: ignore[arg-type]
        person_kind=_kind(connection),  # type: ignore[arg-type]
        needs_role=connection.vendor == "autotask",
        fallback=_fallback_text(connection),
        people=[_row(u, mapped.get(u.id)) for u in users],
    )


async def _save(
    db: AsyncSession,
    principal: Principal,
    connection: PsaConnection,
    user: User,
    person: PsaPerson,
    source: str,
) -> PsaPersonMapping:
    """Insert or replace the user's mapping on the connection in one statement (two admins
    saving at once both succeed; the last one wins)."""
    values = {
        "person_id": person.id,
        "person_name": person.name[:200],
        "role_id": person.role_id,
        "source": source,
        "set_by_id": principal.user_id,
        "updated_at": func.now(),
    }
    statement = (
        insert(PsaPersonMapping)
        .values(
            id=uuid.uuid4(),
            account_id=principal.account_id,
            psa_connection_id=connection.id,
            user_id=user.id,
            **values,
        )
        .on_conflict_do_update(
            index_elements=[PsaPersonMapping.psa_connection_id, PsaPersonMapping.user_id],
            set_=values,
        )
        .returning(PsaPersonMapping.id)
    )
    mapping_id = (await db.execute(statement)).scalar_one()
    saved = await db.scalar(
        mappings_of(principal.account_id)
        .where(PsaPersonMapping.id == mapping_id)
        .execution_options(populate_existing=True)
    )
    assert saved is not None
    return saved


def _checked(connection: PsaConnection, body: PsaPersonIn) -> PsaPerson:
    """A typed-in id in the vendor's form (nothing is asked of the vendor: a wrong id shows
    as the vendor's refusal when time is pushed)."""
    person_id = body.person_id.strip()
    kind, vendor = _kind(connection), _vendor(connection)
    if connection.vendor == "connectwise":
        if not re.fullmatch(MEMBER_IDENTIFIER, person_id):
            raise UnprocessableInput(
                f"A {vendor} member is given by its identifier (letters, digits, . _ @ -), "
                "e.g. jdoe",
                code="invalid_person",
            )
    elif not person_id.isdigit() or len(person_id) > 18:
        raise UnprocessableInput(
            f"A {vendor} {kind} is given by its numeric id", code="invalid_person"
        )
    if connection.vendor == "autotask" and not body.role_id:
        raise UnprocessableInput(
            "Autotask time entries need the role the resource works in: give role_id",
            code="role_required",
        )
    if connection.vendor != "autotask" and body.role_id:
        raise UnprocessableInput(f"{vendor} takes no role id on a {kind}", code="invalid_person")
    name = (body.person_name or "").strip() or f"{kind} {person_id}"
    return PsaPerson(id=person_id, name=name, role_id=body.role_id)


async def set_manual(
    db: AsyncSession,
    principal: Principal,
    connection_id: uuid.UUID,
    user_id: uuid.UUID,
    body: PsaPersonIn,
) -> PsaPersonRow:
    connection = await get_connection(db, principal.account_id, connection_id)
    user = await auth.get_user(db, principal, user_id)
    saved = await _save(db, principal, connection, user, _checked(connection, body), "manual")
    return _row(user, saved)


async def remove(
    db: AsyncSession, principal: Principal, connection_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    connection = await get_connection(db, principal.account_id, connection_id)
    user = await auth.get_user(db, principal, user_id)
    await db.execute(
        delete(PsaPersonMapping).where(
            PsaPersonMapping.account_id == principal.account_id,
            PsaPersonMapping.psa_connection_id == connection.id,
            PsaPersonMapping.user_id == user.id,
        )
    )


async def look_up(
    db: AsyncSession,
    principal: Principal,
    connection_id: uuid.UUID,
    user_id: uuid.UUID,
    email: str | None,
    secret_key: str,
) -> PsaPersonLookupOut:
    """Ask the vendor who has the user's e-mail (or the one given): exactly one active
    person is saved as the mapping; none, only inactive ones, or several are said so and
    change nothing."""
    connection = await get_connection(db, principal.account_id, connection_id)
    user = await auth.get_user(db, principal, user_id)
    address = (email or user.email).strip()
    kind, vendor = _kind(connection), _vendor(connection)
    try:
        found = await adapter(connection, secret_key).find_people(address)
    except UNEXPECTED_SHAPE as exc:
        raise PsaFailed(unexpected_answer(connection.name, exc).message) from exc
    except PsaError as exc:
        raise PsaFailed(exc.message, retryable=exc.retryable) from exc
    current = await _mapping(db, connection, user.id)
    active = [p for p in found if p.active]
    if not active:
        inactive = ", ".join(f"{p.name} ({p.id})" for p in found)
        message = f"{vendor} has no active {kind} with the e-mail {address}" + (
            f" (only inactive: {inactive})" if inactive else ""
        )
        return PsaPersonLookupOut(found=False, message=message, person=_row(user, current))
    if len(active) > 1:
        listed = ", ".join(f"{p.name} ({p.id})" for p in active)
        return PsaPersonLookupOut(
            found=False,
            message=f"{len(active)} {vendor} {kind}s have the e-mail {address}: {listed}; "
            "type the right id in",
            person=_row(user, current),
        )
    person = active[0]
    if person.role_id is None and current is not None and current.person_id == person.id:
        person = PsaPerson(id=person.id, name=person.name, role_id=current.role_id)
    saved = await _save(db, principal, connection, user, person, "lookup")
    message = f"Mapped to {vendor} {kind} {person.name} ({person.id})"
    if connection.vendor == "autotask" and not person.role_id:
        message += "; it has no default service-desk role, so type the role id in"
    return PsaPersonLookupOut(found=True, message=message, person=_row(user, saved))


# ── who a push writes as ──


@dataclass(frozen=True)
class Attribution:
    """The engineer's own mapping on the connection, and the connection's fixed person."""

    own: PsaPerson | None
    fallback: PsaPerson | None


class Unattributed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def attribution(
    db: AsyncSession, connection: PsaConnection, user_id: uuid.UUID | None
) -> Attribution:
    mapping = await _mapping(db, connection, user_id) if user_id is not None else None
    return Attribution(
        own=_person(mapping) if mapping is not None else None,
        fallback=fallback_person(connection),
    )


def time_person(connection: PsaConnection, found: Attribution, who: str) -> PsaPerson:
    """Whose time it is: the engineer's own mapping, else (only when they have none) the
    connection's fixed person; never anyone else. Raises Unattributed with what to do."""
    kind, vendor = _kind(connection), _vendor(connection)
    who = who or "The engineer who pushed"
    person = found.own or found.fallback
    if person is None:
        raise Unattributed(
            f"{who} has no {vendor} {kind} mapped on {connection.name}, and the connection "
            f"has no fixed {kind} for time entries, so the time would be logged as someone "
            "else: an admin maps them under Settings → PSA connections → People"
        )
    if connection.vendor == "autotask" and not person.role_id:
        raise Unattributed(
            f"{who}'s Autotask resource {person.id} on {connection.name} has no role id "
            "(Autotask time entries need one): an admin adds it under Settings → PSA "
            "connections → People"
        )
    return person
