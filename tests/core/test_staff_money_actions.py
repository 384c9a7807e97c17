"""The console's service and money actions on a subscriber: each through the core service the
admin API and the agents' group use, each with its audit entry in the same transaction, and a
refusal writing neither. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from core.accounts import queries
from core.accounts.enums import LineStatus
from core.alerts import kinds
from core.billing.deposits import Deposits
from core.billing.enums import OrderKind, WalletEntryKind
from core.billing.ip_pool import parse_static_ip_pool
from core.billing.models import ServicePause, WalletEntry
from core.billing.pauses import Pauses
from core.billing.static_ips import StaticIps
from core.errors import DomainError
from core.inbox.models import OutboxMessage
from core.staff import audit
from core.staff.audit import Actor
from core.staff.models import AuditEntry
from core.staff.money_actions import MoneyActions
from tests.core import test_billing_support as support
from tests.core.test_billing_support import (
    error_of,
    make_plans,
    make_subscriber,
    pay,
    seed_year_service,
)

billing = support.billing
gateway = support.gateway

NINA = Actor(None, "nina")
POOL = "198.51.100.10-198.51.100.11"


@pytest.fixture
def money(billing, settings, clock) -> MoneyActions:
    return MoneyActions(
        clock,
        billing.subscriptions,
        billing.free_charges,
        StaticIps(parse_static_ip_pool(POOL)),
        Deposits(clock),
        billing.orders,
        Pauses(settings, clock),
    )


async def paid_order(billing, subscriber):
    order = await billing.orders.place_order(subscriber.id, OrderKind.BUY_TRAFFIC, "gb-5")
    return await pay(billing, order)


async def test_a_refund_goes_to_the_wallet_tells_the_subscriber_and_is_audited(
    db, billing, money, clock
):
    await make_plans()
    subscriber = await make_subscriber()
    await seed_year_service(billing, subscriber, clock.now())
    order = await paid_order(billing, subscriber)

    await money.refund(NINA, subscriber.id, order.tracking_number, 40_000, "  line down  3 days ")

    assert await billing.queries.wallet_balance(subscriber.id) == 40_000
    notice = await OutboxMessage.get(kind=kinds.WALLET_REFUNDED)
    assert notice.params == {
        "tracking_number": order.tracking_number,
        "amount": 40_000,
        "currency": "IRR",
        "note": "line down 3 days",
    }
    [entry] = await audit.entries_for("subscriber", subscriber.id)
    assert (entry.actor_name, entry.action, entry.before) == (
        "nina",
        "subscriber.refund",
        {"wallet": 0},
    )
    assert entry.after == {
        "wallet": 40_000,
        "tracking_number": order.tracking_number,
        "amount": 40_000,
        "note": "line down 3 days",
    }


async def test_two_refunds_of_one_order_at_once_pay_once(db, billing, money, clock):
    await make_plans()
    subscriber = await make_subscriber()
    await seed_year_service(billing, subscriber, clock.now())
    order = await paid_order(billing, subscriber)

    results = await asyncio.gather(
        *(money.refund(NINA, subscriber.id, order.tracking_number, None, "twice") for _ in "ab"),
        return_exceptions=True,
    )

    refused = [r for r in results if isinstance(r, DomainError)]
    assert [r.code for r in refused] == ["order_already_refunded"]
    assert await WalletEntry.filter(kind=WalletEntryKind.REFUND).count() == 1
    assert await billing.queries.wallet_balance(subscriber.id) == order.payable
    assert await AuditEntry.filter(action="subscriber.refund").count() == 1
    assert await OutboxMessage.filter(kind=kinds.WALLET_REFUNDED).count() == 1


@pytest.mark.parametrize(
    ("amount", "note", "code"),
    [
        (None, "   ", "refund_note_missing"),
        (None, "x" * 201, "refund_note_too_long"),
        (0, "why", "refund_exceeds_payment"),
        (10**9, "why", "refund_exceeds_payment"),
    ],
)
async def test_a_refused_refund_writes_nothing(db, billing, money, clock, amount, note, code):
    await make_plans()
    subscriber = await make_subscriber()
    await seed_year_service(billing, subscriber, clock.now())
    order = await paid_order(billing, subscriber)

    error = await error_of(money.refund(NINA, subscriber.id, order.tracking_number, amount, note))

    assert error.code == code
    assert await WalletEntry.filter(kind=WalletEntryKind.REFUND).count() == 0
    assert await AuditEntry.all().count() == 0
    assert await OutboxMessage.filter(kind=kinds.WALLET_REFUNDED).count() == 0


async def test_another_subscribers_order_is_not_refunded_from_this_page(db, billing, money, clock):
    await make_plans()
    owner = await make_subscriber()
    other = await make_subscriber("3132239701")
    await seed_year_service(billing, owner, clock.now())
    order = await paid_order(billing, owner)

    error = await error_of(money.refund(NINA, other.id, order.tracking_number, None, "why"))

    assert (error.code, error.details["field"]) == ("order_not_found", "order")
    assert await WalletEntry.filter(kind=WalletEntryKind.REFUND).count() == 0


async def test_extending_the_service_moves_its_end_and_is_audited(db, billing, money, clock):
    await make_plans()
    subscriber = await make_subscriber()
    service = await seed_year_service(billing, subscriber, clock.now())

    extended = await money.extend_service(NINA, subscriber.id, 3)

    assert extended.ends_at == service.ends_at + timedelta(days=3)
    [entry] = await audit.entries_for("subscriber", subscriber.id)
    assert entry.before == {"ends_at": service.ends_at.isoformat()}
    assert entry.after == {"ends_at": extended.ends_at.isoformat(), "days": 3}
    error = await error_of(money.extend_service(NINA, subscriber.id, 32))
    assert error.code == "invalid_days"
    assert await AuditEntry.all().count() == 1


async def test_resetting_the_free_charge_lets_it_be_taken_again(db, money):
    subscriber = await make_subscriber()

    assert await money.reset_free_charge(NINA, subscriber.id) == 1

    [entry] = await audit.entries_for("subscriber", subscriber.id)
    assert (entry.before, entry.after) == (
        {"free_charge_generation": 0},
        {"free_charge_generation": 1},
    )


async def test_static_ips_come_from_the_pool_and_go_back_to_it(db, money):
    first, second, third = [await make_subscriber(f"313223970{n}") for n in range(3)]

    assert await money.assign_static_ip(NINA, first.id) == "198.51.100.10"
    taken = await error_of(money.assign_static_ip(NINA, second.id, "198.51.100.10"))
    outside = await error_of(money.assign_static_ip(NINA, second.id, "10.0.0.1"))
    nonsense = await error_of(money.assign_static_ip(NINA, second.id, "not-an-ip"))
    assert await money.assign_static_ip(NINA, second.id, " 198.51.100.11 ") == "198.51.100.11"
    exhausted = await error_of(money.assign_static_ip(NINA, third.id))

    assert [e.code for e in (taken, outside, nonsense, exhausted)] == [
        "static_ip_taken",
        "static_ip_not_in_pool",
        "invalid_static_ip",
        "static_ip_pool_exhausted",
    ]
    assert await money.release_static_ip(NINA, first.id) == "198.51.100.10"
    assert (await queries.subscriber_view(first.id)).static_ip is None
    assert await money.assign_static_ip(NINA, third.id) == "198.51.100.10"
    assert (await error_of(money.release_static_ip(NINA, first.id))).code == "no_static_ip"
    actions = [e.action for e in await audit.entries_for("subscriber", first.id)]
    assert actions == ["subscriber.release_static_ip", "subscriber.assign_static_ip"]


async def test_a_deposit_isolates_the_line_and_waiving_it_opens_it(db, money):
    subscriber = await make_subscriber()

    await money.set_deposit(NINA, subscriber.id, 500_000, 250_000)
    isolated = await queries.subscriber_view(subscriber.id)
    await money.set_deposit(NINA, subscriber.id, 0, 0)
    opened = await queries.subscriber_view(subscriber.id)

    assert isolated.line_status is LineStatus.ISOLATED
    assert opened.line_status is LineStatus.IN_OPERATION
    first, latest = reversed(await audit.entries_for("subscriber", subscriber.id))
    assert first.after == {
        "deposit": 500_000,
        "installation_fee": 250_000,
        "line_status": "isolated",
    }
    assert latest.before["line_status"] == "isolated"
    error = await error_of(money.set_deposit(NINA, subscriber.id, -1, 0))
    assert (error.code, error.details["field"]) == ("invalid_amount", "deposit")
    assert await AuditEntry.all().count() == 2


async def test_staff_resume_a_paused_line_early_and_it_is_audited(db, billing, money, clock):
    await make_plans()
    subscriber = await make_subscriber()
    current = await seed_year_service(billing, subscriber, clock.now())
    pause = await money.pauses.pause(subscriber.id, 30)
    clock.advance(timedelta(days=4))

    resumed = await money.resume_pause(NINA, subscriber.id)

    assert (resumed.resumed_at, resumed.resumed_by) == (clock.now(), "staff")
    assert (await queries.subscriber_view(subscriber.id)).paused_until is None
    status = await billing.queries.service_status(subscriber.id)
    assert status.ends_at == current.ends_at + timedelta(days=4)
    [entry] = await audit.entries_for("subscriber", subscriber.id)
    assert (entry.actor_name, entry.action) == ("nina", "subscriber.resume_pause")
    assert entry.before == {"paused_until": pause.resume_at.isoformat()}
    assert entry.after == {"paused_until": None, "resumed_at": clock.now().isoformat()}


async def test_resuming_a_line_that_is_not_paused_is_refused_and_not_audited(
    db, billing, money, clock
):
    await make_plans()
    subscriber = await make_subscriber()
    await seed_year_service(billing, subscriber, clock.now())

    error = await error_of(money.resume_pause(NINA, subscriber.id))

    assert error.code == "pause_not_paused"
    assert await audit.entries_for("subscriber", subscriber.id) == []
    assert await ServicePause.all().count() == 0
