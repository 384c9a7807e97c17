"""The message box (every notification sent, with time, channel/number and reason) and the
announcements shown at login."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise.transactions import in_transaction

from core.accounts.models import Subscriber
from core.billing.enums import SubscriptionStatus
from core.billing.models import Plan, Subscription
from core.inbox.models import Announcement, OutboxMessage
from core.inbox.service import Inbox, enqueue
from core.ports import Delivery


async def make_subscriber(username: str = "3132239700", **extra) -> Subscriber:
    return await Subscriber.create(
        customer_number=f"C{username}", username=username, password_hash="-", **extra
    )


@pytest.fixture
def inbox(clock) -> Inbox:
    return Inbox(clock)


async def test_the_message_box_lists_what_was_sent_newest_first_with_where_it_went(
    db, inbox, clock
):
    kamal = await make_subscriber()
    other = await make_subscriber("3132239701")
    # The seed's two alerts: two days before expiry, then on the day, both at 10:30.
    await inbox.record(kamal.id, "service_expiring", {"days_left": 2}, Delivery("sms", "+98912"))
    clock.advance(timedelta(days=2))
    await inbox.record(kamal.id, "service_expired", {}, Delivery("telegram", "4242"))
    await inbox.record(other.id, "service_expired", {}, Delivery("sms", "+98913"))

    rows = await inbox.list(kamal.id, limit=10)

    assert [(r.kind, r.channel, r.address, r.sent_at) for r in rows] == [
        ("service_expired", "telegram", "4242", clock.now()),
        ("service_expiring", "sms", "+98912", clock.now() - timedelta(days=2)),
    ]
    assert rows[1].params == {"days_left": 2}
    assert [r.kind for r in await inbox.list(kamal.id, limit=1)] == ["service_expired"]
    assert [r.kind for r in await inbox.list(kamal.id, limit=1, offset=1)] == ["service_expiring"]


async def _plan(code: str) -> Plan:
    return await Plan.create(code=code, names={"en": code}, price=1000, currency="IRR")


async def test_announcements_are_chosen_by_plan_and_exchange_centre_and_shown_while_running(
    db, inbox, clock
):
    now = clock.now()
    kamal = await make_subscriber(exchange_centre="Daneshgah")
    standard, yearly = await _plan("standard"), await _plan("yearly")
    await Subscription.create(
        subscriber=kamal,
        plan=standard,
        status=SubscriptionStatus.ACTIVE,
        starts_at=now - timedelta(days=4),
        ends_at=now + timedelta(days=26),
    )
    # Bought ahead: not the active plan yet.
    await Subscription.create(
        subscriber=kamal,
        plan=yearly,
        status=SubscriptionStatus.RESERVED,
        starts_at=now + timedelta(days=26),
        ends_at=now + timedelta(days=391),
    )

    async def announce(name: str, **fields) -> None:
        values = {"starts_at": now - timedelta(hours=1), **fields}
        await Announcement.create(texts={"en": name}, **values)

    await announce("everyone")
    await announce("my plan", plan=standard, starts_at=now - timedelta(hours=2))
    await announce("my exchange", exchange_centre="Daneshgah", starts_at=now - timedelta(hours=3))
    await announce("my plan at my exchange", plan=standard, exchange_centre="Daneshgah")
    await announce("my plan elsewhere", plan=standard, exchange_centre="Khaju")
    await announce("other plan", plan=yearly)
    await announce("other exchange", exchange_centre="Khaju")
    await announce("over", ends_at=now)
    await announce("not yet", starts_at=now + timedelta(minutes=1))
    await announce("until tomorrow", ends_at=now + timedelta(days=1), starts_at=now)

    shown = [a.texts["en"] for a in await inbox.announcements_for(kamal.id)]

    assert sorted(shown) == sorted(
        ["everyone", "my plan", "my exchange", "my plan at my exchange", "until tomorrow"]
    )
    assert shown[0] == "until tomorrow"  # newest first
    assert await inbox.announcements_for(9999) == []


async def test_a_subscriber_without_service_or_exchange_sees_only_announcements_for_all(
    db, inbox, clock
):
    lone = await make_subscriber()
    plan = await _plan("standard")
    await Announcement.create(texts={"en": "all"}, starts_at=clock.now())
    await Announcement.create(texts={"en": "plan"}, plan=plan, starts_at=clock.now())
    await Announcement.create(texts={"en": "exch"}, exchange_centre="X", starts_at=clock.now())

    assert [a.texts["en"] for a in await inbox.announcements_for(lone.id)] == ["all"]


async def test_an_event_already_enqueued_is_not_enqueued_again_and_the_transaction_goes_on(
    db, clock
):
    kamal = await make_subscriber()
    async with in_transaction() as conn:
        params = {"tracking_number": 469627}
        key = "order_applied:469627"
        first = await enqueue(kamal.id, "order_applied", params, key, at=clock.now(), using_db=conn)
        again = await enqueue(kamal.id, "order_applied", params, key, at=clock.now(), using_db=conn)
        # The caller's transaction is still usable after the refused duplicate.
        await enqueue(kamal.id, "payment_received", {}, "payment:1", at=clock.now(), using_db=conn)

    assert (first, again) == (True, False)
    rows = await OutboxMessage.all().order_by("id")
    assert [(r.dedup_key, r.created_at, r.sent_at) for r in rows] == [
        ("order_applied:469627", clock.now(), None),
        ("payment:1", clock.now(), None),
    ]


async def test_an_enqueued_message_rolls_back_with_the_change_it_reports(db, clock):
    kamal = await make_subscriber()
    with pytest.raises(RuntimeError):
        async with in_transaction():
            # No ``using_db``: the caller's transaction is found from the context.
            await enqueue(kamal.id, "order_applied", {}, "order_applied:1", at=clock.now())
            raise RuntimeError("the change failed")

    assert await OutboxMessage.all().count() == 0


async def test_enqueue_outside_a_transaction_works_alone(db, clock):
    kamal = await make_subscriber()
    assert await enqueue(kamal.id, "outage", {}, "outage:7", at=clock.now()) is True
    assert await enqueue(kamal.id, "outage", {}, "outage:7", at=clock.now()) is False
    assert await OutboxMessage.all().count() == 1
