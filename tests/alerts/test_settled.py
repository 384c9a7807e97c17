"""PostgreSQL's settled selections (core/alerts/settled.py) choose what the generic pages do
(core/alerts/due.py, the way SQLite takes): the same alerts, keys, parameters and channels,
over subscribers who exercise every rule of both."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from core.accounts.enums import LineStatus
from core.accounts.models import Subscriber
from core.alerts import kinds
from core.alerts.sweep import AlertSweep
from core.billing.enums import SubscriptionSource, SubscriptionStatus
from core.clock import FixedClock
from core.config import Settings
from core.inbox.models import OutboxMessage
from tests.alerts import builders as b

TEHRAN, JAKARTA = "Asia/Tehran", "Asia/Jakarta"
# 10:30 in Tehran: expiry reminders are due there, and low traffic in both zones.
CLOCK = FixedClock(b.local(TEHRAN, 2026, 11, 24, 10, 30))
CHANNELS = ("telegram", "whatsapp", "sms", "web", "email")


async def people() -> dict[str, Subscriber]:
    """A subscriber for each rule of the expiry and low-traffic selections and of their
    settling: renewal, pause, closed line, zones, muted kinds, the outbox, chats, email."""
    now = CLOCK.now()
    in_2_days, today = b.local(TEHRAN, 2026, 11, 26, 18, 0), b.local(TEHRAN, 2026, 11, 24, 9, 0)
    ends = now + timedelta(days=10)
    who = {name: await b.subscriber() for name in ("due", "today", "renewed", "automatic")}
    who |= {name: await b.subscriber() for name in ("paused", "muted", "muted_other", "sent")}
    who["closed"] = await b.subscriber(line_status=LineStatus.CLOSED)
    who["jakarta"] = await b.subscriber(JAKARTA)
    who["sms"] = await b.subscriber(mobile="+989121111111")
    who["opted_out"] = await b.subscriber(mobile="+989122222222", preferred_channel="whatsapp")
    who["emailed"] = await b.subscriber(mobile="+989123333333")
    for name in ("due", "renewed", "automatic", "paused", "muted", "muted_other", "sent"):
        await b.service(who[name], in_2_days)
    for name in ("closed", "jakarta", "sms", "opted_out", "emailed"):
        await b.service(who[name], in_2_days)
    await b.service(who["today"], today)
    await b.service(who["today"], today - timedelta(hours=1))
    await b.service(
        who["renewed"], in_2_days + timedelta(days=30), status=SubscriptionStatus.RESERVED
    )
    await who["automatic"].update_from_dict({"auto_renew": True}).save()
    await who["paused"].update_from_dict({"paused_until": now + timedelta(days=3)}).save()
    await who["muted"].update_from_dict({"muted_notices": "service_expiring,traffic_low"}).save()
    await who["muted_other"].update_from_dict({"muted_notices": "outage"}).save()
    await who["emailed"].update_from_dict({"email": "e@example.com", "email_verified_at": now})
    await who["emailed"].save()
    await b.chat(who["sms"], "telegram", "t-gone", seen=now, unreachable=True)
    await b.chat(who["opted_out"], "sms", "+989122222222", seen=now, opted_out=True)
    await b.chat(who["opted_out"], "whatsapp", "w-1", seen=now - timedelta(days=2))
    await b.chat(who["opted_out"], "telegram", "t-1", seen=now - timedelta(days=1))
    await b.chat(who["due"], "web", "web-1", seen=now)
    # Low traffic: below 10 %, below 1 GB over two buckets, an exact edge, fine, unlimited.
    low = {name: await b.subscriber() for name in ("low", "two", "edge", "over_edge", "fine")}
    low |= {name: await b.subscriber() for name in ("unlimited", "low_muted", "low_sent")}
    low["low_jakarta"] = await b.subscriber(JAKARTA, mobile="+989124444444")
    metered = {}
    for name in ("low", "low_muted", "low_sent", "low_jakarta"):
        metered[name] = await b.service(low[name], ends)
        await b.traffic(low[name], metered[name], 5 * 1024, 5 * 1024 - 900)
    two = await b.service(low["two"], ends)
    await b.traffic(low["two"], two, 3 * 1024, 3 * 1024 - 400)
    await b.traffic(low["two"], two, 2 * 1024, 2 * 1024 - 300)
    await b.service(low["two"], ends, source=SubscriptionSource.FREE_CHARGE)
    # 10 % of 20 GB is 2 GB: exactly 2 GB left is not low, a megabyte less is.
    await b.traffic(low["edge"], await b.service(low["edge"], ends), 20 * 1024, 18 * 1024 + 1)
    edge = await b.service(low["over_edge"], ends)
    await b.traffic(low["over_edge"], edge, 20 * 1024, 18 * 1024)
    await b.traffic(low["fine"], await b.service(low["fine"], ends), 5 * 1024, 1024)
    free = await b.service(low["unlimited"], ends, unlimited=True)
    await b.traffic(low["unlimited"], free, 1024, 1024)
    await low["low_muted"].update_from_dict({"muted_notices": "traffic_low"}).save()
    # Already written: the outbox's keys are not selected again.
    sent = kinds.expiry_key(who["sent"].id, 2, date(2026, 11, 26))
    await OutboxMessage.create(
        subscriber=who["sent"], kind=kinds.EXPIRY, dedup_key=sent, created_at=now
    )
    sent = kinds.low_traffic_key(low["low_sent"].id, metered["low_sent"].id, 5 * 2**30)
    await OutboxMessage.create(
        subscriber=low["low_sent"], kind=kinds.LOW_TRAFFIC, dedup_key=sent, created_at=now
    )
    return who | low


async def swept(settled: bool) -> tuple[dict[Any, int], list[tuple[Any, ...]]]:
    """One way's dry-run counts and the alerts it writes (then taken out again)."""
    settings = Settings(_env_file=None, alert_catch_up_minutes=60, alert_page_size=2)
    before = set(await OutboxMessage.all().values_list("id", flat=True))
    dry = await AlertSweep(settings, CLOCK, CHANNELS, settled=settled).run(dry_run=True)
    written = await AlertSweep(settings, CLOCK, CHANNELS, settled=settled).run()
    rows = await OutboxMessage.exclude(id__in=before).order_by("dedup_key")
    alerts = [(r.subscriber_id, r.kind, r.dedup_key, r.params) for r in rows]  # type: ignore[attr-defined]
    await OutboxMessage.exclude(id__in=before).delete()
    assert written.counts == dry.counts
    return dict(dry.counts), alerts


async def test_settled_and_paged_ways_select_the_same_alerts_and_channels(pg):
    who = await people()

    settled_counts, settled_alerts = await swept(settled=True)
    paged_counts, paged_alerts = await swept(settled=False)

    assert settled_alerts == paged_alerts
    assert settled_counts == paged_counts
    due = {sid for sid, *_ in settled_alerts}
    expected = {"due", "today", "automatic", "muted_other", "sms", "opted_out", "emailed"}
    expected |= {"low", "two", "edge", "low_jakarta"}
    assert due == {who[name].id for name in expected}
    assert settled_counts == {
        (kinds.EXPIRY, "web"): 1,
        (kinds.EXPIRY, "none"): 3,
        (kinds.EXPIRY, "sms"): 1,
        (kinds.EXPIRY, "whatsapp"): 1,
        (kinds.EXPIRY, "email"): 1,
        (kinds.LOW_TRAFFIC, "none"): 3,
        (kinds.LOW_TRAFFIC, "sms"): 1,
    }


async def test_more_sweeps_at_once_than_the_pool_has_connections_each_finish(pg):
    # Six sweeps, three selections each, and the pool's five connections: a selection that
    # held its connection while its alerts were written (or a renewal priced) would wait for
    # one held by another such selection, for ever.
    await people()
    settings = Settings(_env_file=None)
    due = await AlertSweep(settings, CLOCK, CHANNELS).run(dry_run=True)
    before = await OutboxMessage.all().count()
    sweeps = [AlertSweep(settings, CLOCK, CHANNELS) for _ in range(6)]

    await asyncio.wait_for(asyncio.gather(*(sweep.run() for sweep in sweeps)), timeout=60)

    assert due.by_kind()[kinds.LOW_TRAFFIC] == 4
    assert await OutboxMessage.all().count() - before == due.total
