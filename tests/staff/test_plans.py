"""Plans from the console: listed by code (keyset), created by the rules the plans' CSV import
keeps (whole minor units, days, traffic, currency), each refusal at its field, and retired: no
longer sold, while the subscriptions that have it keep it. Each change audited."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.billing.enums import PlanKind
from core.billing.models import Plan, Subscription
from core.billing.plans import Plans
from core.billing.queries import BillingQueries
from core.errors import Conflict, FieldErrors, NotFound
from core.staff import audit
from core.staff.audit import Actor
from core.staff.models import AuditEntry
from core.staff.plans import StaffPlans, plan_page
from tests.alerts import builders as b
from tests.staff.ops_support import OPERATORS_ONLY

SARA = Actor(None, "sara")
FIBER = {"code": "fiber-100", "kind": "service", "name_en": "Fiber 100", "name_fa": "فیبر ۱۰۰",
         "speed_kbps": "102400", "traffic_mb": "", "duration_days": "30", "price": "2500000",
         "currency": "irr", "billing": "prepaid"}  # fmt: skip


@pytest.fixture
def plans(settings, clock) -> StaffPlans:
    return StaffPlans(clock, Plans(settings))


async def test_a_plan_created_follows_the_import_rules_and_is_audited(db, plans):
    created = await plans.create(SARA, FIBER)

    assert (created.code, created.price, created.currency, created.unlimited) == (
        "fiber-100", 2_500_000, "IRR", True,
    )  # fmt: skip
    assert created.names == {"en": "Fiber 100", "fa": "فیبر ۱۰۰"} and created.active
    [entry] = await audit.entries_for("plan", "fiber-100")
    assert (entry.actor_name, entry.action) == ("sara", "plan.create")
    assert entry.after["price"] == 2_500_000 and entry.after["kind"] == "service"


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({"code": "has space", "price": "1.5"},
         [("code", "invalid_plan_code"), ("price", "whole_number_too_small")]),
        ({"price": ""}, [("price", "price_required")]),
        ({"kind": "traffic", "traffic_mb": ""}, [("traffic_mb", "pack_needs_traffic")]),
        ({"duration_days": "0", "currency": "RIALS"},
         [("duration_days", "whole_number_too_small"), ("currency", "invalid_currency")]),
        ({"kind": "gift", "billing": "weekly"},
         [("kind", "unknown_plan_kind"), ("billing", "unknown_billing")]),
        ({"name_en": "x" * 121}, [("name_en", "name_too_long")]),
    ],
)  # fmt: skip
async def test_a_refused_plan_writes_nothing(db, plans, changes, problems):
    with pytest.raises(FieldErrors) as refused:
        await plans.create(SARA, {**FIBER, **changes})

    assert refused.value.details["fields"] == problems
    assert await Plan.all().count() == 0
    assert await AuditEntry.all().count() == 0


async def test_a_taken_code_is_refused_and_the_first_plan_kept(db, plans):
    await plans.create(SARA, FIBER)

    with pytest.raises(Conflict):
        await plans.create(SARA, {**FIBER, "price": "1"})

    assert (await Plan.get(code="fiber-100")).price == 2_500_000
    assert await AuditEntry.all().count() == 1


async def test_a_retired_plan_is_no_longer_sold_and_its_subscriptions_keep_it(
    db, plans, settings, clock
):
    await plans.create(SARA, FIBER)
    who = await b.subscriber()
    await b.service(who, clock.now() + timedelta(days=10), plan_code="fiber-100")
    queries = BillingQueries(settings, clock)
    assert "fiber-100" in [p.code for p in await queries.catalogue(PlanKind.SERVICE, "IRR")]

    assert await plans.retire(SARA, "fiber-100")
    assert not await plans.retire(SARA, "fiber-100")  # already: nothing written

    assert "fiber-100" not in [p.code for p in await queries.catalogue(PlanKind.SERVICE, "IRR")]
    [subscription] = await Subscription.filter(subscriber_id=who.id).prefetch_related("plan")
    assert subscription.plan.code == "fiber-100" and subscription.ends_at > clock.now()
    entries = await audit.entries_for("plan", "fiber-100")
    assert [e.action for e in entries] == ["plan.retire", "plan.create"]
    assert (entries[0].before, entries[0].after) == ({"active": True}, {"active": False})
    with pytest.raises(NotFound):
        await plans.retire(SARA, "no-such-plan")


async def test_the_catalogue_pages_by_code(db, plans):
    for code in ("c", "a", "b"):
        await plans.create(SARA, {**FIBER, "code": code})

    first = await plan_page(limit=2)
    second = await plan_page(first.next_after, limit=2)

    assert [p.code for p in first.rows] == ["a", "b"] and first.next_after == "b"
    assert [p.code for p in second.rows] == ["c"] and second.next_after is None


# ---- the pages ------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), OPERATORS_ONLY)
async def test_only_operators_and_admins_open_the_plans(console, role, status):
    await console.log_in(role)

    assert (await console.client.get("/staff/plans")).status == status


async def test_a_plan_created_and_retired_in_the_console(console):
    await console.log_in("operator")
    token = await console.csrf("/staff/plans")

    created = await console.client.post(
        "/staff/plans",
        data={**FIBER, "price": "۲٬۵۰۰٬۰۰۰", "csrf": token},
        allow_redirects=False,
    )
    assert created.status == 303
    assert (await Plan.get(code="fiber-100")).price == 2_500_000
    page = await (await console.client.get("/staff/plans?done=created")).text()
    assert "The plan was created and is on sale." in page
    assert "2,725,000" in page  # with 9 % VAT

    retired = await console.client.post(
        "/staff/plans/retire", data={"code": "fiber-100", "csrf": token}, allow_redirects=False
    )
    missing = await console.client.post("/staff/plans/retire", data={"code": "nope", "csrf": token})

    assert retired.headers["Location"] == "/staff/plans?done=retired"
    assert not (await Plan.get(code="fiber-100")).active
    assert missing.status == 404
    assert "There is no plan with that code." in await missing.text()
    actions = [e.action for e in await audit.entries_for("plan", "fiber-100")]
    assert actions == ["plan.retire", "plan.create"]


async def test_a_bad_plan_form_shows_each_error_at_its_field(console):
    await console.log_in("admin")
    token = await console.csrf("/staff/plans")
    await console.client.post("/staff/plans", data={**FIBER, "csrf": token})

    taken = await console.client.post("/staff/plans", data={**FIBER, "csrf": token})
    bad = await console.client.post(
        "/staff/plans",
        data={**FIBER, "code": "new", "duration_days": "0", "price": "-5", "csrf": token},
    )
    no_token = await console.client.post("/staff/plans", data={**FIBER, "code": "x"})

    assert taken.status == 422
    assert 'id="code-error">A plan with this code exists already.' in await taken.text()
    page = await bad.text()
    assert bad.status == 422
    assert 'id="duration_days-error">Give a whole number (at least 1).' in page
    assert 'id="price-error">Give a whole number (at least 0).' in page
    assert 'value="new"' in page
    assert no_token.status == 403
    assert await Plan.all().count() == 1
