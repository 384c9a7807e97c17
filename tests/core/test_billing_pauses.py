"""Pausing the service: within the limits, the days and traffic left are kept (the service's end,
its traffic's validity and what is bought ahead move by the days paused), the fee is taken from
the wallet once, it resumes on the day chosen (the job) or earlier when asked (then only the days
actually paused are added), and every refusal names its reason."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from core.accounts.enums import LineStatus
from core.accounts.models import Subscriber
from core.alerts import kinds
from core.billing import state
from core.billing.enums import OrderKind, SubscriptionSource, SubscriptionStatus, WalletEntryKind
from core.billing.models import Order, ServicePause, Subscription, TrafficBucket, WalletEntry
from core.billing.pauses import YEAR, Pauses
from core.errors import DomainError, InvalidInput
from core.inbox.models import OutboxMessage
from tests.core import test_billing_support as support
from tests.core.test_billing_support import (
    error_of,
    make_plans,
    make_subscriber,
    seed_year_service,
)

FEE = 150_000
billing = support.billing
gateway = support.gateway


@pytest.fixture
def pauses(settings, clock) -> Pauses:
    return Pauses(settings.model_copy(update={"pause_fee": {"IRR": FEE}}), clock)


async def credit(subscriber_id: int, amount: int, clock) -> None:
    await WalletEntry.create(
        subscriber_id=subscriber_id,
        amount=amount,
        currency="IRR",
        kind=WalletEntryKind.ADJUSTMENT,
        created_at=clock.now(),
    )


async def paused_line(billing, clock, *, wallet: int = FEE):
    await make_plans()
    kamal = await make_subscriber()
    current = await seed_year_service(billing, kamal, clock.now())
    await credit(kamal.id, wallet, clock)
    return kamal, current


async def test_a_pause_moves_the_service_and_its_traffic_and_takes_the_fee_once(
    db, billing, pauses, clock
):
    kamal, current = await paused_line(billing, clock, wallet=FEE + 5)
    ahead = await billing.subscriptions.grant_service(kamal.id, "std-1m")
    plan_bucket = await TrafficBucket.get(subscription_id=current.id, kind="plan")

    pause = await pauses.pause(kamal.id, 14)

    assert pause.resume_at == clock.now() + timedelta(days=14)
    moved = await Subscription.get(id=current.id)
    assert moved.ends_at == current.ends_at + timedelta(days=14)
    assert (await TrafficBucket.get(id=plan_bucket.id)).valid_until == moved.ends_at
    reserved = await Subscription.get(id=ahead.id)
    assert reserved.starts_at == moved.ends_at
    assert await state.wallet_balance(kamal.id) == 5
    fee = await WalletEntry.get(subscriber_id=kamal.id, kind=WalletEntryKind.PAUSE_FEE)
    assert fee.amount == -FEE
    assert (await Subscriber.get(id=kamal.id)).paused_until == pause.resume_at
    seen = await pauses.state(kamal.id)
    assert seen.current is not None and seen.current.id == pause.id
    assert (seen.used_this_year, seen.left_this_year) == (1, 1)

    again = await error_of(pauses.pause(kamal.id, 14))
    assert again.code == "pause_already_paused"
    assert await WalletEntry.filter(kind=WalletEntryKind.PAUSE_FEE).count() == 1


async def test_the_job_resumes_on_the_day_chosen_once_and_keeps_every_day(
    db, billing, pauses, clock
):
    kamal, current = await paused_line(billing, clock)
    await pauses.pause(kamal.id, 10)
    clock.advance(timedelta(days=9, hours=23))
    assert await pauses.resume_due() == 0
    clock.advance(timedelta(hours=2))

    assert await pauses.resume_due() == 1
    assert await pauses.resume_due() == 0

    [row] = await ServicePause.all()
    assert (row.resumed_at, row.resumed_by) == (row.resume_at, "schedule")
    assert (await Subscriber.get(id=kamal.id)).paused_until is None
    # 352 days were left when it paused; 352 are left when it runs again.
    assert (await Subscription.get(id=current.id)).ends_at == current.ends_at + timedelta(days=10)
    assert (await pauses.state(kamal.id)).current is None
    [told] = await OutboxMessage.filter(subscriber_id=kamal.id, kind=kinds.SERVICE_RESUMED)
    assert told.params == {"ends_at": (current.ends_at + timedelta(days=10)).isoformat()}


async def test_resuming_early_adds_only_the_days_actually_paused(db, billing, pauses, clock):
    kamal, current = await paused_line(billing, clock)
    ahead = await billing.subscriptions.grant_service(kamal.id, "std-1m")
    plan_bucket = await TrafficBucket.get(subscription_id=current.id, kind="plan")
    await pauses.pause(kamal.id, 30)
    clock.advance(timedelta(days=3))

    resumed = await pauses.resume(kamal.id)

    assert (resumed.resumed_at, resumed.resumed_by) == (clock.now(), "subscriber")
    end = current.ends_at + timedelta(days=3)
    assert (await Subscription.get(id=current.id)).ends_at == end
    assert (await TrafficBucket.get(id=plan_bucket.id)).valid_until == end
    assert (await Subscription.get(id=ahead.id)).starts_at == end
    assert (await Subscriber.get(id=kamal.id)).paused_until is None
    assert (await error_of(pauses.resume(kamal.id))).code == "pause_not_paused"
    assert await pauses.resume_due() == 0  # ended already: the job leaves it


@pytest.mark.parametrize(
    ("days", "code", "details"),
    [
        (3, "pause_too_short", {"days": 3, "min_days": 7}),
        (61, "pause_too_long", {"days": 61, "max_days": 60}),
    ],
)
async def test_days_outside_the_limits_are_refused_with_the_limit(
    db, billing, pauses, clock, days, code, details
):
    kamal, _current = await paused_line(billing, clock)
    error = await error_of(pauses.pause(kamal.id, days))
    assert error.code == code
    assert error.details == details
    assert await ServicePause.all().count() == 0


async def test_days_that_are_no_number_are_refused(db, billing, pauses, clock):
    kamal, _current = await paused_line(billing, clock)
    with pytest.raises(InvalidInput) as caught:
        await pauses.pause(kamal.id, "14")  # type: ignore[arg-type]
    assert caught.value.code == "invalid_pause_days"


async def test_a_short_wallet_is_refused_with_what_it_lacks_and_nothing_moves(
    db, billing, pauses, clock
):
    kamal, current = await paused_line(billing, clock, wallet=FEE - 1)

    error = await error_of(pauses.pause(kamal.id, 14))

    assert error.code == "pause_wallet_short"
    assert (error.details["short"], error.details["fee"]) == (1, FEE)
    assert (await Subscription.get(id=current.id)).ends_at == current.ends_at
    assert (await Subscriber.get(id=kamal.id)).paused_until is None


async def test_the_yearly_limit_says_when_the_next_pause_may_start(db, billing, pauses, clock):
    kamal, _current = await paused_line(billing, clock, wallet=3 * FEE)
    first = clock.now()
    for _ in range(2):
        await pauses.pause(kamal.id, 7)
        clock.advance(timedelta(days=8))
        await pauses.resume_due()

    error = await error_of(pauses.pause(kamal.id, 7))

    assert error.code == "pause_limit_reached"
    assert error.details["next_at"] == (first + YEAR).isoformat()
    assert (await pauses.state(kamal.id)).next_allowed_at == first + YEAR
    clock.set(first + YEAR + timedelta(minutes=1))
    await pauses.pause(kamal.id, 7)  # the first left the 365 days


async def test_without_a_paid_service_or_on_a_blocked_line_nothing_is_paused(
    db, billing, pauses, clock
):
    await make_plans()
    kamal = await make_subscriber()
    assert (await error_of(pauses.pause(kamal.id, 7))).code == "pause_no_service"
    await billing.subscriptions.grant_service(
        kamal.id, "std-1m", source=SubscriptionSource.FREE_CHARGE
    )
    assert (await error_of(pauses.pause(kamal.id, 7))).code == "pause_no_service"
    await Subscriber.filter(id=kamal.id).update(line_status=LineStatus.CLOSED)
    assert (await error_of(pauses.pause(kamal.id, 7))).code == "line_closed"


async def test_an_isp_that_offers_no_pause_refuses_it(db, billing, settings, clock):
    kamal, _current = await paused_line(billing, clock)
    closed = Pauses(settings.model_copy(update={"pause_times_a_year": 0}), clock)
    error = await error_of(closed.pause(kamal.id, 7))
    assert error.code == "pause_not_offered"
    assert not (await closed.state(kamal.id)).limits.offered


async def test_a_free_pause_takes_nothing_from_the_wallet(db, billing, settings, clock):
    kamal, _current = await paused_line(billing, clock, wallet=0)
    free = Pauses(settings, clock)  # no fee set: free
    await free.pause(kamal.id, 7)
    assert not await WalletEntry.filter(kind=WalletEntryKind.PAUSE_FEE).exists()


async def test_two_pauses_at_once_pause_once_and_take_one_fee(pg, billing, pauses, clock):
    kamal, current = await paused_line(billing, clock, wallet=5 * FEE)

    results = await asyncio.gather(
        *(pauses.pause(kamal.id, 10) for _ in range(4)), return_exceptions=True
    )

    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(r.code == "pause_already_paused" for r in results if isinstance(r, DomainError)), (
        results
    )
    assert await WalletEntry.filter(kind=WalletEntryKind.PAUSE_FEE).count() == 1
    live = await Subscription.get(id=current.id, status=SubscriptionStatus.ACTIVE)
    assert live.ends_at == current.ends_at + timedelta(days=10)


async def test_a_paused_service_is_not_changed_until_it_runs_again(db, billing, pauses, clock):
    """Its end holds the paused days: a change of service would pay them back as credit."""
    kamal, _current = await paused_line(billing, clock)
    await pauses.pause(kamal.id, 30)

    error = await error_of(billing.orders.quote(kamal.id, OrderKind.CHANGE_SERVICE, "year-8m"))

    assert error.code == "service_paused"
    await billing.orders.quote(kamal.id, OrderKind.RENEW_SERVICE, "year-2m")  # bought ahead: fine
    await pauses.resume(kamal.id)
    await billing.orders.quote(kamal.id, OrderKind.CHANGE_SERVICE, "year-8m")


@pytest.mark.parametrize("kind", [OrderKind.CHANGE_SERVICE, OrderKind.RENEW_SERVICE])
async def test_no_pause_while_an_order_for_the_service_waits_for_its_payment(
    db, billing, pauses, settings, clock, kind
):
    kamal, current = await paused_line(billing, clock, wallet=0)
    order = await billing.orders.place_order(kamal.id, kind, "year-8m", gateway="fakepay")
    await credit(kamal.id, FEE, clock)

    error = await error_of(pauses.pause(kamal.id, 14))

    assert error.code == "pause_order_pending"
    link_end = clock.now() + timedelta(minutes=settings.payment_link_minutes)
    assert error.details == {
        "tracking_number": order.tracking_number,
        "payable_until": link_end.isoformat(),
    }
    assert (await error_of(pauses.quote(kamal.id, 14))).code == "pause_order_pending"
    assert await ServicePause.all().count() == 0
    assert (await Subscription.get(id=current.id)).ends_at == current.ends_at
    clock.set(link_end + timedelta(seconds=1))  # its link ran out: it can no longer be applied
    await pauses.pause(kamal.id, 14)


async def test_no_pause_while_a_saved_card_s_charge_sent_before_the_link_ran_out_is_unsettled(
    db, billing, pauses, settings, clock
):
    """A card's charge sent is applied whenever Stripe's answer comes, past the order's link
    time too: until it is settled no pause starts under it."""
    kamal, current = await paused_line(billing, clock, wallet=0)
    order = await billing.orders.place_order(
        kamal.id, OrderKind.RENEW_SERVICE, "year-8m", gateway="fakepay"
    )
    await Order.filter(tracking_number=order.tracking_number).update(card_sent_at=clock.now())
    await credit(kamal.id, FEE, clock)
    clock.advance(timedelta(minutes=settings.payment_link_minutes, hours=2))

    error = await error_of(pauses.pause(kamal.id, 14))

    assert (error.code, error.details) == (
        "pause_card_charge_pending", {"tracking_number": order.tracking_number},
    )  # fmt: skip
    assert await ServicePause.all().count() == 0
    assert (await Subscription.get(id=current.id)).ends_at == current.ends_at
    await billing.orders.fail_payment(order.tracking_number, "card_declined")
    await pauses.pause(kamal.id, 14)


async def test_a_top_up_waiting_for_its_payment_does_not_hold_a_pause(db, billing, pauses, clock):
    kamal, _current = await paused_line(billing, clock)
    await billing.orders.place_topup_order(kamal.id, 500_000, gateway="fakepay")
    await pauses.pause(kamal.id, 14)


async def change_paid_during_a_pause(billing, pauses, clock, days: int = 30):
    """A change of service placed before the pause (given up, so the pause was allowed) and
    paid, within its link's time, while the line is paused."""
    kamal, current = await paused_line(billing, clock, wallet=0)
    ahead = await billing.subscriptions.grant_service(kamal.id, "std-1m")
    order = await billing.orders.place_order(
        kamal.id, OrderKind.CHANGE_SERVICE, "year-8m", gateway="fakepay"
    )
    await credit(kamal.id, FEE, clock)
    await billing.orders.cancel_order(kamal.id, order.tracking_number)
    clock.advance(timedelta(minutes=1))
    pause = await pauses.pause(kamal.id, days)
    clock.advance(timedelta(minutes=5))
    applied = await support.pay(billing, order)
    assert applied.status == "applied"
    await support.pay(billing, order)  # the provider says it again: applied once
    new = await Subscription.get(order__tracking_number=applied.tracking_number)
    return kamal, current, ahead, pause, new


async def test_a_change_of_service_paid_during_a_pause_starts_when_the_pause_ends(
    db, billing, pauses, clock
):
    kamal, current, ahead, pause, new = await change_paid_during_a_pause(billing, pauses, clock)

    assert new.starts_at == pause.resume_at
    assert new.ends_at == pause.resume_at + timedelta(days=365)
    # The paused service stays in force (paused) until then, its traffic too.
    replaced = await Subscription.get(id=current.id)
    assert replaced.ends_at == pause.resume_at
    in_force = await state.current_subscription(kamal.id, clock.now())
    assert in_force is not None and in_force.id == current.id
    plan_bucket = await TrafficBucket.get(subscription_id=current.id, kind="plan")
    assert plan_bucket.valid_until == pause.resume_at
    assert (await Subscription.get(id=ahead.id)).starts_at == new.ends_at
    assert (await Subscriber.get(id=kamal.id)).paused_until == pause.resume_at
    await support.assert_books_close(kamal.id)

    clock.set(pause.resume_at + timedelta(minutes=1))
    assert await pauses.resume_due() == 1
    in_force = await state.current_subscription(kamal.id, clock.now())
    assert in_force is not None and in_force.id == new.id


async def test_resuming_early_brings_a_change_paid_during_the_pause_forward(
    db, billing, pauses, clock
):
    kamal, current, ahead, _pause, new = await change_paid_during_a_pause(billing, pauses, clock)
    clock.advance(timedelta(days=3))

    await pauses.resume(kamal.id)

    now = clock.now()
    moved = await Subscription.get(id=new.id)
    assert (moved.starts_at, moved.ends_at) == (now, now + timedelta(days=365))
    assert (await Subscription.get(id=current.id)).ends_at == now
    assert (await Subscription.get(id=ahead.id)).starts_at == moved.ends_at
    in_force = await state.current_subscription(kamal.id, now)
    assert in_force is not None and in_force.id == new.id
    new_bucket = await TrafficBucket.get(subscription_id=new.id, kind="plan")
    assert (new_bucket.valid_from, new_bucket.valid_until) == (now, moved.ends_at)
