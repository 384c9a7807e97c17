"""Whether Telegram lets us write to a chat: a user who blocked the bot makes sends fail with 403
until they start it again. An unreachable chat is skipped by the notifier (bot/notify.py), so
alerts go to the subscriber's other chats."""

from __future__ import annotations

from core.accounts.models import ChatIdentity

CHANNEL = "telegram"


async def mark_unreachable(chat_id: str) -> None:
    await ChatIdentity.filter(channel=CHANNEL, external_id=chat_id, unreachable=False).update(
        unreachable=True
    )


async def mark_reachable(chat_id: str) -> None:
    """The user wrote to us (or restarted the bot): sends work again."""
    await ChatIdentity.filter(channel=CHANNEL, external_id=chat_id, unreachable=True).update(
        unreachable=False
    )
