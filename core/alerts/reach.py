"""Where an alert would go first, for a page of subscribers (the dry run's counts per channel).

The same rule as the notifier's: the subscriber's preferred channel, then the fallback order,
among the chats that can take a message (not unreachable, not opted out), plus SMS to the
registered mobile when no SMS chat says otherwise.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from core.accounts.models import ChatIdentity, Subscriber
from core.alerts.channels import first_channel

SMS = "sms"


async def first_channels(
    subscriber_ids: Iterable[int], configured: Collection[str]
) -> dict[int, str | None]:
    """For each subscriber, the channel among ``configured`` an alert would try first."""
    ids = set(subscriber_ids)
    if not ids:
        return {}
    subscribers = await Subscriber.filter(id__in=ids).values("id", "preferred_channel", "mobile")
    chats = await ChatIdentity.filter(subscriber_id__in=ids).values(
        "subscriber_id", "channel", "unreachable", "opted_out"
    )
    usable: dict[int, list[str]] = {sid: [] for sid in ids}
    sms_refused: set[int] = set()
    for chat in chats:
        sid = chat["subscriber_id"]
        if chat["opted_out"] and chat["channel"] == SMS:
            sms_refused.add(sid)
        if not (chat["unreachable"] or chat["opted_out"]):
            usable[sid].append(chat["channel"])
    result: dict[int, str | None] = {}
    for row in subscribers:
        sid = row["id"]
        channels = usable[sid]
        if row["mobile"] and sid not in sms_refused:
            channels.append(SMS)
        result[sid] = first_channel(
            row["preferred_channel"], [c for c in channels if c in configured]
        )
    return result
