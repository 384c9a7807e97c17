"""Plans: the catalogue, sold and retired, paged by code; a new plan validated by the rules the
plans' import keeps (core/billing/plan_rules.py: whole minor units, days, traffic, currency...);
retiring one stops its sale while the subscriptions that have it keep it. Through the staff's
plans service (core/staff/plans.py), audited."""

from __future__ import annotations

from decimal import Decimal

from aiohttp import web

from bot.dialogs.normalize import to_ascii_digits
from bot.staff.context import STAFF_SETTINGS, actor, current_texts, services
from bot.staff.guard import requires
from bot.staff.ops_forms import PLAN_KINDS, field_errors, render_ops
from bot.staff.sessions import PATH
from core.billing.enums import Billing, PlanKind
from core.billing.plan_rules import NUMBERS
from core.billing.pricing import vat
from core.billing.read_models import PlanInfo
from core.errors import Conflict, FieldErrors
from core.staff.plans import FORM_FIELDS, plan_page
from core.staff.roles import Permission

routes = web.RouteTableDef()

MAX_CELL = 200
# The numbers' cells: Persian digits and the separators people type are read as ASCII.
_NUMBER_FIELDS = frozenset(NUMBERS)
_SEPARATORS = str.maketrans("", "", "٬, \u00a0\u202f")


@routes.get("/plans")
@requires(Permission.MANAGE_PLANS)
async def plan_list(request: web.Request) -> web.StreamResponse:
    return await _list(request, {}, {"kind": PlanKind.SERVICE.value})


async def _list(
    request: web.Request, errors: dict[str, str], form: dict[str, str], status: int = 200
) -> web.Response:
    after = request.query.get("after", "")[:MAX_CELL] or None
    page = await plan_page(after)
    percent = request.app[STAFF_SETTINGS].vat_percent
    context = {
        "page": page,
        "rows": [(p, _with_vat(p, percent)) for p in page.rows],
        "after": after,
        "errors": errors,
        "form": form,
        "kinds": list(PLAN_KINDS),
        "billings": [b.value for b in Billing],
        "vat_percent": percent,
        "default_currency": request.app[STAFF_SETTINGS].currency,
        "done": request.query.get("done", ""),
    }
    return render_ops(request, "plans.html", context, status=status)


def _with_vat(plan: PlanInfo, percent: Decimal) -> int:
    return plan.price + vat(plan.price, percent)


@routes.post("/plans")
@requires(Permission.MANAGE_PLANS)
async def create_plan(request: web.Request) -> web.StreamResponse:
    posted = await request.post()
    cells = {name: str(posted.get(name, ""))[:MAX_CELL] for name in FORM_FIELDS}
    typed = {
        name: to_ascii_digits(value).translate(_SEPARATORS) if name in _NUMBER_FIELDS else value
        for name, value in cells.items()
    }
    try:
        created = await services(request).plans.create(actor(request), typed)
    except (FieldErrors, Conflict) as refused:
        if isinstance(refused, Conflict):
            refused = FieldErrors([("code", refused.code)])
        errors = field_errors(current_texts(request), refused, NUMBERS)
        return await _list(request, errors, cells, 422)
    raise web.HTTPSeeOther(f"{PATH}/plans?done=created#plan-{created.code}")


@routes.post("/plans/retire")
@requires(Permission.MANAGE_PLANS)
async def retire_plan(request: web.Request) -> web.StreamResponse:
    posted = await request.post()
    code = str(posted.get("code", ""))[:MAX_CELL]
    changed = await services(request).plans.retire(actor(request), code)
    raise web.HTTPSeeOther(f"{PATH}/plans?done={'retired' if changed else 'unchanged'}")
