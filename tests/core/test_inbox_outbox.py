"""The outbox relay: committed messages are sent once, recorded in the message box, retried
with backoff when no channel takes them, and never sent twice by two relays at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from core.accounts.models import Subscriber
from core.inbox.models import InboxMessage, OutboxMessage
from core.inbox.service import OutboxRelay, enqueue
from core.ports import Delivery
from core.tickets.enums import Department, Priority
from core.tickets.service import Tickets
from tests.fakes import InMemoryFileStore, RecordingNotifier, freshness


async def make_subscriber(username: str = "3132239700") -> Subscriber:
    return await Subscriber.create(
        customer_number=f"C{username}", username=username, password_hash="-"
    )


async def test_a_committed_message_is_sent_once_and_recorded_in_the_message_box(db, clock):
    kamal = await make_subscriber()
    await enqueue(kamal.id, "order_applied", {"tracking_number": 469627}, "o:1", at=clock.now())
    notifier = RecordingNotifier(Delivery("sms", "+989121234567"))
    relay = OutboxRelay(clock, notifier, freshness())
    clock.advance(timedelta(seconds=3))

    assert await relay.relay_pending() == 1
    assert await relay.relay_pending() == 0

    assert notifier.calls == [(kamal.id, "order_applied", {"tracking_number": 469627})]
    sent = await OutboxMessage.get(dedup_key="o:1")
    assert (sent.sent_at, sent.attempts, sent.last_error) == (clock.now(), 1, None)
    [box] = await InboxMessage.all()
    assert (box.subscriber_id, box.kind, box.params) == (  # type: ignore[attr-defined]
        kamal.id,
        "order_applied",
        {"tracking_number": 469627},
    )
    assert (box.channel, box.address, box.sent_at) == ("sms", "+989121234567", clock.now())


async def test_messages_go_out_in_the_order_they_were_written_up_to_the_limit(db, clock):
    kamal = await make_subscriber()
    for n in range(5):
        await enqueue(kamal.id, f"k{n}", {}, f"key:{n}", at=clock.now() + timedelta(seconds=n))
    clock.advance(timedelta(minutes=1))
    notifier = RecordingNotifier()
    relay = OutboxRelay(clock, notifier, freshness())

    assert await relay.relay_pending(limit=3) == 3
    assert await relay.relay_pending(limit=3) == 2
    assert notifier.kinds == ["k0", "k1", "k2", "k3", "k4"]


async def test_a_message_no_channel_takes_is_kept_and_tried_again_later_and_later(db, clock):
    kamal = await make_subscriber()
    await enqueue(kamal.id, "service_expiring", {"days_left": 2}, "exp:1", at=clock.now())
    notifier = RecordingNotifier(delivery=None)
    relay = OutboxRelay(clock, notifier, freshness(), backoff=timedelta(minutes=1))

    assert await relay.relay_pending() == 0
    kept = await OutboxMessage.get(dedup_key="exp:1")
    assert (kept.sent_at, kept.attempts, kept.last_error) == (None, 1, "no_channel")
    assert kept.next_attempt_at == clock.now() + timedelta(minutes=1)

    clock.advance(timedelta(seconds=59))
    assert await relay.relay_pending() == 0
    assert len(notifier.calls) == 1  # still waiting

    clock.advance(timedelta(seconds=1))
    await relay.relay_pending()
    assert len(notifier.calls) == 2
    kept = await OutboxMessage.get(dedup_key="exp:1")
    assert kept.next_attempt_at == clock.now() + timedelta(minutes=2)  # twice as long

    notifier.delivery = Delivery("telegram", "4242")
    clock.advance(timedelta(minutes=2))
    assert await relay.relay_pending() == 1
    done = await OutboxMessage.get(dedup_key="exp:1")
    assert (done.attempts, done.sent_at, done.last_error) == (3, clock.now(), None)
    assert await InboxMessage.filter(channel="telegram").count() == 1
    assert await InboxMessage.all().count() == 1  # the failed attempts are not in the box


def test_the_wait_doubles_after_each_attempt_up_to_a_ceiling(clock):
    relay = OutboxRelay(
        clock,
        RecordingNotifier(),
        freshness(),
        backoff=timedelta(minutes=1),
        max_backoff=timedelta(hours=1),
    )
    assert [relay.delay_after(n) for n in (1, 2, 3, 4, 7, 8, 30)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
        timedelta(hours=1),  # 64 minutes, capped
        timedelta(hours=1),
        timedelta(hours=1),
    ]


async def test_a_failing_notifier_does_not_stop_the_other_messages(db, clock):
    kamal = await make_subscriber()
    await enqueue(kamal.id, "a", {}, "a", at=clock.now())
    await enqueue(kamal.id, "b", {}, "b", at=clock.now())
    relay = OutboxRelay(
        clock, RecordingNotifier(error=ConnectionError("telegram is down")), freshness()
    )

    assert await relay.relay_pending() == 0

    rows = await OutboxMessage.all().order_by("id")
    assert [(r.attempts, r.sent_at, r.last_error) for r in rows] == [
        (1, None, "ConnectionError: telegram is down"),
        (1, None, "ConnectionError: telegram is down"),
    ]


async def test_a_message_claimed_by_a_relay_that_died_is_sent_when_its_lease_ends(db, clock):
    kamal = await make_subscriber()
    await enqueue(kamal.id, "a", {}, "a", at=clock.now())
    # A relay claimed it, then crashed before sending.
    await OutboxMessage.filter(dedup_key="a").update(
        attempts=1, next_attempt_at=clock.now() + timedelta(minutes=5)
    )
    notifier = RecordingNotifier()
    relay = OutboxRelay(clock, notifier, freshness(), lease=timedelta(minutes=5))

    assert await relay.relay_pending() == 0
    clock.advance(timedelta(minutes=5))
    assert await relay.relay_pending() == 1
    assert (await OutboxMessage.get(dedup_key="a")).attempts == 2


async def test_an_agent_answer_reaches_the_subscriber_through_the_relay(db, settings, clock):
    kamal = await make_subscriber()
    tickets = Tickets(settings, clock, InMemoryFileStore())
    ticket = await tickets.open_ticket(
        kamal.id, Department.TECHNICAL, Priority.HIGH, "No internet", "Since this morning"
    )
    await tickets.answer_as_agent(ticket.number, "Sara", "The exchange is being repaired")
    notifier = RecordingNotifier()

    await OutboxRelay(clock, notifier, freshness()).relay_pending()

    [(subscriber_id, kind, params)] = notifier.calls
    assert (subscriber_id, kind, params["ticket_number"]) == (
        kamal.id,
        "ticket_answered",
        ticket.number,
    )
    assert await InboxMessage.filter(kind="ticket_answered").count() == 1


async def test_two_relays_running_at_once_send_each_message_once(pg, clock):
    kamal = await make_subscriber()
    for n in range(40):
        await enqueue(kamal.id, "bulk", {"n": n}, f"bulk:{n}", at=clock.now())
    notifier = RecordingNotifier()
    relays = [OutboxRelay(clock, notifier, freshness()) for _ in range(4)]

    counts = await asyncio.gather(*(relay.relay_pending() for relay in relays))

    assert sum(counts) == 40
    assert sorted(params["n"] for _, _, params in notifier.calls) == list(range(40))
    assert await InboxMessage.all().count() == 40
    assert await OutboxMessage.filter(sent_at__isnull=True).count() == 0
    assert set(await OutboxMessage.all().values_list("attempts", flat=True)) == {1}
