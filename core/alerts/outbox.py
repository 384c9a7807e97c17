"""Writing a page of alerts to the outbox at once, each under its unique dedup key; the kinds
their subscribers muted are left out (core/alerts/preferences.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core import sql
from core.alerts.due import DueAlert
from core.alerts.preferences import without_muted
from core.inbox.models import OutboxMessage


async def not_yet_enqueued(alerts: Sequence[DueAlert]) -> list[DueAlert]:
    """The alerts whose key the outbox has not seen (one query for the page), and whose kind
    their subscriber did not mute (one more, over those who muted anything)."""
    alerts = await without_muted(alerts)
    keys = {alert.key for alert in alerts}
    if not keys:
        return []
    rows = await sql.fetch(
        f"SELECT dedup_key FROM outbox_message WHERE {sql.any_of('dedup_key', 1)}",
        sql.listed(keys),
    )
    taken = {row["dedup_key"] for row in rows}
    fresh: dict[str, DueAlert] = {}
    for alert in alerts:
        if alert.key not in taken:
            fresh.setdefault(alert.key, alert)
    return list(fresh.values())


async def enqueue_many(alerts: Sequence[DueAlert], at: datetime) -> list[DueAlert]:
    """Write the alerts not yet in the outbox; returns them. A key written meanwhile by another
    worker is skipped by the database (ON CONFLICT DO NOTHING on the unique dedup key), so
    each alert is in the outbox once however many sweeps run at once."""
    if at.tzinfo is None:
        raise ValueError("enqueue_many needs a timezone-aware time")
    fresh = await not_yet_enqueued(alerts)
    if fresh:
        await OutboxMessage.bulk_create(
            [
                OutboxMessage(
                    subscriber_id=alert.subscriber_id,
                    kind=alert.kind,
                    params=alert.params,
                    dedup_key=alert.key,
                    batch=alert.batch,
                    created_at=at,
                )
                for alert in fresh
            ],
            ignore_conflicts=True,
        )
    return fresh
