"""/api/v1/ai-budget: this month's AI spend against the account's budget (everyone reads it;
admins set or remove the budget)."""

from __future__ import annotations

from fastapi import APIRouter

from flowpilot.audit.service import audit
from flowpilot.auth.deps import AdminUser, CurrentUser
from flowpilot.budgets import service
from flowpilot.budgets.schemas import AiBudgetIn, AiBudgetOut
from flowpilot.db.deps import DBSession

router = APIRouter(prefix="/api/v1", tags=["ai budget"])


@router.get("/ai-budget", response_model=AiBudgetOut)
async def get_budget(principal: CurrentUser, db: DBSession) -> AiBudgetOut:
    return await service.status(db, principal)


@router.put("/ai-budget", response_model=AiBudgetOut)
async def put_budget(body: AiBudgetIn, principal: AdminUser, db: DBSession) -> AiBudgetOut:
    await service.set_budget(db, principal, body)
    await audit(db, principal, "settings.ai_budget", "account", "",
                monthly_usd=str(body.monthly_usd), on_exhausted=body.action,
                engineer_monthly_usd=str(body.engineer_monthly_usd or ""))  # fmt: skip
    return await service.status(db, principal)


@router.delete("/ai-budget", response_model=AiBudgetOut)
async def delete_budget(principal: AdminUser, db: DBSession) -> AiBudgetOut:
    await service.remove_budget(db, principal)
    await audit(db, principal, "settings.ai_budget", "account", "", removed=True)
    return await service.status(db, principal)
