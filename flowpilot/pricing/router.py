"""/api/v1/ai-prices: the price table usage and budgets are worked out at (leads and admins
read it; admins change it)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from flowpilot.audit.service import audit
from flowpilot.auth.deps import AdminUser, CurrentUser
from flowpilot.db.deps import DBSession
from flowpilot.errors import Forbidden
from flowpilot.pricing import service
from flowpilot.pricing.schemas import AiPriceIn, AiPriceTable

router = APIRouter(prefix="/api/v1", tags=["ai prices"])


@router.get("/ai-prices", response_model=AiPriceTable)
async def get_prices(principal: CurrentUser, db: DBSession) -> AiPriceTable:
    if not principal.is_lead:
        raise Forbidden("Only leads and admins can see the price table")
    return await service.price_table(db, principal)


@router.put("/ai-prices", response_model=AiPriceTable)
async def put_price(body: AiPriceIn, principal: AdminUser, db: DBSession) -> AiPriceTable:
    """Create or replace the account's price for one provider and model prefix. The usage
    report is worked out at the new price from then on, for past months too; budget totals
    already counted keep the price they were counted at."""
    price_id = await service.set_price(db, principal, body)
    await audit(db, principal, "settings.ai_price", "ai_price", price_id,
                provider=body.provider, model_prefix=body.model_prefix,
                input_per_million=str(body.input_per_million),
                output_per_million=str(body.output_per_million),
                cache_write_per_million=str(body.cache_write_per_million),
                cache_read_per_million=str(body.cache_read_per_million))  # fmt: skip
    return await service.price_table(db, principal)


@router.delete("/ai-prices/{price_id}", response_model=AiPriceTable)
async def delete_price(price_id: uuid.UUID, principal: AdminUser, db: DBSession) -> AiPriceTable:
    """Remove one of the account's own prices: its models go back to the shipped price."""
    removed = await service.remove_price(db, principal, price_id)
    await audit(
        db, principal, "settings.ai_price", "ai_price", price_id,
        provider=removed.provider, model_prefix=removed.model_prefix, removed=True,
    )  # fmt: skip
    return await service.price_table(db, principal)
