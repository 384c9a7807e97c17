"""The one-time free charge (شارژ رایگان): 2 days, 100 MB or both, only when one ran out, once."""

from __future__ import annotations

from datetime import timedelta

from core.accounts.enums import LineStatus
from core.accounts.models import LineStatusChange, Subscriber
from core.billing.enums import BucketKind, OrderKind, SubscriptionSource, SubscriptionStatus
from core.billing.models import FreeChargeGrant, Subscription, TrafficBucket
from core.billing.units import mb_to_bytes
from tests.core import test_billing_support as support
from tests.core.test_billing_support import (
    BillingServices,
    error_of,
    make_plans,
    make_subscriber,
    pay,
)

billing = support.billing
gateway = support.gateway
queries = support.queries

HUNDRED_MB = mb_to_bytes(100)


async def expired_subscriber(billing: BillingServices, clock, **extra) -> Subscriber:
    """A subscriber whose 30-day service ended ten days ago (so its traffic is gone too)."""
    await make_plans()
    kamal = await make_subscriber(**extra)
    await billing.subscriptions.grant_service(
        kamal.id, "std-1m", starts_at=clock.now() - timedelta(days=40)
    )
    return kamal


async def use_all_traffic(billing: BillingServices, subscriber_id: int, clock) -> None:
    await billing.usage.record_session(
        subscriber_id, "s-all", clock.now(), clock.now(), mb_to_bytes(5 * 1024), 0
    )


async def test_refused_while_both_days_and_traffic_remain(db, billing, clock):
    await make_plans()
    kamal = await make_subscriber()
    await billing.subscriptions.grant_service(kamal.id, "std-1m")

    error = await error_of(billing.free_charges.take(kamal.id))

    assert error.code == "free_charge_not_eligible"
    assert error.details == {
        "reason": "service_remaining",
        "remaining_days": 30,
        "remaining_bytes": mb_to_bytes(5 * 1024),
    }
    assert await FreeChargeGrant.all().count() == 0


async def test_refused_for_a_subscriber_who_never_had_a_service(db, billing):
    kamal = await make_subscriber()
    error = await error_of(billing.free_charges.take(kamal.id))
    assert (error.code, error.details["reason"]) == ("free_charge_not_eligible", "no_service")


async def test_an_unlimited_service_never_runs_out_of_traffic(db, billing):
    await make_plans()
    kamal = await make_subscriber()
    await billing.subscriptions.grant_service(kamal.id, "unlimited")
    error = await error_of(billing.free_charges.take(kamal.id))
    assert error.details == {
        "reason": "service_remaining",
        "remaining_days": 30,
        "remaining_bytes": None,
    }


async def test_both_ran_out_gives_two_days_and_100_mb_and_reopens_the_line(
    db, billing, queries, clock
):
    kamal = await expired_subscriber(billing, clock, line_status=LineStatus.IN_COLLECTION_LIST)

    grant = await billing.free_charges.take(kamal.id)

    assert (grant.days, grant.megabytes, grant.generation) == (2, 100, 0)
    assert grant.expires_at == clock.now() + timedelta(days=2)
    window = await Subscription.get(source=SubscriptionSource.FREE_CHARGE)
    assert (window.status, window.starts_at, window.ends_at, window.price_paid) == (
        SubscriptionStatus.ACTIVE,
        clock.now(),
        clock.now() + timedelta(days=2),
        0,
    )
    status = await queries.service_status(kamal.id)
    assert status.on_free_charge
    assert (status.remaining_days, status.remaining_bytes) == (2, HUNDRED_MB)
    assert str(status.remaining_gb) == "0.10"
    await kamal.refresh_from_db()
    assert kamal.line_status == LineStatus.IN_OPERATION
    change = await LineStatusChange.get(subscriber_id=kamal.id)
    assert (change.status, change.reason) == (LineStatus.IN_OPERATION, "free_charge")


async def test_only_days_ran_out_gives_two_days_after_the_service_with_its_traffic_left(
    db, billing, queries, clock
):
    await make_plans()
    kamal = await make_subscriber()
    # Ends at 15:30 today: 0 days left, all its traffic unused.
    sub = await billing.subscriptions.grant_service(
        kamal.id, "std-1m", starts_at=clock.now() - timedelta(days=30) + timedelta(hours=5)
    )
    assert (await queries.service_status(kamal.id)).remaining_days == 0

    grant = await billing.free_charges.take(kamal.id)

    assert (grant.days, grant.megabytes) == (2, 0)
    window = await Subscription.get(source=SubscriptionSource.FREE_CHARGE)
    assert (window.status, window.starts_at, window.ends_at) == (
        SubscriptionStatus.RESERVED,
        sub.ends_at,
        sub.ends_at + timedelta(days=2),
    )
    assert await TrafficBucket.filter(kind=BucketKind.FREE_CHARGE).count() == 0
    # Inside the free days the traffic left of the service still serves to connect and pay.
    clock.advance(timedelta(hours=6))
    status = await queries.service_status(kamal.id)
    assert status.on_free_charge and status.remaining_days == 2
    assert status.remaining_bytes == mb_to_bytes(5 * 1024)


async def test_only_traffic_ran_out_gives_100_mb_until_the_service_ends(
    db, billing, queries, clock
):
    await make_plans()
    kamal = await make_subscriber()
    sub = await billing.subscriptions.grant_service(kamal.id, "std-1m")
    await use_all_traffic(billing, kamal.id, clock)
    assert (await queries.service_status(kamal.id)).traffic_ran_out

    grant = await billing.free_charges.take(kamal.id)

    assert (grant.days, grant.megabytes) == (0, 100)
    assert await Subscription.filter(source=SubscriptionSource.FREE_CHARGE).count() == 0
    bucket = await TrafficBucket.get(kind=BucketKind.FREE_CHARGE)
    assert (bucket.total_bytes, bucket.valid_until) == (HUNDRED_MB, sub.ends_at)
    status = await queries.service_status(kamal.id)
    assert (status.remaining_days, status.remaining_bytes) == (30, HUNDRED_MB)


async def test_the_free_charge_is_given_once_ever_until_an_operator_resets_it(db, billing, clock):
    kamal = await expired_subscriber(billing, clock)
    await billing.free_charges.take(kamal.id)
    clock.advance(timedelta(days=3))  # the free window ran out too: eligible again but for "once"

    error = await error_of(billing.free_charges.take(kamal.id))
    assert (error.code, error.details) == ("free_charge_already_used", {"generation": 0})

    assert await billing.free_charges.reset(kamal.id) == 1
    again = await billing.free_charges.take(kamal.id)
    assert (again.generation, again.days, again.megabytes) == (1, 2, 100)
    assert (await error_of(billing.free_charges.take(kamal.id))).code == "free_charge_already_used"
    assert await FreeChargeGrant.filter(subscriber_id=kamal.id).count() == 2
    assert (await error_of(billing.free_charges.reset(999_999))).code == "subscriber_not_found"


async def test_a_purchase_replaces_the_free_window(db, billing, queries, clock):
    kamal = await expired_subscriber(billing, clock)
    await billing.free_charges.take(kamal.id)
    clock.advance(timedelta(hours=1))

    order = await billing.orders.place_order(
        kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay"
    )
    await pay(billing, order)

    window = await Subscription.get(source=SubscriptionSource.FREE_CHARGE)
    assert (window.status, window.ends_at) == (SubscriptionStatus.REPLACED, clock.now())
    status = await queries.service_status(kamal.id)
    assert (status.plan.code, status.source, status.remaining_days) == (
        "std-1m",
        SubscriptionSource.ONLINE,
        30,
    )


async def test_a_free_charge_set_to_nothing_is_refused_as_disabled(db, settings, clock):
    settings = settings.model_copy(update={"free_charge_days": 0, "free_charge_mb": 0})
    billing = support.billing_services(settings, clock, {})
    kamal = await expired_subscriber(billing, clock)
    error = await error_of(billing.free_charges.take(kamal.id))
    assert (error.code, error.details["reason"]) == ("free_charge_not_eligible", "disabled")


async def test_the_free_charge_is_refused_on_a_closed_line_or_unknown_subscriber(
    db, billing, clock
):
    kamal = await expired_subscriber(billing, clock, line_status=LineStatus.CLOSED)
    assert (await error_of(billing.free_charges.take(kamal.id))).code == "line_closed"
    assert (await error_of(billing.free_charges.take(999_999))).code == "subscriber_not_found"


async def test_a_free_window_that_no_purchase_follows_ends_in_the_collection_list(
    db, billing, clock
):
    kamal = await expired_subscriber(billing, clock)
    await billing.free_charges.take(kamal.id)
    clock.advance(timedelta(days=2))

    assert await billing.billing_jobs.end_expired_subscriptions() == 1

    await kamal.refresh_from_db()
    assert kamal.line_status == LineStatus.IN_COLLECTION_LIST


async def test_a_renewal_bought_before_the_free_window_starts_takes_its_place(
    db, billing, queries, clock
):
    await make_plans()
    kamal = await make_subscriber()
    sub = await billing.subscriptions.grant_service(
        kamal.id, "std-1m", starts_at=clock.now() - timedelta(days=30) + timedelta(hours=5)
    )
    await billing.free_charges.take(kamal.id)  # 2 days after today's end

    order = await billing.orders.place_order(
        kamal.id, OrderKind.RENEW_SERVICE, "year-1m", gateway="fakepay"
    )
    await pay(billing, order)

    status = await queries.service_status(kamal.id)
    assert (status.reserve_plan.code, status.reserve_starts_at) == ("year-1m", sub.ends_at)
    live = await Subscription.filter(
        subscriber_id=kamal.id, status__in=(SubscriptionStatus.ACTIVE, SubscriptionStatus.RESERVED)
    ).values_list("source", flat=True)
    assert sorted(live) == [SubscriptionSource.ADMIN, SubscriptionSource.ONLINE]
    clock.advance(timedelta(hours=6))
    status = await queries.service_status(kamal.id)
    assert (status.plan.code, status.source) == ("year-1m", SubscriptionSource.ONLINE)


async def test_the_offer_tells_beforehand_what_taking_the_free_charge_would_do(
    db, billing, queries, clock
):
    kamal = await expired_subscriber(billing, clock)
    offer = await queries.free_charge_offer(kamal)
    assert (offer.available, offer.reason, offer.days, offer.megabytes) == (True, None, 2, 100)

    grant = await billing.free_charges.take(kamal.id)

    assert (grant.days, grant.megabytes) == (offer.days, offer.megabytes)
    offer = await queries.free_charge_offer(kamal)
    assert (offer.available, offer.reason, offer.days) == (False, "already_used", 0)
    fresh = await make_subscriber("3132239701")
    assert (await queries.free_charge_offer(fresh)).reason == "no_service"
    await billing.subscriptions.grant_service(fresh.id, "std-1m")
    offer = await queries.free_charge_offer(fresh)
    assert (offer.reason, offer.remaining_days) == ("service_remaining", 30)


async def test_an_unlimited_service_on_its_last_day_gets_two_unlimited_days(
    db, billing, queries, clock
):
    await make_plans()
    kamal = await make_subscriber()
    # Ends at 15:30 today: 0 days left.
    await billing.subscriptions.grant_service(
        kamal.id, "unlimited", starts_at=clock.now() - timedelta(days=30) + timedelta(hours=5)
    )
    assert (await queries.service_status(kamal.id)).remaining_days == 0

    grant = await billing.free_charges.take(kamal.id)

    assert (grant.days, grant.megabytes) == (2, 0)
    clock.advance(timedelta(hours=6))
    status = await queries.service_status(kamal.id)
    assert status.on_free_charge and status.remaining_days == 2
    assert status.remaining_bytes is None  # unlimited, as the plan was
