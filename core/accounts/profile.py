"""Profile rules as pure functions: which country's forms apply, field validation, completeness."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from core.accounts.national_id import clean_digits, normalise_national_id
from core.accounts.phones import is_mobile, normalise_phone
from core.errors import InvalidInput
from core.typed_text import without_direction_controls

if TYPE_CHECKING:
    from core.accounts.models import Subscriber
    from core.accounts.queries import SubscriberView
    from core.config import Settings

_COUNTRY_BY_CURRENCY = {"IRR": "IR", "IRT": "IR", "IDR": "ID"}

# The fields a subscriber may edit from a chat (the seed's "edit profile" form). The birth date
# has its own write-once path; username, customer number and status belong to operators.
EDITABLE_FIELDS = (
    "full_name",
    "mobile",
    "email",
    "national_id",
    "postal_code",
    "education",
    "address",
    "city",
)
# What a password reset trusts: only the owner changes them (owner_changes.py).
OWNER_FIELDS = ("mobile", "national_id")
_MAX_LENGTHS = {"full_name": 120, "education": 60, "address": 500, "city": 60}

_EMAIL = re.compile(r"^[^@\s]{1,64}@(?:[^@\s.]{1,63}\.)+[^@\s.\d]{2,63}$")


def country_of(subscriber: Any) -> str | None:
    """ISO alpha-2 country whose forms (phone, national ID, postal code) the subscriber uses."""
    return _COUNTRY_BY_CURRENCY.get((getattr(subscriber, "currency", "") or "").upper())


def subscriber_zone(subscriber: Subscriber | SubscriberView, settings: Settings) -> ZoneInfo:
    """The subscriber's own time zone, or the settings' one when it is unset or unknown."""
    if subscriber.timezone:
        try:
            return ZoneInfo(subscriber.timezone)
        except (KeyError, ValueError):
            pass
    return settings.zone


def missing_profile_fields(subscriber: Any) -> list[str]:
    """Names of the personal data still empty, in the order of the profile form.

    Takes a ``Subscriber`` or anything with the same attributes (the ``Profile`` view).
    """
    wanted = ["full_name", "mobile", "email", "national_id", "postal_code"]
    if not getattr(subscriber, "is_company", False):
        wanted.append("education")
    wanted += ["birth_date", "address"]
    return [name for name in wanted if _is_empty(getattr(subscriber, name, None))]


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_field(name: str, value: Any, *, country: str | None, is_company: bool) -> str:
    """The value to store for profile field ``name``, or a coded ``InvalidInput``."""
    if name not in EDITABLE_FIELDS:
        raise InvalidInput("profile_field_not_editable", field=name)
    if isinstance(value, str):
        value = without_direction_controls(value)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("profile_field_required", field=name)
    text = " ".join(value.split())
    if name == "email":
        return clean_email(text)
    if name == "mobile":
        phone = normalise_phone(text, country)
        # The registered mobile receives the reset password by SMS: a landline cannot.
        if phone is None or not is_mobile(phone):
            raise InvalidInput("invalid_mobile", field=name)
        return phone
    if name == "national_id":
        code = normalise_national_id(text, country, company=is_company)
        if code is None:
            raise InvalidInput("invalid_national_id", field=name, country=country)
        return code
    if name == "postal_code":
        return clean_postal_code(text, country)
    limit = _MAX_LENGTHS[name]
    if len(text) > limit:
        raise InvalidInput("profile_value_too_long", field=name, max_length=limit)
    if name == "full_name" and len(text) < 2:
        raise InvalidInput("invalid_full_name", field=name)
    return text


def clean_email(text: str) -> str:
    text = text.strip()
    if len(text) > 254 or not _EMAIL.match(text):
        raise InvalidInput("invalid_email", field="email")
    local, domain = text.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def clean_postal_code(text: str, country: str | None) -> str:
    """Iran: 10 digits. Indonesia: 5 digits (kode pos). Elsewhere: 3-10 letters and digits."""
    code = clean_digits(text).upper()
    if country == "IR":
        valid = len(code) == 10 and code.isdigit()
    elif country == "ID":
        valid = len(code) == 5 and code.isdigit()
    else:
        valid = 3 <= len(code) <= 10 and code.isalnum()
    if not valid or not code.isascii():
        raise InvalidInput("invalid_postal_code", field="postal_code", country=country)
    return code


def check_birth_date(value: Any, today: date) -> date:
    """A birth (or company registration) date: a real date, not in the future, not before 1900."""
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise InvalidInput("invalid_birth_date")
    if value > today:
        raise InvalidInput("birth_date_in_future")
    if value.year < 1900:
        raise InvalidInput("invalid_birth_date")
    return value
