"""The catalogue's writes: an operator adds a plan or changes one (the CSV import is
``core.imports.plans``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tortoise.exceptions import IntegrityError

from core.billing.models import Plan
from core.billing.read_models import PlanInfo
from core.config import Settings
from core.errors import Conflict, NotFound


class Plans:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def create(self, fields: Mapping[str, Any]) -> PlanInfo:
        """A new plan from its column values (validated by the caller); in the settings'
        currency unless it names one. Errors: plan_code_taken {plan_code}."""
        values = {"currency": self.settings.currency, **fields}
        try:
            return PlanInfo.of(await Plan.create(**values))
        except IntegrityError:
            raise Conflict("plan_code_taken", plan_code=values.get("code")) from None

    async def update(self, code: str, changes: Mapping[str, Any]) -> PlanInfo:
        """Change the given columns of a plan. Errors: plan_not_found {plan_code}."""
        plan = await Plan.get_or_none(code=code)
        if plan is None:
            raise NotFound("plan_not_found", plan_code=code)
        if changes:
            await Plan.filter(id=plan.id).update(**changes)
            await plan.refresh_from_db()
        return PlanInfo.of(plan)
