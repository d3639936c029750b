"""What a chat turn reads about its account, in one statement before anything is written: the
budget that may refuse the turn, the library's fingerprint (is the kept search index still
current?) and the privacy level (does a cloud model get placeholders?). Read one by one, they
were three round trips on the way to the model's first words."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Uuid, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.auth.models import Account
from flowpilot.budgets import service as budgets
from flowpilot.library.retrieval import fingerprint_column
from flowpilot.privacy import service as privacy

_ACCOUNT = bindparam("account_id", type_=Uuid)
# Built once, the account a parameter.
_FACTS = select(
    privacy.LEVEL_COLUMN,
    fingerprint_column(_ACCOUNT),
    *budgets.blocking_limit_columns(_ACCOUNT),
).where(Account.id == _ACCOUNT)


@dataclass(frozen=True)
class AccountFacts:
    account_id: uuid.UUID
    privacy_level: str
    library_fingerprint: str
    blocking: budgets.BlockingLimits | None


async def read_account_facts(db: AsyncSession, account_id: uuid.UUID) -> AccountFacts:
    row = (await db.execute(_FACTS, {"account_id": account_id})).one()
    level: str | None
    fingerprint: str | None
    monthly: Decimal | None
    engineer: Decimal | None
    level, fingerprint, monthly, engineer = row
    return AccountFacts(
        account_id=account_id,
        privacy_level=privacy.level_from(level),
        library_fingerprint=str(fingerprint),
        blocking=budgets.blocking_limits(monthly, engineer),
    )
