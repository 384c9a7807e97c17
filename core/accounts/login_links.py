"""Logging a chat in by a one-time link: the ISP (its site, an operator, an SMS it sends) asks
for a link for a subscriber; the person opens it on Telegram (a ``start`` parameter), in the web
chat (a URL) or sends its code on WhatsApp or SMS, and that chat is logged in without the
password.

A link works once and for ``login_link_minutes``; only the SHA-256 of its token is stored (the
token is random enough that a slow hash buys nothing). A code that matches no link counts toward
the chat's lockout as a wrong password does, so codes cannot be guessed from a chat.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from core.accounts import throttle
from core.accounts.chats import Chats
from core.accounts.keys import login_chat_key
from core.accounts.lockout import Lockout
from core.accounts.models import ChatIdentity, LoginLink, Subscriber
from core.accounts.queries import SubscriberView, get_subscriber
from core.config import Settings
from core.errors import DomainError, InvalidInput
from core.ports import Clock, SmsSender

# No 0/O, 1/I/L: the code may be read off a phone's screen and typed into another app.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TOKEN_LENGTH = 12  # 31**12: about 59 bits
PREFIX = "LOGIN-"
# The code as it arrives typed or pasted: any case, a dash, a space or nothing after the word,
# digits in any script (folded below).
_CODE_IN_TEXT = re.compile(
    rf"(?<![A-Za-z0-9])login[-_ ]?([{ALPHABET}]{{{TOKEN_LENGTH}}})(?![A-Za-z0-9])",
    re.IGNORECASE,
)
# Persian and Arabic-Indic digits typed on a phone's keyboard are the same digits.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
# Used links are kept this long for questions ("who logged my chat in?"), then purged.
KEEP_USED = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class IssuedLoginLink:
    """A new link's token: shown once, to be put in the links (it is not stored)."""

    subscriber_id: int
    username: str
    token: str
    expires_at: datetime

    @property
    def code(self) -> str:
        """What a person sends on a channel without deep links (WhatsApp, SMS)."""
        return PREFIX + self.token


# The SMS that carries a new link to the registered mobile, in the subscriber's language.
LinkSmsText = Callable[[SubscriberView, "IssuedLoginLink"], str]


def code_in_text(text: str | None) -> str | None:
    """The token of a login code in a typed or pasted text (``LOGIN-ABCD…``), if it holds one."""
    if not text or len(text) > 200:
        return None
    found = _CODE_IN_TEXT.search(text.translate(_DIGITS))
    return found.group(1).upper() if found else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().upper().encode()).hexdigest()


class LoginLinks:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        chats: Chats,
        lockout: Lockout,
        sms: SmsSender,
        *,
        link_sms_text: LinkSmsText,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.chats = chats
        self.lockout = lockout
        self.sms = sms
        self.link_sms_text = link_sms_text

    async def issue(self, subscriber_id: int, *, send_sms: bool = False) -> IssuedLoginLink:
        """A new link for the subscriber; with ``send_sms`` it also goes by SMS to the line's
        registered mobile (``no_mobile`` when there is none, and then no link is made)."""
        subscriber = await get_subscriber(subscriber_id)  # NotFound first
        if send_sms and not subscriber.mobile:
            raise InvalidInput("no_mobile", field="send_sms")
        token = "".join(secrets.choice(ALPHABET) for _ in range(TOKEN_LENGTH))
        now = self.clock.now()
        expires_at = now + timedelta(minutes=self.settings.login_link_minutes)
        await LoginLink.create(
            subscriber_id=subscriber.id,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=expires_at,
        )
        issued = IssuedLoginLink(subscriber.id, subscriber.username, token, expires_at)
        if send_sms and subscriber.mobile:
            view = SubscriberView.of(subscriber)
            await self.sms.send_sms(subscriber.mobile, self.link_sms_text(view, issued))
        return issued

    async def redeem(self, channel: str, external_id: str, token: str) -> SubscriberView:
        """Log the chat in with a link's token: ``login_link_used`` a second time,
        ``login_link_expired`` after its minutes, ``login_link_unknown`` (counted toward the
        chat's lockout, as a wrong password) for a token that was never issued."""
        await self.chats.identify_chat(channel, external_id)
        chat_key = login_chat_key(channel, external_id)
        now = self.clock.now()
        await self.lockout.reserve([chat_key], now)
        digest = token_hash(token)
        async with in_transaction():
            taken = await LoginLink.filter(
                token_hash=digest, used_at__isnull=True, expires_at__gt=now
            ).update(used_at=now, used_by=f"{channel}:{external_id}"[:150])
            link = await LoginLink.get_or_none(token_hash=digest)
            if taken and link is not None:
                await ChatIdentity.filter(channel=channel, external_id=external_id).update(
                    subscriber_id=link.subscriber_id,
                    logged_in_at=now,
                    last_seen_at=now,
                )
        if link is None:
            raise await self.lockout.failure([chat_key], now, "login_link_unknown")
        # A real link, used or late: nobody guessed it, so the attempt is given back.
        if not taken:
            await throttle.give_back([chat_key])
            if link.used_at is not None:
                raise DomainError("login_link_used")
            raise DomainError("login_link_expired")
        await throttle.clear([chat_key])
        subscriber = await Subscriber.get(id=link.subscriber_id)
        return SubscriberView.of(subscriber)

    async def purge(self) -> int:
        """Delete links that can no longer be used and are past keeping."""
        now = self.clock.now()
        unused = await LoginLink.filter(used_at__isnull=True, expires_at__lt=now).delete()
        used = await LoginLink.filter(used_at__lt=now - KEEP_USED).delete()
        return unused + used
