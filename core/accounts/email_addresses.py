"""The subscriber's email address as a channel: confirmed by a code sent to it, turned on or off
by the subscriber, and marked when a mail server refuses it for good (a bounce), after which no
notice goes there until an address is confirmed again.

A code is 6 digits, good for ``EMAIL_CODE_MINUTES``; wrong codes count toward the account's
lockout, as wrong logins do (a code is a secret that can be guessed). An address typed in the
profile while email is not offered is stored unconfirmed (profile_edits.py); one an operator
gives is taken as confirmed (core/imports/subscribers.py).
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from tortoise.transactions import in_transaction

from core.accounts import throttle
from core.accounts.codes import code_digits, digest, new_code
from core.accounts.enums import Language
from core.accounts.keys import email_code_account_key, email_code_address_key
from core.accounts.lockout import Lockout
from core.accounts.models import EmailCheck, Subscriber
from core.accounts.profile import clean_field, country_of
from core.accounts.queries import SubscriberView, get_subscriber
from core.errors import Conflict, Forbidden, InvalidInput
from core.ports import Clock, EmailCodeSender, EmailNotSent

EMAIL_CODE_MINUTES = 30
# Codes a line may have sent, and an address may be sent, in an hour: asking again is for a
# code that did not come, not a way to fill someone's mailbox.
EMAIL_CODES_PER_HOUR = 5
HOUR = timedelta(hours=1)
# What is kept of a mail server's refusal (the column's size).
BOUNCE_MAX_LENGTH = 200


class EmailAddresses:
    """``sender`` is None where no mail server is configured: email is then not offered."""

    def __init__(self, clock: Clock, lockout: Lockout, sender: EmailCodeSender | None) -> None:
        self.clock = clock
        self.lockout = lockout
        self.sender = sender

    @property
    def offered(self) -> bool:
        return self.sender is not None

    async def send_code(self, subscriber_id: int, value: str) -> str:
        """A code by email to ``value``, to confirm it as the subscriber's address; returns the
        address as it will be stored. Asking again sends a new code (the old one stops
        working). Codes: ``email_not_offered``, ``invalid_email``, ``email_unchanged`` (it is
        the confirmed address already), ``email_refused`` (its mail server refused it),
        ``email_not_sent`` (try again later), ``email_code_rate_limited`` (``minutes_left``)."""
        if self.sender is None:
            raise Forbidden("email_not_offered")
        subscriber = await get_subscriber(subscriber_id)
        address = clean_field(
            "email", value, country=country_of(subscriber), is_company=subscriber.is_company
        )
        if (
            address == subscriber.email
            and subscriber.email_verified_at is not None
            and subscriber.email_bounced_at is None
        ):
            raise InvalidInput("email_unchanged", field="email")
        now = self.clock.now()
        keys = [email_code_account_key(subscriber_id), email_code_address_key(address)]
        try:
            await throttle.reserve(keys, throttle.Limit(EMAIL_CODES_PER_HOUR, HOUR), now)
        except throttle.Blocked as blocked:
            minutes = blocked.minutes_left(now)
            raise Conflict("email_code_rate_limited", minutes_left=minutes) from None
        code = new_code()
        expires_at = self.clock.now() + timedelta(minutes=EMAIL_CODE_MINUTES)
        async with in_transaction():
            await EmailCheck.filter(subscriber_id=subscriber_id).delete()
            await EmailCheck.create(
                subscriber_id=subscriber_id,
                address=address,
                code_hash=digest(code),
                expires_at=expires_at,
            )
            # Inside the transaction: a code that could not be sent is never waited for.
            try:
                await self.sender.send_email_code(
                    address,
                    code,
                    language=Language(subscriber.language).value,
                    username=subscriber.username,
                    minutes=EMAIL_CODE_MINUTES,
                )
            except EmailNotSent as error:
                if error.permanent:
                    raise InvalidInput("email_refused", field="email") from error
                raise Conflict("email_not_sent") from error
        return address

    async def confirm(self, subscriber_id: int, code: str) -> SubscriberView:
        """The code sent to the new address: right, it becomes the subscriber's confirmed
        address with email notices on; wrong, it counts like a wrong password. Digits in any
        script. Codes: ``email_code_expired``, ``wrong_code`` (``attempts_left``),
        ``login_locked``."""
        check = await EmailCheck.get_or_none(subscriber_id=subscriber_id)
        if check is None or check.expires_at <= self.clock.now():
            raise Conflict("email_code_expired", minutes=EMAIL_CODE_MINUTES)
        given, expected = code_digits(code), check.code_hash

        async def is_right() -> bool:
            return hmac.compare_digest(digest(given), expected)

        await self.lockout.check_on_account(subscriber_id, is_right, "wrong_code")
        async with in_transaction():
            # Spent by the change it allowed, once: a second right answer finds it gone.
            if not await EmailCheck.filter(id=check.id, code_hash=expected).delete():
                raise Conflict("email_code_expired", minutes=EMAIL_CODE_MINUTES)
            await Subscriber.filter(id=subscriber_id).update(
                email=check.address,
                email_verified_at=self.clock.now(),
                email_notices=True,
                email_bounced_at=None,
                email_bounce=None,
            )
        return SubscriberView.of(await get_subscriber(subscriber_id))

    async def set_notices(self, subscriber_id: int, on: bool) -> SubscriberView:
        """Email notices on or off (the address is kept either way). Turning them on needs a
        confirmed address that did not bounce: ``email_not_confirmed``, ``email_bounced``."""
        subscriber = await get_subscriber(subscriber_id)
        if on and (not subscriber.email or subscriber.email_verified_at is None):
            raise Conflict("email_not_confirmed")
        if on and subscriber.email_bounced_at is not None:
            raise Conflict("email_bounced")
        await Subscriber.filter(id=subscriber_id).update(email_notices=on)
        return SubscriberView.of(await get_subscriber(subscriber_id))

    async def mark_bounced(self, address: str, reason: str) -> int:
        """A mail server refused ``address`` for good: every subscriber who has it gets no
        email from now on, until they confirm an address again. The first bounce is kept (a
        later one says nothing new). Returns how many subscribers were marked."""
        address = address.strip()
        local, _, domain = address.rpartition("@")
        if not local or not domain:
            return 0
        # Stored with the domain in lower case (profile.clean_email); a DSN may spell it so.
        stored = f"{local}@{domain.lower()}"
        return await Subscriber.filter(
            email__in=sorted({address, stored}), email_bounced_at__isnull=True
        ).update(email_bounced_at=self.clock.now(), email_bounce=reason[:BOUNCE_MAX_LENGTH])
