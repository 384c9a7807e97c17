"""The subscriber's edits of their profile: the form's fields, and the birth date written once.
The field rules are in profile.py."""

from __future__ import annotations

from datetime import date
from typing import Any

from tortoise.transactions import in_transaction

from core.accounts.models import Subscriber
from core.accounts.profile import (
    OWNER_FIELDS,
    check_birth_date,
    clean_field,
    country_of,
    missing_profile_fields,
    subscriber_zone,
)
from core.accounts.queries import SubscriberView, get_subscriber
from core.billing.periods import local_date
from core.config import Settings
from core.errors import Conflict, Forbidden
from core.ports import Clock


class ProfileEdits:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock

    @staticmethod
    def missing_profile_fields(subscriber: Any) -> list[str]:
        return missing_profile_fields(subscriber)

    async def update_profile(self, subscriber_id: int, **fields: Any) -> SubscriberView:
        """Edit fields of the profile form (``EDITABLE_FIELDS``; ``birth_date`` too, write-once).
        Every value is checked before anything is written. A missing mobile or national ID
        may be given here; one already set changes only through owner_changes.py:
        ``owner_check_required``."""
        subscriber = await get_subscriber(subscriber_id)
        country = country_of(subscriber)
        birth_date = fields.pop("birth_date", None)
        cleaned: dict[str, Any] = {
            name: clean_field(name, value, country=country, is_company=subscriber.is_company)
            for name, value in fields.items()
        }
        for name in OWNER_FIELDS:
            if name in cleaned and getattr(subscriber, name):
                raise Forbidden("owner_check_required", field=name)
        if birth_date is not None:
            birth_date = check_birth_date(birth_date, self._today(subscriber))
        if "email" in cleaned and cleaned["email"] != subscriber.email:
            # Typed, not confirmed: no notice goes to it until a code sent there comes back
            # (email_addresses.py), and a bounce of the old address says nothing of it.
            cleaned.update(email_verified_at=None, email_bounced_at=None, email_bounce=None)
        async with in_transaction():
            if cleaned:
                await Subscriber.filter(id=subscriber_id).update(**cleaned)
            if birth_date is not None:
                await self._write_birth_date_once(subscriber, birth_date)
        return SubscriberView.of(await get_subscriber(subscriber_id))

    async def set_birth_date(self, subscriber_id: int, value: date) -> None:
        """Birth date (or a company's registration date): set once, never edited afterwards:
        ``birth_date_locked``. Setting the same date again is harmless."""
        subscriber = await get_subscriber(subscriber_id)
        await self._write_birth_date_once(
            subscriber, check_birth_date(value, self._today(subscriber))
        )

    async def _write_birth_date_once(self, subscriber: Subscriber, value: date) -> None:
        if await Subscriber.filter(id=subscriber.id, birth_date__isnull=True).update(
            birth_date=value
        ):
            return
        current = await Subscriber.filter(id=subscriber.id).values_list("birth_date", flat=True)
        if current != [value]:
            raise Conflict("birth_date_locked")

    def _today(self, subscriber: Subscriber) -> date:
        return local_date(self.clock.now(), subscriber_zone(subscriber, self.settings))
