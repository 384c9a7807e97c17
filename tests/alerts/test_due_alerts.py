"""Who is due for which alert, and when: 10:30 in each subscriber's own zone, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from core.accounts.enums import DocumentKind, DocumentStatus, LineStatus
from core.accounts.models import Document
from core.alerts import kinds
from core.alerts.sweep import AlertSweep
from core.billing.enums import OrderKind, OrderStatus, SubscriptionSource, SubscriptionStatus
from core.billing.models import FreeChargeGrant, Order
from core.clock import FixedClock
from core.config import Settings
from core.inbox.models import OutboxMessage
from tests.alerts import builders as b

TEHRAN, JAKARTA = "Asia/Tehran", "Asia/Jakarta"


@pytest.fixture
def alert_settings() -> Settings:
    # A one-hour catch-up, so that at 10:30 in one zone the other zone is outside its window.
    return Settings(_env_file=None, alert_catch_up_minutes=60, alert_page_size=2)


async def outbox() -> list[tuple[int, str, str]]:
    rows = await OutboxMessage.all().order_by("id")
    return [(r.subscriber_id, r.kind, r.dedup_key) for r in rows]  # type: ignore[attr-defined]


async def expiring_people():
    """Subscribers of Tehran (the default zone) and Jakarta whose services end around now."""
    people = {
        "tehran_in_2_days": await b.subscriber(),
        "tehran_today": await b.subscriber(TEHRAN),
        "tehran_in_3_days": await b.subscriber(),
        "tehran_renewed": await b.subscriber(),
        "tehran_free_charge": await b.subscriber(),
        "tehran_closed": await b.subscriber(line_status=LineStatus.CLOSED),
        "jakarta_in_2_days": await b.subscriber(JAKARTA),
        "jakarta_today": await b.subscriber(JAKARTA),
    }
    await b.service(people["tehran_in_2_days"], b.local(TEHRAN, 2026, 11, 26, 23, 59))
    await b.service(people["tehran_today"], b.local(TEHRAN, 2026, 11, 24, 20, 0))
    await b.service(people["tehran_in_3_days"], b.local(TEHRAN, 2026, 11, 27, 0, 1))
    renewed = people["tehran_renewed"]
    await b.service(renewed, b.local(TEHRAN, 2026, 11, 26, 9, 0))
    await b.service(
        renewed, b.local(TEHRAN, 2026, 12, 26, 9, 0), status=SubscriptionStatus.RESERVED
    )
    await b.service(
        people["tehran_free_charge"],
        b.local(TEHRAN, 2026, 11, 26, 9, 0),
        days=2,
        source=SubscriptionSource.FREE_CHARGE,
    )
    await b.service(people["tehran_closed"], b.local(TEHRAN, 2026, 11, 26, 9, 0))
    await b.service(people["jakarta_in_2_days"], b.local(JAKARTA, 2026, 11, 26, 0, 0))
    await b.service(people["jakarta_today"], b.local(JAKARTA, 2026, 11, 24, 23, 0))
    return people


async def test_at_10_30_tehran_only_tehran_subscribers_ending_in_2_days_or_today_are_due(
    db, alert_settings
):
    people = await expiring_people()
    clock = FixedClock(b.local(TEHRAN, 2026, 11, 24, 10, 30))

    report = await AlertSweep(alert_settings, clock).run()

    tehran_2, tehran_0 = people["tehran_in_2_days"].id, people["tehran_today"].id
    assert await outbox() == [
        (tehran_2, kinds.EXPIRY, f"service_expiring:2:{tehran_2}:2026-11-26"),
        (tehran_0, kinds.EXPIRY, f"service_expiring:0:{tehran_0}:2026-11-24"),
    ]
    assert report.by_kind() == {kinds.EXPIRY: 2}
    today = await OutboxMessage.get(subscriber_id=tehran_0)
    assert today.params == {
        "days_before": 0,
        "ends_at": "2026-11-24T16:30:00+00:00",
        "ended": False,
    }


async def test_at_10_30_jakarta_only_jakarta_subscribers_are_due(db, alert_settings):
    people = await expiring_people()
    # 03:30 UTC: 10:30 in Jakarta, 07:00 in Tehran.
    clock = FixedClock(b.local(JAKARTA, 2026, 11, 24, 10, 30))

    await AlertSweep(alert_settings, clock).run()

    jakarta_2, jakarta_0 = people["jakarta_in_2_days"].id, people["jakarta_today"].id
    assert await outbox() == [
        (jakarta_2, kinds.EXPIRY, f"service_expiring:2:{jakarta_2}:2026-11-26"),
        (jakarta_0, kinds.EXPIRY, f"service_expiring:0:{jakarta_0}:2026-11-24"),
    ]


async def test_nobody_is_due_a_minute_before_10_30_or_after_the_catch_up(db, alert_settings):
    await expiring_people()
    for moment in (
        b.local(TEHRAN, 2026, 11, 24, 10, 29),
        b.local(TEHRAN, 2026, 11, 24, 11, 30),  # the one-hour catch-up is over
    ):
        await AlertSweep(alert_settings, FixedClock(moment)).run()
    assert await outbox() == []


async def test_a_sweep_run_again_later_adds_nothing(db, alert_settings):
    await expiring_people()
    clock = FixedClock(b.local(TEHRAN, 2026, 11, 24, 10, 30))
    first = await AlertSweep(alert_settings, clock).run()
    clock.advance(timedelta(minutes=5))

    again = await AlertSweep(alert_settings, clock).run()

    assert (first.total, again.total) == (2, 0)
    assert await OutboxMessage.all().count() == 2


async def test_a_dry_run_counts_per_kind_and_channel_and_writes_nothing(db, alert_settings):
    people = await expiring_people()
    clock = FixedClock(b.local(TEHRAN, 2026, 11, 24, 10, 30))
    seen = clock.now()
    await b.chat(people["tehran_in_2_days"], "telegram", "111", seen=seen)
    await b.chat(people["tehran_today"], "telegram", "222", seen=seen, unreachable=True)
    await people["tehran_today"].update_from_dict({"mobile": "+989121234567"}).save()
    steps: list[tuple[int, int]] = []

    report = await AlertSweep(alert_settings, clock).run(
        dry_run=True, progress=lambda done, total, _n: steps.append((done, total))
    )

    assert report.counts == {(kinds.EXPIRY, "telegram"): 1, (kinds.EXPIRY, "sms"): 1}
    assert await OutboxMessage.all().count() == 0
    assert steps[-1][0] == steps[-1][1] > 0


async def test_two_sweeps_at_once_write_each_alert_once(pg, alert_settings):
    await expiring_people()
    clock = FixedClock(b.local(TEHRAN, 2026, 11, 24, 10, 30))
    sweeps = [AlertSweep(alert_settings, clock) for _ in range(4)]

    await asyncio.gather(*(sweep.run() for sweep in sweeps))

    assert len(await outbox()) == 2


async def test_low_traffic_is_due_below_10_percent_or_1_gb_once_per_allowance(db, settings):
    clock = FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # 12:30 in Tehran
    ends = clock.now() + timedelta(days=10)
    low, fine, big_low, unlimited = [await b.subscriber() for _ in range(4)]
    await b.traffic(low, await b.service(low, ends), 5 * 1024, 5 * 1024 - 900)  # 900 MB left
    await b.traffic(fine, await b.service(fine, ends), 5 * 1024, 3 * 1024)  # 2 GB left
    await b.traffic(big_low, await b.service(big_low, ends), 100 * 1024, 91 * 1024)  # 9 GB
    await b.traffic(unlimited, await b.service(unlimited, ends, unlimited=True), 1024, 1024)

    await AlertSweep(settings, clock).run()
    await AlertSweep(settings, clock).run()

    rows = await OutboxMessage.filter(kind=kinds.LOW_TRAFFIC).order_by("subscriber_id")
    assert [r.subscriber_id for r in rows] == [low.id, big_low.id]  # type: ignore[attr-defined]
    assert rows[0].params == {"remaining_bytes": 900 * 2**20, "allowance_bytes": 5 * 2**30}


async def test_low_traffic_sums_every_bucket_in_force_window_by_window(db, alert_settings):
    # Pages of 2 subscriber ids: each subscriber below lands in a window of its own or shares.
    clock = FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # 12:30 Tehran, 16:00 Jakarta
    ends = clock.now() + timedelta(days=10)
    low_in_two, topped_up, overused, expired_extra = [await b.subscriber() for _ in range(4)]
    closed = await b.subscriber(line_status=LineStatus.CLOSED)
    jakarta = await b.subscriber(JAKARTA)
    split = await b.service(low_in_two, ends)
    await b.traffic(low_in_two, split, 3 * 1024, 3 * 1024 - 400)  # 400 MB left here...
    await b.traffic(low_in_two, split, 2 * 1024, 2 * 1024 - 300)  # ...and 300 MB here
    plan = await b.service(topped_up, ends)
    await b.traffic(topped_up, plan, 5 * 1024, 5 * 1024 - 100)
    await b.traffic(topped_up, plan, 2 * 1024, 0)  # an extra 2 GB: not low
    await b.traffic(overused, await b.service(overused, ends), 1024, 1500)
    await b.traffic(closed, await b.service(closed, ends), 5 * 1024, 5 * 1024 - 10)
    await b.traffic(jakarta, await b.service(jakarta, ends), 5 * 1024, 5 * 1024 - 10)
    current = await b.service(expired_extra, ends)
    await b.traffic(expired_extra, current, 5 * 1024, 1024)  # 4 GB left in force
    gone = await b.traffic(expired_extra, current, 10 * 1024, 0)
    await gone.update_from_dict({"valid_until": clock.now() - timedelta(hours=1)}).save()

    report = await AlertSweep(alert_settings, clock).run()

    rows = await OutboxMessage.filter(kind=kinds.LOW_TRAFFIC).order_by("subscriber_id")
    assert {r.subscriber_id: r.params for r in rows} == {  # type: ignore[attr-defined]
        low_in_two.id: {"remaining_bytes": 700 * 2**20, "allowance_bytes": 5 * 2**30},
        overused.id: {"remaining_bytes": 0, "allowance_bytes": 2**30},
        jakarta.id: {"remaining_bytes": 10 * 2**20, "allowance_bytes": 5 * 2**30},
    }
    assert report.by_kind() == {kinds.LOW_TRAFFIC: 3}
    assert rows[0].dedup_key == f"traffic_low:{low_in_two.id}:{split.id}:{5 * 2**30}"


async def test_subscriptions_ending_at_the_same_moment_are_each_due_once_across_pages(
    db, alert_settings
):
    # Pages of 2, five services ending at the same instant: the pages break inside the tie.
    same_end = b.local(TEHRAN, 2026, 11, 26, 18, 0)
    people = [await b.subscriber() for _ in range(5)]
    for who in people:
        await b.service(who, same_end)

    report = await AlertSweep(
        alert_settings, FixedClock(b.local(TEHRAN, 2026, 11, 24, 10, 30))
    ).run()

    assert sorted(sid for sid, _, _ in await outbox()) == [who.id for who in people]
    assert report.by_kind() == {kinds.EXPIRY: 5}


async def test_low_traffic_waits_for_daytime(db, settings):
    clock = FixedClock(datetime(2026, 11, 24, 0, 0, tzinfo=UTC))  # 03:30 in Tehran
    low = await b.subscriber()
    await b.traffic(low, await b.service(low, clock.now() + timedelta(days=3)), 1024, 1000)

    await AlertSweep(settings, clock).run()

    assert await OutboxMessage.all().count() == 0


async def test_a_free_charge_ending_tomorrow_with_nothing_bought_is_due(db, settings):
    clock = FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    idle, bought = await b.subscriber(), await b.subscriber()
    for who in (idle, bought):
        await FreeChargeGrant.create(
            subscriber=who,
            days=2,
            megabytes=100,
            granted_at=clock.now() - timedelta(days=1),
            expires_at=clock.now() + timedelta(hours=20),
        )
    await Order.create(
        tracking_number=469627,
        subscriber=bought,
        kind=OrderKind.RENEW_SERVICE,
        plan=await b.plan(),
        currency="IRR",
        subtotal=1000,
        vat=90,
        payable=1090,
        status=OrderStatus.APPLIED,
        created_at=clock.now() - timedelta(hours=2),
        applied_at=clock.now() - timedelta(hours=1),
    )

    await AlertSweep(settings, clock).run()

    [row] = await OutboxMessage.filter(kind=kinds.FREE_CHARGE_ENDING)
    assert row.subscriber_id == idle.id  # type: ignore[attr-defined]
    assert row.params == {"expires_at": "2026-11-25T05:00:00+00:00"}


async def test_a_rejected_document_not_yet_replaced_is_due_with_its_days_of_grace(db, settings):
    clock = FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    waiting, replaced = await b.subscriber(), await b.subscriber()
    for who in (waiting, replaced):
        await Document.create(
            subscriber=who,
            kind=DocumentKind.NATIONAL_ID_CARD,
            file_key="k",
            filename="id.jpg",
            content_type="image/jpeg",
            size=10,
            status=DocumentStatus.REJECTED,
            reject_reason="Blurred",
            uploaded_at=clock.now() - timedelta(days=2),
            reviewed_at=clock.now() - timedelta(days=1),
            grace_until=clock.now() + timedelta(days=6),
        )
    await Document.create(
        subscriber=replaced,
        kind=DocumentKind.NATIONAL_ID_CARD,
        file_key="k2",
        filename="id2.jpg",
        content_type="image/jpeg",
        size=10,
        uploaded_at=clock.now() - timedelta(hours=3),
    )

    await AlertSweep(settings, clock).run()

    [row] = await OutboxMessage.filter(kind=kinds.DOCUMENT_REJECTED)
    assert row.subscriber_id == waiting.id  # type: ignore[attr-defined]
    assert row.params["days_left"] == 6
    assert (row.params["document_kind"], row.params["reason"]) == ("national_id_card", "Blurred")


async def test_low_traffic_is_keyed_by_the_first_paid_metered_service_in_force(db, settings):
    # The page's lookup is plain SQL (core/alerts/due.py): it must skip what the ORM's query
    # skipped: a free charge, an unlimited service, one that ended, one not yet started.
    clock = FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # 12:30 in Tehran
    now = clock.now()
    mixed, free_only = await b.subscriber(), await b.subscriber()
    await b.service(mixed, now + timedelta(days=5), source=SubscriptionSource.FREE_CHARGE)
    await b.service(mixed, now - timedelta(hours=1))  # ended, not yet marked so
    await b.service(mixed, now + timedelta(days=9), unlimited=True)
    first = await b.service(mixed, now + timedelta(days=10))
    await b.service(mixed, now + timedelta(days=20))
    await b.service(mixed, now + timedelta(days=60), status=SubscriptionStatus.RESERVED)
    await b.traffic(mixed, first, 5 * 1024, 5 * 1024 - 100)
    free = await b.service(
        free_only, now + timedelta(days=3), source=SubscriptionSource.FREE_CHARGE
    )
    await b.traffic(free_only, free, 1024, 1000)

    await AlertSweep(settings, clock).run()

    rows = await OutboxMessage.filter(kind=kinds.LOW_TRAFFIC)
    assert [r.dedup_key for r in rows] == [f"traffic_low:{mixed.id}:{first.id}:{5 * 2**30}"]


async def test_an_expiry_alert_tells_those_with_automatic_renewal_it_will_happen(
    db, alert_settings
):
    automatic, manual = await b.subscriber(), await b.subscriber()
    await automatic.update_from_dict({"auto_renew": True}).save()
    for who in (automatic, manual):
        await b.service(who, b.local(TEHRAN, 2026, 11, 26, 18, 0))

    await AlertSweep(alert_settings, FixedClock(b.local(TEHRAN, 2026, 11, 24, 10, 30))).run()

    rows = await OutboxMessage.filter(kind=kinds.EXPIRY)
    params = {r.subscriber_id: r.params for r in rows}  # type: ignore[attr-defined]
    assert params[automatic.id]["auto_renew"] is True
    assert "auto_renew" not in params[manual.id]
