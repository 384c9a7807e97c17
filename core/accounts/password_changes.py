"""Changing passwords: a forgotten panel password sent anew by SMS, and the panel and internet
(PPPoE) passwords changed with the old one, whose wrong guesses count toward the account's
lockout (lockout.py). Hashing and strength rules are in passwords.py."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable

from tortoise.transactions import in_transaction

from core.accounts import passwords, throttle
from core.accounts.chats import Chats
from core.accounts.identifiers import clean_identifier, subscriber_named, without_leading_zero
from core.accounts.keys import login_account_key, reset_chat_key, reset_username_key
from core.accounts.lockout import Lockout, reset_limit
from core.accounts.models import Subscriber
from core.accounts.national_id import clean_digits, normalise_national_id
from core.accounts.phones import normalise_phone
from core.accounts.profile import country_of
from core.accounts.queries import SubscriberView, get_subscriber
from core.config import Settings
from core.errors import DomainError, InvalidInput
from core.ports import Clock, SmsSender

log = logging.getLogger(__name__)

ResetSmsText = Callable[[SubscriberView, str], str]


def english_reset_text(subscriber: SubscriberView, password: str) -> str:
    return f"Your new panel password for {subscriber.username} is: {password}"


class PasswordChanges:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        sms: SmsSender,
        chats: Chats,
        lockout: Lockout,
        reset_sms_text: ResetSmsText | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.sms = sms
        self.chats = chats
        self.lockout = lockout
        self.reset_sms_text = reset_sms_text or english_reset_text
        self.reset_limit = reset_limit(settings)

    async def forgot_password(
        self, channel: str, external_id: str, username: str, national_id: str, mobile: str
    ) -> None:
        """If username, national ID and registered mobile all match, a new password goes by SMS
        to that mobile. Returns the same (nothing) whether or not they matched; only the rate
        limit (per chat and per username) is visible: ``reset_rate_limited``."""
        await self.chats.identify_chat(channel, external_id)
        name = clean_identifier(username)
        now = self.clock.now()
        # One allowance per line, however the name is typed ("0" + username finds it too).
        canonical = without_leading_zero(name)
        keys = [reset_chat_key(channel, external_id), reset_username_key(canonical.casefold())]
        try:
            await throttle.reserve(keys, self.reset_limit, now)
        except throttle.Blocked as blocked:
            minutes = blocked.minutes_left(now)
            raise DomainError("reset_rate_limited", minutes_left=minutes) from None

        subscriber = await subscriber_named(name)
        send_to = _reset_details_match(subscriber, national_id, mobile) if subscriber else None
        if subscriber is None or send_to is None:
            await passwords.dummy_verify(self.settings, name)  # as long as hashing a new one
            return

        new_password = passwords.generate_password()
        new_hash = await passwords.hash_password(self.settings, new_password)
        text = self.reset_sms_text(SubscriberView.of(subscriber), new_password)
        try:
            async with in_transaction():
                await Subscriber.filter(id=subscriber.id).update(password_hash=new_hash)
                # Inside the transaction: if the SMS cannot go, the old password stays.
                await self.sms.send_sms(send_to, text)
        except Exception:
            # Telling the caller would tell them that the three details matched.
            log.exception("password reset SMS to subscriber %s failed", subscriber.id)
            return
        # Whoever holds the mobile may log in again at once with the new password.
        await throttle.clear([login_account_key(subscriber.id)])

    async def change_panel_password(
        self, subscriber_id: int, old: str, new: str, repeat: str
    ) -> None:
        """Codes: ``passwords_differ``, ``password_too_weak``, ``password_too_long``,
        ``password_unchanged``, ``wrong_password`` (``attempts_left``), ``login_locked``."""
        subscriber = await get_subscriber(subscriber_id)
        _check_new_password(subscriber, old, new, repeat)
        old_hash = subscriber.password_hash

        async def old_is_right() -> bool:
            return await passwords.verify_password(self.settings, old_hash, old)

        await self._check_old_password(subscriber_id, old_is_right)
        new_hash = await passwords.hash_password(self.settings, new)
        # Conditional: a reset that landed meanwhile has made ``old`` wrong.
        if not await Subscriber.filter(id=subscriber_id, password_hash=old_hash).update(
            password_hash=new_hash
        ):
            raise InvalidInput("wrong_password", attempts_left=self.settings.lockout_attempts)

    async def change_internet_password(
        self, subscriber_id: int, old: str, new: str, repeat: str
    ) -> None:
        """The PPPoE password. Same codes as the panel password, plus
        ``password_invalid_characters`` (modems take printable ASCII without spaces only).
        The dialog must warn that the modem needs the new password to connect."""
        subscriber = await get_subscriber(subscriber_id)
        _check_new_password(subscriber, old, new, repeat)
        new = passwords.fold(new)
        if not all("!" <= ch <= "~" for ch in new):
            raise InvalidInput("password_invalid_characters")
        current = subscriber.internet_password

        async def old_is_right() -> bool:
            given, stored = passwords.fold(old), passwords.fold(current)
            return hmac.compare_digest(given.encode(), stored.encode())

        await self._check_old_password(subscriber_id, old_is_right)
        if not await Subscriber.filter(id=subscriber_id, internet_password=current).update(
            internet_password=new
        ):
            raise InvalidInput("wrong_password", attempts_left=self.settings.lockout_attempts)

    async def _check_old_password(
        self, subscriber_id: int, old_is_right: Callable[[], Awaitable[bool]]
    ) -> None:
        """Wrong old passwords count like wrong logins on the account (a borrowed phone must
        not become a way to guess the password)."""
        await self.lockout.check_on_account(subscriber_id, old_is_right, "wrong_password")


def _check_new_password(subscriber: Subscriber, old: str, new: str, repeat: str) -> None:
    """Digits are compared folded: ``۱۲۳`` repeats ``123``."""
    old, new, repeat = passwords.fold(old), passwords.fold(new), passwords.fold(repeat)
    if new != repeat:
        raise InvalidInput("passwords_differ")
    passwords.check_strength(new, subscriber.username)
    if new == old:
        raise InvalidInput("password_unchanged")


def _same_digits(given: str, stored: str | None) -> bool:
    if not stored:
        return False
    a = clean_digits(given).upper().lstrip("0")
    b = clean_digits(stored).upper().lstrip("0")
    return bool(a) and hmac.compare_digest(a.encode(), b.encode())


def _reset_details_match(subscriber: Subscriber, national_id: str, mobile: str) -> str | None:
    """The registered mobile (E.164) to send the new password to, if all details match."""
    country = country_of(subscriber)
    given_id = normalise_national_id(national_id, country, company=subscriber.is_company)
    id_ok = _same_digits(given_id or national_id, subscriber.national_id)
    stored_mobile = subscriber.mobile and (
        normalise_phone(subscriber.mobile, country) or subscriber.mobile
    )
    given_mobile = normalise_phone(mobile, country)
    if id_ok and stored_mobile and given_mobile == stored_mobile:
        return stored_mobile
    return None
