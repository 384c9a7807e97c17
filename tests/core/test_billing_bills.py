"""Postpaid bills issued after each month from the activation (BAAB) date, once each."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from core.billing.bill_periods import next_month_start, periods_from
from core.billing.bills import Bills
from core.billing.enums import Billing, BillState
from core.billing.models import Bill, Plan
from tests.core.test_billing_support import error_of, make_subscriber


@pytest.fixture
def bills(settings, clock) -> Bills:
    return Bills(settings, clock)


async def postpaid_plan(code: str = "pp-2m", price: int = 215_000, currency: str = "IRR") -> Plan:
    """The seed's postpaid plan: 215,000 a 30-day month."""
    return await Plan.create(
        code=code,
        price=price,
        duration_days=30,
        currency=currency,
        billing=Billing.POSTPAID,
        names={"en": code},
    )


def test_jalali_months_are_the_calendar_and_the_partial_month_rides_on_the_first_bill():
    # 1405/06/20 (2026-09-11): 12 days of Shahrivar (31 days) go onto Mehr's bill (30 days).
    periods = periods_from(date(2026, 9, 11), jalali=True)
    period, following = next(periods), next(periods)
    assert (period.starts_on, period.month_starts_on, period.ends_before) == (
        date(2026, 9, 11),
        date(2026, 9, 23),  # 1405/07/01
        date(2026, 10, 23),  # 1405/08/01
    )
    assert (period.carried_days, period.month_days, period.days) == (12, 30, 42)
    assert period.amount(215_000, 30) == 86_000 + 215_000
    assert (following.carried_days, following.starts_on) == (0, date(2026, 10, 23))
    assert next_month_start(date(2026, 12, 15), jalali=False) == date(2027, 1, 1)


async def test_a_31_day_month_bills_the_seeds_222166_plus_vat_with_a_due_date(db, bills, clock):
    await postpaid_plan()
    line = await make_subscriber()
    # Activated on 1405/01/01 (2026-03-21); today is 1405/09/03: eight months have ended.
    await bills.enrol(line.id, "pp-2m", date(2026, 3, 21))

    history = await bills.bills_of(line.id)
    assert len(history) == 8
    farvardin = history[-1]
    assert (farvardin.starts_on, farvardin.ends_on, farvardin.days) == (
        date(2026, 3, 21),
        date(2026, 4, 20),  # 1405/01/31
        31,
    )
    assert (farvardin.amount, farvardin.vat, farvardin.total) == (222_166, 19_994, 242_160)
    assert farvardin.carried_days == 0
    assert farvardin.state == BillState.OPEN
    # Ten days (ISPBOT_BILL_DUE_DAYS) after the month: 1405/02/10.
    assert farvardin.due_on == date(2026, 4, 30)
    mehr = history[1]  # 1405/07: 30 days
    assert (mehr.days, mehr.amount) == (30, 215_000)
    assert all(type(b.total) is int for b in history)


async def test_issuing_again_issues_nothing_twice_and_the_next_month_once_it_ends(
    db, bills, clock, settings
):
    await postpaid_plan()
    line = await make_subscriber()
    await bills.enrol(line.id, "pp-2m", date(2026, 9, 11))  # 1405/06/20
    assert [(b.days, b.amount) for b in await bills.bills_of(line.id)] == [
        (30, 215_000),  # Aban
        (42, 301_000),  # Shahrivar's last 12 days carried onto Mehr
    ]
    assert await bills.issue_due(line.id) == []
    assert await bills.issue_all_due() == 0

    clock.set(clock.now().replace(month=12, day=23))  # 1405/10/02: Azar has ended
    issued = await bills.issue_all_due()
    assert issued == 1
    assert await bills.issue_all_due() == 0
    assert await Bill.filter(subscriber_id=line.id).count() == 3


async def test_a_gregorian_line_is_billed_by_the_calendar_month(db, bills, clock):
    await postpaid_plan("id-pp", price=300_000, currency="IDR")
    line = await make_subscriber(currency="IDR", timezone="Asia/Jakarta")
    await bills.enrol(line.id, "id-pp", date(2026, 9, 15))
    history = await bills.bills_of(line.id)
    # October (16 days of September carried: 160,000 + 310,000) and November is not over.
    assert [(b.starts_on, b.ends_on, b.days, b.amount) for b in history] == [
        (date(2026, 9, 15), date(2026, 10, 31), 47, 160_000 + 310_000)
    ]


async def test_enrolment_refuses_what_cannot_be_billed(db, bills, clock):
    await postpaid_plan()
    await Plan.create(code="prepaid", price=100, names={"en": "p"})
    line = await make_subscriber()
    assert (await error_of(bills.enrol(line.id, "prepaid", date(2026, 11, 1)))).code == (
        "plan_not_postpaid"
    )
    assert (await error_of(bills.enrol(line.id, "pp-2m", date(2026, 12, 1)))).code == (
        "invalid_activation_date"
    )
    await bills.enrol(line.id, "pp-2m", date(2026, 11, 1))
    assert (await error_of(bills.enrol(line.id, "pp-2m", date(2026, 11, 1)))).code == (
        "already_postpaid"
    )


async def test_twenty_concurrent_runs_issue_each_bill_once(pg, bills, clock):
    await postpaid_plan()
    line = await make_subscriber()
    await bills.enrol(line.id, "pp-2m", date(2026, 9, 11))
    clock.set(clock.now().replace(year=2027, month=3, day=1))
    counts = await asyncio.gather(*(bills.issue_due(line.id) for _ in range(20)))
    # 1405/12/10: Azar, Dey and Bahman have ended since.
    assert sum(len(c) for c in counts) == 3
    assert await Bill.filter(subscriber_id=line.id).count() == 5
