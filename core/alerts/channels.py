"""The order in which a notice tries a subscriber's channels (pure; no channel is imported).

The subscriber's preferred channel first; then their channels by the chat they used last; a
channel never used after those, Telegram → WhatsApp → the web chat; SMS last, the fallback and
not the default (it costs per message and carries plain text only), unless it is the preferred
one. bot/notify.py (where a notice goes) and core/alerts/reach.py (the dry run's counts) both
rank by it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

SMS = "sms"
# Among channels never used: Telegram first (free, rich), then WhatsApp, then the web chat;
# then email (a confirmed address that the subscriber keeps on), before SMS.
FALLBACK_ORDER: tuple[str, ...] = ("telegram", "whatsapp", "web", "email")
# Channels a notice reaches through a detail of the subscriber's record rather than a chat they
# opened (SMS: the registered mobile), by that detail's name. A new such channel is one entry.
ADDRESSED_BY: dict[str, str] = {SMS: "mobile"}
# Every channel a subscriber may prefer (the admin API and the import check against it).
CHANNELS: tuple[str, ...] = (*FALLBACK_ORDER, *ADDRESSED_BY)


def channel_order(
    preferred: str | None,
    used: Iterable[tuple[str, datetime | None]],
    order: Sequence[str] = FALLBACK_ORDER,
) -> list[str]:
    """The channels of ``used`` (a channel and when its chat was last seen, None for never),
    each once, in the order a notice tries them."""
    seen_at: dict[str, datetime | None] = {}
    for channel, last_seen in used:
        known = seen_at.get(channel)
        if channel not in seen_at or (
            last_seen is not None and (known is None or last_seen > known)
        ):
            seen_at[channel] = last_seen

    def rank(channel: str) -> tuple[int, float, int]:
        if channel == preferred:
            return (0, 0.0, 0)
        if channel == SMS:
            return (3, 0.0, 0)
        last_seen = seen_at[channel]
        if last_seen is not None:
            return (1, -last_seen.timestamp(), 0)
        fallback = order.index(channel) if channel in order else len(order)
        return (2, 0.0, fallback)

    return sorted(seen_at, key=rank)


def first_channel(
    preferred: str | None,
    used: Iterable[tuple[str, datetime | None]],
    order: Sequence[str] = FALLBACK_ORDER,
) -> str | None:
    ranked = channel_order(preferred, used, order)
    return ranked[0] if ranked else None
