"""The chats: who writes to us (a chat's identity and language), whether we may write to it
(its reach) and which line it answers for (logged in, linked, logged out).

Reach is written by the channels as the platforms tell them (a Telegram user blocked the bot, a
carrier holds an SMS STOP) and by what a person asks (STOP and START): each a write of its own,
so no channel touches the chat table.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import sql
from core.accounts.enums import Language
from core.accounts.models import ChatIdentity, Subscriber
from core.accounts.queries import ChatView
from core.errors import InvalidInput
from core.ports import Clock

# How far apart two writes of a chat's last_seen_at are at least (see identify_chat).
SEEN_STEP = timedelta(minutes=1)


def language_from_hint(hint: str | None) -> Language | None:
    """A platform's language code (``"fa-IR"``, ``"en_US"``, Android's old ``"in"``) → ours."""
    if not hint:
        return None
    code = re.split(r"[-_]", hint.strip().lower(), maxsplit=1)[0]
    code = {"in": "id", "per": "fa", "ind": "id", "eng": "en"}.get(code, code)
    try:
        return Language(code)
    except ValueError:
        return None


class Chats:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    # ---- identity ------------------------------------------------------------------------

    async def identify_chat(
        self, channel: str, external_id: str, language_hint: str | None = None
    ) -> ChatView:
        """The chat's identity with its subscriber (``chat.subscriber``, None for a guest),
        created on first contact (race-free: create, or read the winner's row).
        ``language_hint`` only sets the language of a new chat. Called for what a person sends,
        so the chat is reachable again (a Telegram user who had blocked the bot and writes
        again) and its ``last_seen_at`` moves, by steps of SEEN_STEP: that is precise enough to
        tell which of a subscriber's chats was used last, and spares a write on most turns of a
        conversation."""
        _check_chat(channel, external_id)
        now = self.clock.now()
        found = await _chat_with_subscriber(channel, external_id)
        if found is None:
            try:
                async with in_transaction():
                    created = await ChatIdentity.create(
                        channel=channel,
                        external_id=external_id,
                        language=language_from_hint(language_hint),
                        last_seen_at=now,
                    )
                return ChatView.of(created, None)
            except IntegrityError:
                found = await _chat_with_subscriber(channel, external_id)
                assert found is not None  # the row the other turn created
        chat, subscriber = found
        if chat.unreachable or chat.last_seen_at is None or now - chat.last_seen_at >= SEEN_STEP:
            await ChatIdentity.filter(id=chat.id).update(last_seen_at=now, unreachable=False)
            chat.last_seen_at, chat.unreachable = now, False
        return ChatView.of(chat, subscriber)

    async def set_language(
        self, channel: str, external_id: str, language: str, *, subscriber_too: bool = True
    ) -> ChatView:
        """The chat's language, and its subscriber's (alerts and SMS follow it) if logged in,
        unless ``subscriber_too`` is False: a language asked for one session (the console's
        ``--lang``) is not the line's choice."""
        try:
            chosen = Language(language)
        except ValueError:
            raise InvalidInput("language_not_supported", language=language) from None
        chat = await self.identify_chat(channel, external_id)
        subscriber = chat.subscriber
        async with in_transaction():
            await ChatIdentity.filter(id=chat.id).update(language=chosen)
            if subscriber is not None and subscriber_too:
                await Subscriber.filter(id=subscriber.id).update(language=chosen)
                subscriber = dataclasses.replace(subscriber, language=chosen)
        return dataclasses.replace(chat, language=chosen, subscriber=subscriber)

    # ---- reach ---------------------------------------------------------------------------

    async def mark_unreachable(self, channel: str, external_id: str) -> None:
        """The platform refused us (the user blocked the bot): alerts go to other chats."""
        await ChatIdentity.filter(
            channel=channel, external_id=external_id, unreachable=False
        ).update(unreachable=True)

    async def mark_reachable(self, channel: str, external_id: str) -> None:
        """The user wrote to us (or restarted the bot): sends work again."""
        await ChatIdentity.filter(
            channel=channel, external_id=external_id, unreachable=True
        ).update(unreachable=False)

    async def set_opted_out(self, channel: str, external_id: str, opted_out: bool) -> None:
        """STOP (or a carrier's STOP we never saw) and START. Kept apart from reachability:
        only the person, never a delivery failure, may undo it."""
        await ChatIdentity.filter(channel=channel, external_id=external_id).update(
            opted_out=opted_out
        )

    # ---- the line it answers for (logging in with a password is core/accounts/login.py) ---

    async def log_out(self, channel: str, external_id: str) -> None:
        await ChatIdentity.filter(channel=channel, external_id=external_id).update(
            subscriber_id=None, logged_in_at=None
        )

    async def link(self, channel: str, external_id: str, subscriber_id: int) -> None:
        """Answer for the line without a password: for a number that is the line's registered
        mobile (SMS keywords), so alerts may reach it there."""
        await ChatIdentity.filter(channel=channel, external_id=external_id).update(
            subscriber_id=subscriber_id
        )

    async def link_by_operator(self, channel: str, external_id: str, subscriber_id: int) -> None:
        """Log the chat in as the subscriber, as if it had (a number the ISP knows)."""
        chat, _ = await ChatIdentity.get_or_create(channel=channel, external_id=external_id)
        await ChatIdentity.filter(id=chat.id).update(
            subscriber_id=subscriber_id, logged_in_at=self.clock.now()
        )

    async def unlink(self, subscriber_id: int, channel: str, external_id: str) -> bool:
        """Log the chat out of the subscriber; False when it was not theirs."""
        moved = await ChatIdentity.filter(
            subscriber_id=subscriber_id, channel=channel, external_id=external_id
        ).update(subscriber_id=None, logged_in_at=None)
        return bool(moved)


def _check_chat(channel: str, external_id: str) -> None:
    if not channel or len(channel) > 16 or not external_id or len(external_id) > 128:
        raise InvalidInput("invalid_chat", channel=channel)


async def _chat_with_subscriber(
    channel: str, external_id: str
) -> tuple[ChatIdentity, Subscriber | None] | None:
    """The chat and its subscriber in one statement of plain SQL: every turn of every channel
    starts here (core/sql.py says why). On PostgreSQL straight through asyncpg, the two rows
    whole as typed records."""
    if sql.on_postgres():
        row = await sql.fetch_row_typed(
            "SELECT c, s FROM chat_identity c LEFT JOIN subscriber s ON s.id = c.subscriber_id"
            " WHERE c.channel = $1 AND c.external_id = $2",
            channel,
            external_id,
        )
        if row is None:
            return None
        [chat_row] = sql.records([row["c"]])
        chat = sql.made(ChatIdentity, chat_row)
        if row["s"] is None:
            return chat, None
        [subscriber_row] = sql.records([row["s"]])
        return chat, sql.made(Subscriber, subscriber_row)
    rows = await sql.fetch(
        f"SELECT {sql.columns(ChatIdentity, 'c')}, {sql.columns(Subscriber, 's', 's__')}"
        " FROM chat_identity c LEFT JOIN subscriber s ON s.id = c.subscriber_id"
        " WHERE c.channel = $1 AND c.external_id = $2",
        channel,
        external_id,
    )
    if not rows:
        return None
    chat = sql.made(ChatIdentity, rows[0])
    subscriber = sql.made(Subscriber, rows[0], "s__") if rows[0]["s__id"] is not None else None
    return chat, subscriber
