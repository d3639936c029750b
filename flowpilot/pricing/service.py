"""The account's price table: the shipped prices merged with its own (admins change them)."""

from __future__ import annotations

import uuid
from typing import get_args

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from flowpilot.auth.service import Principal, display_names
from flowpilot.errors import NotFound
from flowpilot.pricing.models import AiPrice
from flowpilot.pricing.prices import DEFAULTS, MAX_PER_MILLION, Price, PriceProvider, price_of
from flowpilot.pricing.schemas import AiPriceIn, AiPriceRow, AiPriceTable, PerMillionPrices


def _per_million(price: Price) -> PerMillionPrices:
    return PerMillionPrices(
        input_per_million=price.input,
        output_per_million=price.output,
        cache_write_per_million=price.cache_write,
        cache_read_per_million=price.cache_read,
    )


async def price_table(db: AsyncSession, principal: Principal) -> AiPriceTable:
    """The shipped prices merged with the account's own, each row saying which it is."""
    own = (
        await db.scalars(select(AiPrice).where(AiPrice.account_id == principal.account_id))
    ).all()
    names = await display_names(db, {p.updated_by for p in own})
    replaced = {(p.provider, p.model_prefix) for p in own}
    rows = [
        AiPriceRow(
            source="default",
            provider=provider,
            model_prefix=prefix,
            **_per_million(price).model_dump(),
        )
        for (provider, prefix), price in DEFAULTS.items()
        if (provider, prefix) not in replaced
    ]
    for p in own:
        shipped = DEFAULTS.get((p.provider, p.model_prefix))
        rows.append(
            AiPriceRow(
                source="override",
                id=p.id,
                provider=p.provider,
                model_prefix=p.model_prefix,
                **_per_million(price_of(p)).model_dump(),
                default=_per_million(shipped) if shipped else None,
                updated_at=p.updated_at,
                updated_by=names.get(p.updated_by) if p.updated_by else None,
            )
        )
    rows.sort(key=lambda r: (r.provider, r.model_prefix))
    return AiPriceTable(
        providers=list(get_args(PriceProvider)), max_per_million=float(MAX_PER_MILLION), rows=rows
    )


async def set_price(db: AsyncSession, principal: Principal, body: AiPriceIn) -> uuid.UUID:
    """Create or replace the account's price for one provider and model prefix (one atomic
    statement: two admins saving the same row at once leave one row)."""
    values = {
        "input_per_million": body.input_per_million,
        "output_per_million": body.output_per_million,
        "cache_write_per_million": body.cache_write_per_million,
        "cache_read_per_million": body.cache_read_per_million,
        "updated_by": principal.user_id,
    }
    statement = insert(AiPrice).values(
        id=uuid.uuid4(),
        account_id=principal.account_id,
        provider=body.provider,
        model_prefix=body.model_prefix,
        **values,
    )
    upsert = statement.on_conflict_do_update(
        index_elements=[AiPrice.account_id, AiPrice.provider, AiPrice.model_prefix],
        set_={**values, "updated_at": func.now()},
    ).returning(AiPrice.id)
    return (await db.execute(upsert)).scalar_one()


async def remove_price(db: AsyncSession, principal: Principal, price_id: uuid.UUID) -> AiPrice:
    """Remove one of the account's own prices (its models go back to the shipped price)."""
    price = await db.scalar(
        select(AiPrice).where(AiPrice.id == price_id, AiPrice.account_id == principal.account_id)
    )
    if price is None:
        raise NotFound("Price not found")
    await db.delete(price)
    await db.flush()
    return price
