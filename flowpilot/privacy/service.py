"""The account's AI privacy level and each session's vault of placeholders."""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.ai.base import ChatProvider
from flowpilot.auth.models import Account
from flowpilot.privacy.models import RedactionEntry
from flowpilot.privacy.provider import RedactingProvider, is_cloud
from flowpilot.privacy.scrub import Identifiers
from flowpilot.privacy.vault import Vault
from flowpilot.sessions import service as sessions
from flowpilot.sessions.models import AISession

LEVELS = ("secrets", "identifiers")


# The account's level as a column another read can carry (a chat turn's account settings).
LEVEL_COLUMN = Account.ai_redaction
# Read by every model call outside a chat turn: built once, the account a parameter.
_LEVEL = select(LEVEL_COLUMN).where(Account.id == bindparam("account_id"))


def level_from(value: str | None) -> str:
    return value or "secrets"


async def level_of(db: AsyncSession, account_id: uuid.UUID) -> str:
    return level_from(await db.scalar(_LEVEL, {"account_id": account_id}))


async def vault_for(db: AsyncSession, session: AISession) -> Vault:
    rows = await db.execute(
        select(
            RedactionEntry.original_key, RedactionEntry.placeholder, RedactionEntry.original
        ).where(
            RedactionEntry.session_id == session.id,
            RedactionEntry.account_id == session.account_id,
        )
    )
    known = {key: (placeholder, original) for key, placeholder, original in rows.tuples()}
    ids = Identifiers.of(
        session.intake or {}, await sessions.account_companies(db, session.account_id)
    )
    return Vault(ids=ids, known=known)


async def guarded(
    db: AsyncSession, provider: ChatProvider, session: AISession, level: str | None = None
) -> tuple[ChatProvider, Vault | None]:
    """The provider to use for this session: wrapped in its vault when the account hides
    client identifiers and the provider is a cloud model. `level`: the account's level when
    the caller has read it already."""
    if not is_cloud(provider):
        return provider, None
    if (level or await level_of(db, session.account_id)) != "identifiers":
        return provider, None
    vault = await vault_for(db, session)
    return RedactingProvider(provider, vault), vault


async def remember(
    db: AsyncSession, session_id: uuid.UUID, account_id: uuid.UUID, vault: Vault | None
) -> None:
    """Store the placeholders this call gave out (a value another call stored meanwhile keeps
    the placeholder stored first)."""
    if vault is None or not vault.new:
        return
    for kind, original, placeholder in vault.new:
        await db.execute(
            insert(RedactionEntry)
            .values(
                id=uuid.uuid4(),
                session_id=session_id,
                account_id=account_id,
                kind=kind,
                original=original,
                original_key=original.casefold(),
                placeholder=placeholder,
            )
            .on_conflict_do_nothing()
        )
    vault.new.clear()


async def entries(db: AsyncSession, session: AISession) -> list[RedactionEntry]:
    return list(
        await db.scalars(
            select(RedactionEntry)
            .where(
                RedactionEntry.session_id == session.id,
                RedactionEntry.account_id == session.account_id,
            )
            .order_by(RedactionEntry.created_at, RedactionEntry.placeholder)
        )
    )
