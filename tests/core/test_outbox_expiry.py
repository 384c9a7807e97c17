"""Notices too old to make sense are recorded as expired by the relay, never sent: each kind by
its own setting, expiry alerts with the day they are about, outage reports with the repair."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.dialogs.notices import known_kinds
from core.accounts.models import Subscriber
from core.alerts import kinds
from core.alerts.models import Outage
from core.inbox.freshness import KNOWN_KINDS, NoticeFreshness
from core.inbox.models import InboxMessage, OutboxMessage
from core.inbox.queries import OutboxState, outbox_page, outbox_queue_depth
from core.inbox.service import OutboxRelay, enqueue, expire_unsent
from core.ports import Delivery
from tests.fakes import RecordingNotifier


async def make_subscriber(username: str = "3132239700") -> Subscriber:
    return await Subscriber.create(
        customer_number=f"C{username}", username=username, password_hash="-"
    )


def test_every_notice_the_bot_renders_has_an_age_it_may_be_sent_at():
    assert known_kinds() <= KNOWN_KINDS


async def test_a_receipt_older_than_its_setting_is_expired_and_a_fresh_one_is_sent(
    db, settings, clock
):
    kamal = await make_subscriber()
    await enqueue(kamal.id, kinds.PAYMENT_APPLIED, {"tracking_number": 1}, "o:1", at=clock.now())
    clock.advance(timedelta(hours=25))  # the payment setting's 24 hours are over
    await enqueue(kamal.id, kinds.PAYMENT_APPLIED, {"tracking_number": 2}, "o:2", at=clock.now())
    notifier = RecordingNotifier(Delivery("sms", "+989121234567"))
    expired: list[str] = []
    relay = OutboxRelay(clock, notifier, NoticeFreshness(settings), expired=expired.append)

    assert await relay.relay_pending() == 1
    assert await relay.relay_pending() == 0

    assert notifier.calls == [(kamal.id, kinds.PAYMENT_APPLIED, {"tracking_number": 2})]
    assert expired == [kinds.PAYMENT_APPLIED]
    old = await OutboxMessage.get(dedup_key="o:1")
    assert (old.sent_at, old.expired_at) == (None, clock.now())
    assert [box.params for box in await InboxMessage.all()] == [{"tracking_number": 2}]
    assert await outbox_queue_depth() == 0
    [row] = await outbox_page(OutboxState.EXPIRED, limit=10, offset=0)
    assert (row.id, row.kind, row.state) == (old.id, kinds.PAYMENT_APPLIED, OutboxState.EXPIRED)
    [sent] = await outbox_page(OutboxState.SENT, limit=10, offset=0)
    assert sent.state is OutboxState.SENT


async def test_each_kind_keeps_to_its_own_setting(db, settings, clock):
    settings.notice_max_age_ticket_answer_hours = 48
    kamal = await make_subscriber()
    written = clock.now()
    await enqueue(kamal.id, kinds.TICKET_ANSWERED, {}, "answer", at=written)
    await enqueue(kamal.id, kinds.TICKET_CLOSED, {}, "rating", at=written)  # 72 hours
    clock.advance(timedelta(hours=49))
    relay = OutboxRelay(clock, RecordingNotifier(Delivery("sms", "+98")), NoticeFreshness(settings))

    assert await relay.relay_pending() == 1

    states = {row.kind: row.state for row in await outbox_page(limit=10, offset=0)}
    assert states == {kinds.TICKET_ANSWERED: OutboxState.EXPIRED, kinds.TICKET_CLOSED: "sent"}


async def test_an_expiry_alert_keeps_until_the_day_it_is_about_is_over(db, settings):
    freshness = NoticeFreshness(settings)  # Asia/Tehran, +03:30
    ends = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)  # 23:30 in Tehran on the 26th
    two_days_before = {"days_before": 2, "ends_at": ends.isoformat()}
    on_the_day = {"days_before": 0, "ends_at": ends.isoformat()}
    written = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    late_on_the_24th = datetime(2026, 11, 24, 20, 29, tzinfo=UTC)  # 23:59 in Tehran
    the_25th = datetime(2026, 11, 24, 20, 30, tzinfo=UTC)  # 00:00 in Tehran

    assert not await freshness.expired(kinds.EXPIRY, two_days_before, written, late_on_the_24th)
    assert await freshness.expired(kinds.EXPIRY, two_days_before, written, the_25th)
    assert not await freshness.expired(kinds.EXPIRY, on_the_day, written, ends)
    assert await freshness.expired(kinds.EXPIRY, on_the_day, written, ends + timedelta(hours=1))


async def test_an_outage_report_keeps_until_the_outage_is_repaired(db, settings, clock):
    freshness = NoticeFreshness(settings)
    outage = await Outage.create(exchange_centre="Daneshgah", started_at=clock.now())
    started = {"outage_id": outage.id, "stage": "started"}
    repaired = {"outage_id": outage.id, "stage": "repaired"}
    three_days_later = clock.now() + timedelta(days=3)

    assert not await freshness.expired(kinds.OUTAGE, started, clock.now(), three_days_later)
    await Outage.filter(id=outage.id).update(repaired_at=three_days_later)
    assert await freshness.expired(kinds.OUTAGE, started, clock.now(), three_days_later)
    assert not await freshness.expired(kinds.OUTAGE, repaired, three_days_later, three_days_later)
    assert await freshness.expired(
        kinds.OUTAGE, repaired, three_days_later, three_days_later + timedelta(hours=25)
    )


async def test_a_free_charge_warning_ends_with_the_charge(db, settings, clock):
    freshness = NoticeFreshness(settings)
    ends = clock.now() + timedelta(hours=2)
    params = {"expires_at": ends.isoformat()}

    assert not await freshness.expired(kinds.FREE_CHARGE_ENDING, params, clock.now(), clock.now())
    assert await freshness.expired(kinds.FREE_CHARGE_ENDING, params, clock.now(), ends)


async def test_history_expired_at_once_is_never_sent(db, settings, clock):
    kamal, other = await make_subscriber(), await make_subscriber("3132239701")
    await enqueue(kamal.id, kinds.TICKET_ANSWERED, {}, "k", at=clock.now())
    await enqueue(other.id, kinds.TICKET_ANSWERED, {}, "o", at=clock.now())

    assert await expire_unsent([kamal.id], clock.now()) == 1

    notifier = RecordingNotifier(Delivery("sms", "+98"))
    assert await OutboxRelay(clock, notifier, NoticeFreshness(settings)).relay_pending() == 1
    assert [call[0] for call in notifier.calls] == [other.id]
