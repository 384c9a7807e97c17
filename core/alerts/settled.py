"""PostgreSQL's way to the two big selections (expiry, low traffic): a statement that comes
back with only the alerts to write (the expiry: one a zone and day; low traffic: one a window
of 50,000 subscriber ids, for every zone in daytime at once).

The generic way (core/alerts/due.py, kept for SQLite and for the other kinds) reads pages and
settles each page with more queries: the subscribers' renewals, who muted the kind, which keys
the outbox holds, their chats. Here the statement does all of it (NOT EXISTS on the outbox's
unique key, the muted kinds, the subscriber's addresses and chats in the same row), so this
process receives final rows and turns them into alerts while the database reads the next
window (bench/RESULTS.md "Alerts": the selection for a million subscribers).
tests/alerts/test_settled.py holds both ways to the same alerts and channels.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Collection
from datetime import datetime, timedelta
from typing import Any

from core import sql
from core.accounts.enums import LineStatus
from core.alerts import kinds
from core.alerts.channels import ADDRESSED_BY
from core.alerts.due import DueAlert, DueAlerts
from core.alerts.preferences import MUTABLE
from core.alerts.reach import reach_of
from core.alerts.zones import Zone, sql_in_zones
from core.billing.enums import SubscriptionSource
from core.billing.state import LIVE
from core.billing.units import mb_to_bytes

# An alert and the channel it would go to first (None: no way to reach the subscriber).
Routed = tuple[DueAlert, str | None]

# Alerts a page holds, as the generic way's.
CHUNK = 5000
# Low traffic is read a window of subscriber ids at a time (one statement each): few
# statements, and a window's rows in memory at most (two, with the one read ahead).
WINDOW = 50_000

# What every statement selects after its own columns: what the channel needs (core/alerts/
# reach.py): the subscriber's chats as one array (NULL for none, most subscribers), the
# addresses on their record (SMS: the mobile), last as they are as many as ADDRESSED_BY.
_REACH = (
    "b.preferred_channel,"
    " (b.email IS NOT NULL AND b.email <> '' AND b.email_verified_at IS NOT NULL"
    " AND b.email_notices AND b.email_bounced_at IS NULL) AS has_email,"
    " (SELECT array_agg(ROW(c.channel, c.external_id, c.unreachable, c.opted_out,"
    "  c.last_seen_at)) FROM chat_identity c WHERE c.subscriber_id = b.id) AS chats"
    + "".join(f", b.{detail}" for detail in ADDRESSED_BY.values())
)


def _not_muted(kind: str, param: int) -> str:
    """The condition "subscriber b did not mute ``kind``" (passed as ``$param``), for a kind
    that may be muted (core/alerts/preferences.py); always true for one that may not."""
    if kind not in MUTABLE:
        return f"${param}::text IS NOT NULL"
    return f"NOT COALESCE(${param} = ANY(string_to_array(b.muted_notices, ',')), false)"


class Router:
    """The first channel of each row's subscriber. Most have no chat: their channel depends
    only on their preferred channel, which addresses they have and email, so it is worked
    out once per such combination."""

    def __init__(self, configured: Collection[str]) -> None:
        self.configured = configured
        self.known: dict[tuple[Any, ...], str | None] = {}

    def __call__(self, row: Any, at: int) -> str | None:
        """The channel of ``row``, whose reach columns (``_REACH``) start at ``at``."""
        preferred, has_email, chats = row[at], row[at + 1], row[at + 2]
        addresses = row[at + 3 :]
        if chats is None:
            key = (preferred, has_email, *map(bool, addresses))
            try:
                return self.known[key]
            except KeyError:
                route = reach_of(preferred, addresses, has_email).first(self.configured)
                self.known[key] = route
                return route
        return reach_of(preferred, addresses, has_email, chats).first(self.configured)


async def _fetch(statement: str, *params: Any, lookups: bool = False) -> list[Any]:
    """The rows of ``statement``, on a connection held for it alone: never while this process
    works on rows or asks anything else (a renewal's price, the outbox), which could wait on
    a pool whose connections all waited likewise."""
    # JIT compiled the plans for longer (0.4 s) than it saved. No parallel workers: the sweep
    # reads on several connections already.
    planner = {"jit": "off", "max_parallel_workers_per_gather": "0"}
    if lookups:
        # ``lookups``: an index's pages cost about what the table's do (in memory, or on SSD).
        # At the default cost of 4 the expiry read every subscriber (0.4 s) rather than look
        # up the 25,000 due (EXPLAIN ANALYZE); low traffic, which reads them all, chose worse
        # with it (bench/RESULTS.md).
        planner["random_page_cost"] = "1.1"
    return await sql.fetch_typed(statement, *params, planner=planner)


def _live(first: int) -> str:
    return sql.placeholders(first, len(LIVE))


async def expiring(
    due: DueAlerts, zone: Zone, now: datetime, configured: Collection[str]
) -> AsyncIterator[list[Routed]]:
    """``DueAlerts.expiring``, not yet in the outbox nor muted, with their channels."""
    route = Router(configured)
    for days_before in due.settings.alert_expiry_days_before:
        expiry_day = zone.today(now) + timedelta(days=days_before)
        start, end = zone.day_bounds(expiry_day)
        # The alert's key, as the outbox is asked for it: the two cannot differ.
        key = kinds.expiry_key_sql("b.id", days_before, expiry_day)
        statement = (
            f"SELECT s.subscriber_id, MAX(s.ends_at), b.auto_renew, {key}, "
            + _REACH
            + " FROM subscription s JOIN subscriber b ON b.id = s.subscriber_id"
            " WHERE s.ends_at >= $1 AND s.ends_at < $2 AND s.source <> $3"
            f" AND s.status IN ({_live(8)}) AND b.line_status <> $4"
            f" AND {zone.sql_condition('b.timezone', 5)}"
            # A paused service's end is not near: it moved with the pause.
            " AND (b.paused_until IS NULL OR b.paused_until <= $6)"
            # Renewed: a live paid service that ends on that day's end or later.
            " AND NOT EXISTS (SELECT 1 FROM subscription r WHERE r.subscriber_id = b.id"
            f"  AND r.source <> $3 AND r.status IN ({_live(8)}) AND r.ends_at >= $2)"
            f" AND {_not_muted(kinds.EXPIRY, 7)}"
            " AND NOT EXISTS (SELECT 1 FROM outbox_message o"
            f"  WHERE o.dedup_key = {key})"
            " GROUP BY s.subscriber_id, b.id"
        )
        rows = await _fetch(
            statement,
            start,
            end,
            SubscriptionSource.FREE_CHARGE.value,
            LineStatus.CLOSED.value,
            zone.name,
            now,
            kinds.EXPIRY,
            *(status.value for status in LIVE),
            lookups=True,
        )
        for at in range(0, len(rows), CHUNK):
            page: list[Routed] = []
            for row in rows[at : at + CHUNK]:
                sid, ends_at = row[0], row[1]
                params: dict[str, Any] = {
                    "days_before": days_before,
                    "ends_at": ends_at.isoformat(),
                    "ended": ends_at <= now,
                }
                if row[2]:
                    params.update(await due.renewal_params(sid, ends_at, now))
                page.append((DueAlert(sid, kinds.EXPIRY, params, row[3]), route(row, 4)))
            yield page


async def subscriber_ranges(parts: int) -> list[tuple[int, int]]:
    """The subscriber ids that have traffic buckets, cut in ``parts`` ranges (after, upto] of
    about as many ids, for ``low_traffic`` to read on as many connections at once."""
    rows = await sql.fetch(
        "SELECT MIN(subscriber_id) AS low, MAX(subscriber_id) AS high FROM traffic_bucket"
    )
    if not rows or rows[0]["low"] is None:
        return []
    low, high = rows[0]["low"] - 1, rows[0]["high"]
    step = -(-(high - low) // parts)
    return [(after, min(after + step, high)) for after in range(low, high, step)]


async def low_traffic(
    due: DueAlerts,
    zones: list[Zone],
    now: datetime,
    configured: Collection[str],
    ids: tuple[int, int],
) -> AsyncIterator[list[Routed]]:
    """``DueAlerts.low_traffic`` in all of ``zones`` at once (the buckets are summed once, not
    once a zone) for the subscribers with ids in ``ids`` (after, upto], not yet in the outbox
    nor muted, with their channels; the test is exact, in numbers the database does not
    round."""
    percent = due.settings.low_traffic_percent
    in_zones, names = sql_in_zones(zones, "b.timezone", 6)
    # The alert's key, as the outbox is asked for it: the two cannot differ.
    key = kinds.low_traffic_key_sql("b.id", "f.first", "t.total::bigint")
    statement = (
        f"SELECT t.subscriber_id, t.total::bigint, t.used::bigint, {key}, "
        + _REACH
        + " FROM (SELECT subscriber_id, SUM(total_bytes) AS total, SUM(used_bytes) AS used"
        "  FROM traffic_bucket WHERE subscriber_id > $8 AND subscriber_id <= $9"
        "  AND valid_from <= $1"
        "  AND (valid_until IS NULL OR valid_until > $1) GROUP BY subscriber_id"
        # First a coarse test in floating point, which the database does at half the cost of
        # exact numbers a million times; wider by a margin than any rounding, it lets through
        # a few more than are low (about 4 %), for the exact test below.
        "  HAVING SUM(total_bytes::float8) - SUM(used_bytes::float8)"
        "  < GREATEST(SUM(total_bytes::float8) * $3::int / 100, $4::bigint) * (1 + 1e-9) + 1"
        # OFFSET 0 keeps the exact test out here: the planner would test it beside the
        # coarse one in every group.
        "  OFFSET 0) t"
        " JOIN subscriber b ON b.id = t.subscriber_id"
        # Their first paid metered subscription in force: the alert's key.
        " CROSS JOIN LATERAL (SELECT MIN(s.id) AS first FROM subscription s"
        "  WHERE s.subscriber_id = t.subscriber_id AND NOT s.unlimited AND s.source <> $2"
        f"  AND s.status IN ({_live(10)}) AND s.starts_at <= $1 AND s.ends_at > $1) f"
        " WHERE t.total > 0"
        " AND GREATEST(t.total - t.used, 0) < GREATEST(div(t.total * $3::int, 100), $4::bigint)"
        # The range again on the subscriber: the planner does not carry it across the join.
        " AND b.id > $8 AND b.id <= $9"
        f" AND b.line_status <> $5 AND {in_zones}"
        # No traffic is used while paused: a low allowance waits for the resume.
        " AND (b.paused_until IS NULL OR b.paused_until <= $1)"
        " AND f.first IS NOT NULL"
        f" AND {_not_muted(kinds.LOW_TRAFFIC, 7)}"
        " AND NOT EXISTS (SELECT 1 FROM outbox_message o WHERE o.dedup_key ="
        f"  {key})"
    )
    route = Router(configured)

    def window(after: int) -> Awaitable[list[Any]]:
        return _fetch(
            statement,
            now,
            SubscriptionSource.FREE_CHARGE.value,
            percent,
            mb_to_bytes(due.settings.low_traffic_mb),
            LineStatus.CLOSED.value,
            names,
            kinds.LOW_TRAFFIC,
            after,
            min(after + WINDOW, ids[1]),
            *(status.value for status in LIVE),
        )

    starts = range(ids[0], ids[1], WINDOW)
    following: asyncio.Future[list[Any]] | None = None
    for number in range(len(starts) + 1):
        # The next window is read while this one's rows become alerts.
        current, following = following, None
        if number < len(starts):
            following = asyncio.ensure_future(window(starts[number]))
        if current is None:
            continue
        rows = await current
        for at in range(0, len(rows), CHUNK):
            page: list[Routed] = []
            for row in rows[at : at + CHUNK]:
                sid, total, used = row[0], row[1], row[2]
                params = {"remaining_bytes": max(0, total - used), "allowance_bytes": total}
                page.append((DueAlert(sid, kinds.LOW_TRAFFIC, params, row[3]), route(row, 4)))
            yield page
