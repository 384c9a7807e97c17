"""Campaign charges and their log, service and bill history, the service panel, and the job that
ends finished services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.accounts.enums import LineStatus
from core.accounts.models import LineStatusChange, Subscriber
from core.billing.enums import (
    BucketKind,
    OrderKind,
    PlanKind,
    SubscriptionSource,
    SubscriptionStatus,
    WalletEntryKind,
)
from core.billing.models import CampaignCharge, Subscription, TrafficBucket
from core.billing.units import mb_to_bytes
from tests.core import test_billing_support as support
from tests.core.test_billing_support import error_of, make_plans, make_subscriber, pay

billing = support.billing
gateway = support.gateway
queries = support.queries


# -- campaign charges ------------------------------------------------------------------------


async def test_a_campaign_charge_is_applied_once_per_period_and_logged(db, billing, queries, clock):
    await make_plans()
    kamal = await make_subscriber()
    sub = await billing.subscriptions.grant_service(kamal.id, "campaign")
    plain = await make_subscriber("3132239701")
    await billing.subscriptions.grant_service(plain.id, "std-1m")

    assert await billing.billing_jobs.run_campaign_charges("2026-11") == 1
    assert await billing.billing_jobs.run_campaign_charges("2026-11") == 0

    [bucket] = await TrafficBucket.filter(kind=BucketKind.CAMPAIGN)
    assert (bucket.subscriber_id, bucket.total_bytes, bucket.valid_until) == (  # type: ignore[attr-defined]
        kamal.id,
        mb_to_bytes(5120),
        sub.ends_at,
    )
    [line] = await queries.campaign_history(kamal.id)
    assert (line.period, line.plan.code, line.megabytes, line.result, line.charged_at) == (
        "2026-11",
        "campaign",
        5120,
        "applied",
        clock.now(),
    )
    status = await queries.service_status(kamal.id)
    assert status.remaining_bytes == mb_to_bytes(5 * 1024 + 5120)

    clock.advance(timedelta(days=8))
    assert await billing.billing_jobs.run_campaign_charges("2026-12") == 1
    history = await queries.campaign_history(kamal.id)
    assert [h.period for h in history] == ["2026-12", "2026-11"]
    assert await queries.campaign_history(plain.id) == []


async def test_a_closed_line_gets_no_campaign_traffic_but_the_skip_is_logged(db, billing, queries):
    await make_plans()
    kamal = await make_subscriber()
    await billing.subscriptions.grant_service(kamal.id, "campaign")
    await Subscriber.filter(id=kamal.id).update(line_status=LineStatus.CLOSED)

    assert await billing.billing_jobs.run_campaign_charges("2026-11") == 0

    assert await TrafficBucket.filter(kind=BucketKind.CAMPAIGN).count() == 0
    [line] = await queries.campaign_history(kamal.id)
    assert (line.megabytes, line.result) == (0, "skipped_line_closed")
    assert await billing.billing_jobs.run_campaign_charges("2026-11") == 0
    assert await CampaignCharge.all().count() == 1


async def test_the_free_charge_window_of_a_campaign_plan_gets_no_campaign_traffic(
    db, billing, queries, clock
):
    await make_plans()
    kamal = await make_subscriber()
    await billing.subscriptions.grant_service(
        kamal.id, "campaign", starts_at=clock.now() - timedelta(days=31)
    )
    grant = await billing.free_charges.take(kamal.id)

    assert await billing.billing_jobs.run_campaign_charges("2026-11") == 0

    assert await TrafficBucket.filter(kind=BucketKind.CAMPAIGN).count() == 0
    status = await queries.service_status(kamal.id)
    assert status.remaining_bytes == mb_to_bytes(grant.megabytes) == mb_to_bytes(100)


async def test_a_campaign_period_must_be_a_month(db, billing):
    for period in ("2026-13", "2026-1", "26-11", "", None):
        error = await error_of(billing.billing_jobs.run_campaign_charges(period))  # type: ignore[arg-type]
        assert (error.code, error.details) == ("invalid_period", {"period": period})


# -- history ---------------------------------------------------------------------------------


async def test_service_and_bill_history_newest_first(db, billing, queries, clock):
    await make_plans()
    kamal = await make_subscriber()
    first = await billing.subscriptions.grant_service(
        kamal.id,
        "std-1m",
        source=SubscriptionSource.SALES_AGENT,
        starts_at=clock.now() - timedelta(days=10),
    )
    order = await pay(
        billing,
        await billing.orders.place_order(
            kamal.id, OrderKind.RENEW_SERVICE, "std-1m", gateway="fakepay"
        ),
    )
    ip = await pay(
        billing,
        await billing.orders.place_order(
            kamal.id, OrderKind.STATIC_IP, "static-ip", months=2, gateway="fakepay"
        ),
    )

    services = await queries.service_history(kamal.id)
    assert [(s.plan.code, s.source, s.status, s.tracking_number) for s in services] == [
        ("std-1m", SubscriptionSource.ONLINE, SubscriptionStatus.RESERVED, order.tracking_number),
        ("std-1m", SubscriptionSource.SALES_AGENT, SubscriptionStatus.ACTIVE, None),
    ]
    assert services[0].starts_at == first.ends_at
    assert services[0].price_paid == 500_000
    assert len(await queries.service_history(kamal.id, limit=1)) == 1

    bills = await queries.bill_history(kamal.id)
    assert [(b.plan.code, b.days, b.amount, b.note, b.tracking_number) for b in bills] == [
        ("std-1m", 30, 545_000, "renew_service", order.tracking_number),
        ("static-ip", 61, 109_000, "static_ip", ip.tracking_number),
        ("std-1m", 30, 500_000, "sales_agent", None),
    ]
    assert all(type(b.amount) is int for b in bills)
    assert bills[0].starts_at == first.ends_at


async def test_wallet_history_lists_every_movement_with_its_order(db, billing, queries, clock):
    await make_plans()
    kamal = await make_subscriber()
    await billing.subscriptions.grant_service(
        kamal.id, "year-2m", starts_at=clock.now() - timedelta(days=13)
    )
    order = await billing.orders.place_order(kamal.id, OrderKind.CHANGE_SERVICE, "year-1m")
    clock.advance(timedelta(minutes=1))
    await billing.wallet.adjust(kamal.id, -38_767, "correction")

    lines = await queries.wallet_history(kamal.id)
    assert [(w.kind, w.amount, w.tracking_number) for w in lines] == [
        (WalletEntryKind.ADJUSTMENT, -38_767, None),
        (WalletEntryKind.PRORATION_CREDIT, 838_767, order.tracking_number),
    ]
    assert await queries.wallet_balance(kamal.id) == 800_000
    error = await error_of(billing.wallet.adjust(kamal.id, -800_001))
    assert (error.code, error.details) == (
        "wallet_insufficient",
        {"balance": 800_000, "amount": -800_001},
    )
    assert (await error_of(billing.wallet.adjust(kamal.id, 0))).code == "invalid_amount"


# -- the service panel -----------------------------------------------------------------------


async def test_remaining_days_are_counted_in_the_subscribers_zone(db, billing, queries, clock):
    await make_plans()
    ends = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)  # 22:30 in Tehran, 02:00 next day in Jakarta
    tehran = await make_subscriber()
    jakarta = await make_subscriber("3132239701", timezone="Asia/Jakarta")
    for who in (tehran, jakarta):
        await billing.subscriptions.grant_service(
            who.id, "std-1m", starts_at=ends - timedelta(days=30)
        )

    assert (await queries.service_status(tehran.id)).remaining_days == 2
    assert (await queries.service_status(jakarta.id)).remaining_days == 3


async def test_the_panel_shows_remaining_traffic_in_gb_with_two_decimals(
    db, billing, queries, clock
):
    await make_plans()
    kamal = await make_subscriber()
    await billing.subscriptions.grant_service(kamal.id, "year-2m")  # 40 GB + 10 GB gift
    await billing.usage.record_session(
        kamal.id, "s", clock.now(), None, mb_to_bytes(50 * 1024) - 4_552_665_088, 0
    )

    status = await queries.service_status(kamal.id)

    assert status.remaining_bytes == 4_552_665_088
    assert str(status.remaining_gb) == "4.24"
    assert (status.plan.code, status.plan.speed_kbps, status.remaining_days) == (
        "year-2m",
        1024,
        365,
    )
    assert status.line_status == LineStatus.IN_OPERATION
    nobody = await make_subscriber("3132239701")
    empty = await queries.service_status(nobody.id)
    assert (empty.has_service, empty.remaining_days, empty.remaining_gb) == (False, 0, 0)
    assert (await error_of(queries.service_status(999_999))).code == "subscriber_not_found"


async def test_the_catalogue_lists_active_plans_of_a_kind_cheapest_first(db, queries):
    await make_plans()
    await support.Plan.filter(code="year-1m").update(active=False)
    services = await queries.catalogue(OrderKind.CHANGE_SERVICE, "IRR")
    assert [p.code for p in services] == ["std-1m", "campaign", "year-2m", "unlimited", "year-8m"]
    assert [p.code for p in await queries.catalogue(PlanKind.TRAFFIC, "IRR")] == ["gb-5"]
    assert await queries.catalogue(PlanKind.TRAFFIC, "IDR") == []
    assert (await queries.plan("unlimited")).unlimited
    assert await queries.plan("nope") is None


# -- ending finished services ----------------------------------------------------------------


async def test_a_service_that_ran_out_ends_and_the_line_goes_to_the_collection_list(
    db, billing, clock
):
    await make_plans()
    lapsed = await make_subscriber()
    renewed = await make_subscriber("3132239701")
    running = await make_subscriber("3132239702")
    start = clock.now() - timedelta(days=30) + timedelta(hours=1)  # ends in an hour
    old = await billing.subscriptions.grant_service(lapsed.id, "std-1m", starts_at=start)
    await billing.subscriptions.grant_service(renewed.id, "std-1m", starts_at=start)
    ahead = await billing.subscriptions.grant_service(
        renewed.id, "std-1m", starts_at=start + timedelta(days=30)
    )
    await billing.subscriptions.grant_service(running.id, "std-1m")
    assert await billing.billing_jobs.end_expired_subscriptions() == 0
    clock.advance(timedelta(hours=2))

    assert await billing.billing_jobs.end_expired_subscriptions() == 2
    assert await billing.billing_jobs.end_expired_subscriptions() == 0

    old = await Subscription.get(id=old.id)
    ahead = await Subscription.get(id=ahead.id)
    assert old.status == SubscriptionStatus.ENDED
    assert ahead.status == SubscriptionStatus.ACTIVE
    lines = dict(await Subscriber.all().values_list("id", "line_status"))
    assert lines == {
        lapsed.id: LineStatus.IN_COLLECTION_LIST,
        renewed.id: LineStatus.IN_OPERATION,
        running.id: LineStatus.IN_OPERATION,
    }
    [change] = await LineStatusChange.all()
    assert (change.subscriber_id, change.status, change.reason, change.changed_at) == (  # type: ignore[attr-defined]
        lapsed.id,
        LineStatus.IN_COLLECTION_LIST,
        "service_ended",
        clock.now(),
    )
    assert await Subscription.filter(status=SubscriptionStatus.ACTIVE).count() == 2
