"""Muted kinds (issue 20, item 6) on both databases: a broadcast does not write them, the relay
does not send one written before the kind was muted, and a kind that must reach the subscriber
cannot be muted."""

from __future__ import annotations

import pytest

from core.alerts import kinds
from core.alerts.broadcast import Broadcasts
from core.alerts.preferences import MANDATORY, MUTABLE, NoticePreferences
from core.errors import InvalidInput
from core.inbox.freshness import NoticeFreshness
from core.inbox.models import InboxMessage, OutboxMessage
from core.inbox.service import OutboxRelay, enqueue
from core.ports import Delivery
from tests.alerts import builders as b
from tests.fakes import RecordingNotifier

TEXTS = {"en": "Maintenance tonight.", "fa": "تعمیرات امشب."}


async def written(kind: str) -> list[int]:
    rows = await OutboxMessage.filter(kind=kind).order_by("subscriber_id")
    return [row.subscriber_id for row in rows]  # type: ignore[attr-defined]


async def test_a_broadcast_skips_those_who_muted_its_kind_and_only_that_kind(db, settings, clock):
    hears, muted_news, muted_outages = [
        await b.subscriber(exchange_centre="Pasdaran") for _ in range(3)
    ]
    preferences = NoticePreferences()
    await preferences.replace(muted_news.id, None, [kinds.ANNOUNCEMENT])
    await preferences.replace(muted_outages.id, "telegram", [kinds.OUTAGE, kinds.LOW_TRAFFIC])
    broadcasts = Broadcasts(settings, clock, page_size=2)

    _, announced = await broadcasts.broadcast(TEXTS)
    _, reported = await broadcasts.start_outage(TEXTS, exchange_centre="Pasdaran")

    assert (announced, reported) == (2, 2)
    assert await written(kinds.ANNOUNCEMENT) == [hears.id, muted_outages.id]
    assert await written(kinds.OUTAGE) == [hears.id, muted_news.id]
    # Each records whom it was chosen for: the notice's reason says so.
    [note] = await OutboxMessage.filter(kind=kinds.ANNOUNCEMENT, subscriber_id=hears.id)
    [outage] = await OutboxMessage.filter(kind=kinds.OUTAGE, subscriber_id=hears.id)
    assert (note.params["audience"], outage.params["audience"]) == ("everyone", "exchange_centre")


async def test_a_notice_written_before_its_kind_was_muted_is_not_sent(db, settings, clock):
    who = await b.subscriber()
    await enqueue(who.id, kinds.LOW_TRAFFIC, {"remaining_bytes": 1}, "low:1", at=clock.now())
    await enqueue(who.id, kinds.PAYMENT_APPLIED, {"tracking_number": 7}, "paid:7", at=clock.now())
    await NoticePreferences().mute(who.id, kinds.LOW_TRAFFIC, True)
    notifier = RecordingNotifier(Delivery("sms", "+989121234567"))
    too_old: list[str] = []
    relay = OutboxRelay(clock, notifier, NoticeFreshness(settings), expired=too_old.append)

    assert await relay.relay_pending() == 1

    assert [kind for _, kind, _ in notifier.calls] == [kinds.PAYMENT_APPLIED]
    muted = await OutboxMessage.get(dedup_key="low:1")
    assert (muted.sent_at, muted.last_error) == (None, "muted")
    assert muted.expired_at is not None
    assert too_old == []  # not counted as a notice too old to send
    assert await InboxMessage.filter(kind=kinds.LOW_TRAFFIC).count() == 0
    assert await relay.relay_pending() == 0


@pytest.mark.parametrize("kind", sorted(MANDATORY))
async def test_a_kind_the_subscriber_must_hear_cannot_be_muted(db, kind):
    who = await b.subscriber()
    with pytest.raises(InvalidInput) as refused:
        await NoticePreferences().replace(who.id, None, [kinds.OUTAGE, kind])
    assert refused.value.code == "notice_kind_mandatory"
    assert MANDATORY.isdisjoint(MUTABLE)
