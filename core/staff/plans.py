"""Plans from the console: created by the rules the plans' import keeps
(core/billing/plan_rules.py) through the catalogue's own service (core/billing/plans.py), and
retired: no longer sold (Buy or renew, SMS BUY, the quotes refuse it), while the subscriptions
that have it keep it to their end. Each change and its audit entry in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from core.billing.models import Plan
from core.billing.plan_rules import check_plan_cells
from core.billing.plans import Plans
from core.billing.read_models import PlanInfo
from core.errors import FieldErrors, NotFound
from core.ports import Clock
from core.staff import audit
from core.staff.audit import Actor

PLAN = "plan"
PAGE_SIZE = 50
# The cells a plan is created from; the descriptions and ``active`` (a new plan is sold) aside.
FORM_FIELDS = (
    "code",
    "kind",
    "name_fa",
    "name_id",
    "name_en",
    "speed_kbps",
    "traffic_mb",
    "gift_mb",
    "bonus_percent",
    "duration_days",
    "price",
    "currency",
    "billing",
    "monthly_campaign_mb",
)


@dataclass(frozen=True, slots=True)
class PlanPage:
    rows: tuple[PlanInfo, ...]
    # The code to pass as ``after`` for the next page; None on the last one.
    next_after: str | None


async def plan_page(after: str | None = None, limit: int = PAGE_SIZE) -> PlanPage:
    """Every plan, sold or retired, by code, a page after the code ``after`` (keyset)."""
    rows = Plan.all()
    if after:
        rows = rows.filter(code__gt=after)
    found = await rows.order_by("code").limit(limit + 1)
    page = found[:limit]
    return PlanPage(
        rows=tuple(PlanInfo.of(p) for p in page),
        next_after=page[-1].code if len(found) > limit else None,
    )


class StaffPlans:
    def __init__(self, clock: Clock, plans: Plans) -> None:
        self.clock = clock
        self.plans = plans

    async def create(self, actor: Actor, cells: Mapping[str, str]) -> PlanInfo:
        """A new plan from the form's text cells (FORM_FIELDS; an empty traffic of a service is
        unlimited). Errors: FieldErrors (the rules' codes, ``price_required``),
        ``plan_code_taken`` (under ``code``)."""
        typed = {name: cells.get(name, "").strip() for name in FORM_FIELDS}
        fields, problems = check_plan_cells(typed)
        if not typed["price"]:
            problems.append(("price", "price_required"))
        if problems:
            raise FieldErrors(problems)
        async with in_transaction():
            created = await self.plans.create(fields)
            await audit.record(
                actor,
                "plan.create",
                PLAN,
                created.code,
                self.clock.now(),
                after={name: _plain(value) for name, value in fields.items()},
            )
        return created

    async def retire(self, actor: Actor, code: str) -> bool:
        """Stop selling the plan; False (nothing written) when it was retired already.
        Errors: ``plan_not_found``."""
        async with in_transaction():
            plan = await Plan.filter(code=code).select_for_update().first()
            if plan is None:
                raise NotFound("plan_not_found", plan_code=code)
            if not plan.active:
                return False
            await self.plans.update(code, {"active": False})
            await audit.record(
                actor,
                "plan.retire",
                PLAN,
                code,
                self.clock.now(),
                before={"active": True},
                after={"active": False},
            )
        return True


def _plain(value: object) -> object:
    return str(getattr(value, "value", value)) if hasattr(value, "value") else value
