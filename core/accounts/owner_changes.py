"""Changes only the owner may make: the mobile and the national ID, the details a password reset
trusts. The current panel password comes first (``confirm_owner``); a national ID is then
written as given, and a new mobile only once the 6-digit code sent to it by SMS comes back.
Wrong passwords and wrong codes count toward the account's lockout, as wrong logins do
(lockout.py); the password's word is good for ``OWNER_CHECK_MINUTES``, and so is a code."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import timedelta

from tortoise.transactions import in_transaction

from core.accounts import passwords
from core.accounts.codes import code_digits, digest, new_code
from core.accounts.lockout import Lockout
from core.accounts.models import OwnerCheck, Subscriber
from core.accounts.profile import OWNER_FIELDS, clean_field, country_of
from core.accounts.queries import SubscriberView, get_subscriber
from core.config import Settings
from core.errors import Conflict, InvalidInput
from core.ports import Clock, SmsSender

OWNER_CHECK_MINUTES = 10

CodeSmsText = Callable[[SubscriberView, str], str]


def english_code_text(subscriber: SubscriberView, code: str) -> str:
    return f"Your code to make this number the mobile of {subscriber.username}: {code}"


class OwnerChanges:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        sms: SmsSender,
        lockout: Lockout,
        code_sms_text: CodeSmsText | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.sms = sms
        self.lockout = lockout
        self.code_sms_text = code_sms_text or english_code_text

    async def confirm_owner(self, subscriber_id: int, field: str, password: str) -> None:
        """The current panel password, before ``field`` (mobile or national ID) may change.
        Codes: ``profile_field_not_editable``, ``wrong_password`` (``attempts_left``),
        ``login_locked``."""
        if field not in OWNER_FIELDS:
            raise InvalidInput("profile_field_not_editable", field=field)
        subscriber = await get_subscriber(subscriber_id)

        async def is_right() -> bool:
            return await passwords.verify_password(
                self.settings, subscriber.password_hash, password
            )

        await self.lockout.check_on_account(subscriber_id, is_right, "wrong_password")
        expires_at = self.clock.now() + timedelta(minutes=OWNER_CHECK_MINUTES)
        async with in_transaction():
            await OwnerCheck.filter(subscriber_id=subscriber_id).delete()
            await OwnerCheck.create(subscriber_id=subscriber_id, field=field, expires_at=expires_at)

    async def change_national_id(self, subscriber_id: int, value: str) -> SubscriberView:
        """After ``confirm_owner``: the new national ID, checked like the profile's. Codes:
        ``owner_check_expired``, ``invalid_national_id``."""
        subscriber = await get_subscriber(subscriber_id)
        check = await self._check(subscriber_id, "national_id")
        code = clean_field(
            "national_id",
            value,
            country=country_of(subscriber),
            is_company=subscriber.is_company,
        )
        async with in_transaction():
            # The check is spent by the change it allowed: a second one asks again.
            if not await OwnerCheck.filter(id=check.id).delete():
                raise Conflict("owner_check_expired", minutes=OWNER_CHECK_MINUTES)
            await Subscriber.filter(id=subscriber_id).update(national_id=code)
        return SubscriberView.of(await get_subscriber(subscriber_id))

    async def send_mobile_code(self, subscriber_id: int, value: str) -> str:
        """After ``confirm_owner``: a 6-digit code by SMS to the new mobile (not yet the
        registered one), good for ``OWNER_CHECK_MINUTES``; returns the number as it will be
        stored. Asking again sends a new code. Codes: ``owner_check_expired``,
        ``invalid_mobile``, ``mobile_unchanged``, ``mobile_taken``."""
        subscriber = await get_subscriber(subscriber_id)
        check = await self._check(subscriber_id, "mobile")
        mobile = clean_field(
            "mobile", value, country=country_of(subscriber), is_company=subscriber.is_company
        )
        if mobile == subscriber.mobile:
            raise InvalidInput("mobile_unchanged", field="mobile")
        await _refuse_taken(subscriber_id, mobile)
        code = new_code()
        text = self.code_sms_text(SubscriberView.of(subscriber), code)
        expires_at = self.clock.now() + timedelta(minutes=OWNER_CHECK_MINUTES)
        async with in_transaction():
            updated = await OwnerCheck.filter(id=check.id).update(
                new_value=mobile, code_hash=digest(code), expires_at=expires_at
            )
            if not updated:
                raise Conflict("owner_check_expired", minutes=OWNER_CHECK_MINUTES)
            # Inside the transaction: a code that could not be sent is never waited for.
            await self.sms.send_sms(mobile, text)
        return mobile

    async def confirm_mobile(self, subscriber_id: int, code: str) -> SubscriberView:
        """The code sent to the new mobile: right, the mobile is changed; wrong, it counts
        like a wrong password. Digits in any script. Codes: ``owner_check_expired``,
        ``wrong_code`` (``attempts_left``), ``login_locked``."""
        check = await self._check(subscriber_id, "mobile")
        if check.code_hash is None or check.new_value is None:
            raise Conflict("owner_check_expired", minutes=OWNER_CHECK_MINUTES)
        given = code_digits(code)
        expected = check.code_hash

        async def is_right() -> bool:
            return hmac.compare_digest(digest(given), expected)

        await self.lockout.check_on_account(subscriber_id, is_right, "wrong_code")
        async with in_transaction():
            if not await OwnerCheck.filter(id=check.id, code_hash=expected).delete():
                raise Conflict("owner_check_expired", minutes=OWNER_CHECK_MINUTES)
            await _refuse_taken(subscriber_id, check.new_value)
            await Subscriber.filter(id=subscriber_id).update(mobile=check.new_value)
        return SubscriberView.of(await get_subscriber(subscriber_id))

    async def _check(self, subscriber_id: int, field: str) -> OwnerCheck:
        check = await OwnerCheck.get_or_none(subscriber_id=subscriber_id, field=field)
        if check is None or check.expires_at <= self.clock.now():
            raise Conflict("owner_check_expired", field=field, minutes=OWNER_CHECK_MINUTES)
        return check


async def _refuse_taken(subscriber_id: int, mobile: str) -> None:
    """A mobile names one line (people log in with it): ``mobile_taken``."""
    if await Subscriber.filter(mobile=mobile).exclude(id=subscriber_id).exists():
        raise InvalidInput("mobile_taken", field="mobile")
