"""The order in which alerts try a subscriber's channels (pure; no channel is imported)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# Telegram first (free, rich), then WhatsApp, then SMS (costs per message, plain text).
FALLBACK_ORDER: tuple[str, ...] = ("telegram", "whatsapp", "sms")


def channel_order(
    preferred: str | None, available: Iterable[str], order: Sequence[str] = FALLBACK_ORDER
) -> list[str]:
    """The subscriber's preferred channel, then the fallback order, then any other channel
    they have (the web chat), each once, among those ``available``."""
    have = list(dict.fromkeys(available))
    ranked = [preferred] if preferred else []
    ranked += list(order)
    ranked += have
    seen: list[str] = []
    for channel in ranked:
        if channel in have and channel not in seen:
            seen.append(channel)
    return seen


def first_channel(
    preferred: str | None, available: Iterable[str], order: Sequence[str] = FALLBACK_ORDER
) -> str | None:
    ranked = channel_order(preferred, available, order)
    return ranked[0] if ranked else None
