"""One subscriber's cells, as strings (a CSV row, an admin API body), checked and cleaned into
model fields with the chat's own rules: national ID checksum, mobile, e-mail, postal code,
an IANA time zone.

An empty cell keeps what is stored. Each bad cell gives (field, reason), so an import reports
every problem of a row at once and the admin API answers field by field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from ipaddress import ip_address
from typing import Any
from zoneinfo import available_timezones

from core.accounts.enums import Language, LineStatus
from core.accounts.models import Subscriber
from core.accounts.national_id import normalise_national_id
from core.accounts.passwords import check_strength
from core.accounts.phones import is_mobile, normalise_phone
from core.accounts.profile import clean_email, clean_postal_code
from core.alerts.channels import CHANNELS
from core.alerts.preferences import MUTABLE, stored_muted
from core.billing.ip_pool import StaticIpPool
from core.errors import DomainError

FIELDS = (
    "username",
    "customer_number",
    "full_name",
    "mobile",
    "national_id",
    "email",
    "language",
    "currency",
    "timezone",
    "is_company",
    "birth_date",
    "education",
    "postal_code",
    "city",
    "address",
    "exchange_centre",
    "line_status",
    "static_ip",
    "plan",
    "panel_password",
    "internet_password",
    # What a new line owes at installation, in minor units; a new line owing it is isolated.
    "deposit",
    "installation_fee",
    # Where notices go first (a channel, or "none" for the usual order) and the kinds muted
    # ("traffic_low;announcement", or "none"): core/alerts/preferences.py.
    "preferred_channel",
    "muted_notices",
)
# PostgreSQL's bigint, and below it.
_MAX_AMOUNT = 10**15
# Fields stored as given (spaces collapsed), with the model's length limits.
_TEXT_LIMITS = {
    "full_name": 120,
    "education": 60,
    "city": 60,
    "address": 500,
    "exchange_centre": 60,
}
_COUNTRY_BY_CURRENCY = {"IRR": "IR", "IDR": "ID"}
_TRUE, _FALSE = {"1", "yes", "true", "y"}, {"0", "no", "false", "n", ""}
# The notices' columns: "none" clears; muted kinds are separated by ; (or spaces, commas).
_NONE = "none"
_SEPARATORS = re.compile(r"[;,\s]+")

FieldError = tuple[str, str]
DUPLICATE_STATIC_IP = "duplicate static_ip (another subscriber has it)"


@dataclass(slots=True)
class CleanRow:
    fields: dict[str, Any]  # model fields to set
    plan_code: str | None  # a service to give a line that has none
    panel_password: str | None
    password_hash: str | None = None  # filled by the writer, outside the transaction


def clean_ip(value: str) -> str | None:
    """An address in its one written form (``2001:DB8::0:1`` is ``2001:db8::1``); None if it is
    not one."""
    try:
        return str(ip_address(value.strip()))
    except ValueError:
        return None


def country_for(currency: str | None) -> str | None:
    return _COUNTRY_BY_CURRENCY.get((currency or "").upper())


@cache
def _zone_names() -> frozenset[str]:
    # The zone files' names, read once; "localtime" (some systems list it) is the server's own
    # zone, not a place.
    return frozenset(available_timezones() - {"localtime"})


@dataclass(slots=True)
class RowChecker:
    """``mobile_owner(e164)`` names the username that has the mobile (None if free); ``today``
    bounds birth dates; a ``static_ip`` is one of ``static_ips`` that ``static_ip_owner(ip)``
    names no other subscriber for."""

    default_currency: str
    plans: set[str]
    mobile_owner: Callable[[str], str | None]
    today: date
    static_ips: StaticIpPool
    static_ip_owner: Callable[[str], str | None]

    def check(self, raw: dict[str, str], current: Subscriber | None) -> CleanRow | list[FieldError]:
        errors: list[FieldError] = []
        fields: dict[str, Any] = {}
        username = raw.get("username", "")
        if not username or len(username) > 32 or not username.isascii() or " " in username:
            errors.append(("username", "invalid username"))
        fields["username"] = username

        currency = (raw.get("currency") or (current.currency if current else "")).upper()
        currency = currency or self.default_currency
        if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
            errors.append(("currency", "invalid currency"))
        elif raw.get("currency"):
            fields["currency"] = currency
        country = country_for(currency)

        is_company = current.is_company if current else False
        flag = raw.get("is_company", "").lower()
        if flag in _TRUE:
            is_company = fields["is_company"] = True
        elif flag not in _FALSE:
            errors.append(("is_company", "is_company must be yes or no"))
        elif flag:
            is_company = fields["is_company"] = False

        if raw.get("customer_number"):
            if len(raw["customer_number"]) > 20:
                errors.append(("customer_number", "customer_number longer than 20 characters"))
            fields["customer_number"] = raw["customer_number"]
        elif current is None:
            fields["customer_number"] = f"C{username}"[:20]
        for name, limit in _TEXT_LIMITS.items():
            if raw.get(name):
                if len(raw[name]) > limit:
                    errors.append((name, f"{name} longer than {limit} characters"))
                fields[name] = " ".join(raw[name].split())
        if raw.get("mobile"):
            phone = normalise_phone(raw["mobile"], country)
            if phone is None or not is_mobile(phone):
                errors.append(("mobile", "invalid mobile number"))
            elif (self.mobile_owner(phone) or username) != username:
                errors.append(("mobile", "duplicate mobile (another subscriber has it)"))
            else:
                fields["mobile"] = phone
        if raw.get("national_id"):
            code = normalise_national_id(raw["national_id"], country, company=is_company)
            if code is None:
                errors.append(("national_id", "invalid national ID (wrong length or checksum)"))
            else:
                fields["national_id"] = code
        for name, clean in (
            ("email", clean_email),
            ("postal_code", lambda value: clean_postal_code(value, country)),
        ):
            if raw.get(name):
                try:
                    fields[name] = clean(raw[name])
                except DomainError:
                    errors.append((name, f"invalid {name.replace('_', ' ')}"))
        for name, enum in (("language", Language), ("line_status", LineStatus)):
            if raw.get(name):
                try:
                    fields[name] = enum(raw[name])
                except ValueError:
                    allowed = ", ".join(item.value for item in enum)
                    errors.append((name, f"{name} must be one of {allowed}"))
        if raw.get("timezone"):
            if raw["timezone"] in _zone_names():
                fields["timezone"] = raw["timezone"]
            else:
                errors.append(("timezone", "timezone must be an IANA zone name (Asia/Jakarta)"))
        if raw.get("birth_date"):
            self._birth_date(raw["birth_date"], current, fields, errors)
        if raw.get("static_ip"):
            self._static_ip(raw["static_ip"], username, current, fields, errors)
        if raw.get("internet_password"):
            if len(raw["internet_password"]) > 128:
                errors.append(("internet_password", "internet password too long"))
            fields["internet_password"] = raw["internet_password"]
        panel_password = raw.get("panel_password") or None
        if panel_password:
            try:
                check_strength(panel_password, username)
            except DomainError:
                errors.append(("panel_password", "panel password too weak"))
        self._owed(raw, current, fields, errors)
        self._notices(raw, fields, errors)
        plan_code = raw.get("plan") or None
        if plan_code and plan_code not in self.plans:
            errors.append(
                (
                    "plan",
                    f"unknown plan {plan_code!r} (import the plans first: ispbot import plans)",
                )
            )
        if errors:
            return errors
        return CleanRow(fields, plan_code, panel_password)

    def _static_ip(
        self,
        value: str,
        username: str,
        current: Subscriber | None,
        fields: dict[str, Any],
        errors: list[FieldError],
    ) -> None:
        """A line that already has its address: one of the pool's (the one it holds is kept
        even when the pool has changed since), held by no other line."""
        ip = clean_ip(value)
        if ip is None:
            errors.append(("static_ip", "static_ip is not an IP address"))
        elif (self.static_ip_owner(ip) or username) != username:
            errors.append(("static_ip", DUPLICATE_STATIC_IP))
        elif ip not in self.static_ips and not (current and current.static_ip == ip):
            errors.append(("static_ip", "static_ip is outside the pool (ISPBOT_STATIC_IP_POOL)"))
        else:
            fields["static_ip"] = ip

    def _owed(
        self,
        raw: dict[str, str],
        current: Subscriber | None,
        fields: dict[str, Any],
        errors: list[FieldError],
    ) -> None:
        for column, field in (
            ("deposit", "deposit_due"),
            ("installation_fee", "installation_fee_due"),
        ):
            text = raw.get(column, "").strip()
            if not text:
                continue
            if not text.isascii() or not text.isdigit() or int(text) > _MAX_AMOUNT:
                errors.append(
                    (column, f"{column} must be a whole amount in minor units, 0 or more")
                )
            else:
                fields[field] = int(text)
        owes = fields.get("deposit_due", 0) + fields.get("installation_fee_due", 0) > 0
        if current is None and owes and "line_status" not in fields:
            fields["line_status"] = LineStatus.ISOLATED

    def _notices(
        self, raw: dict[str, str], fields: dict[str, Any], errors: list[FieldError]
    ) -> None:
        channel = raw.get("preferred_channel", "").strip().lower()
        if channel == _NONE:
            fields["preferred_channel"] = None
        elif channel in CHANNELS:
            fields["preferred_channel"] = channel
        elif channel:
            allowed = ", ".join((*CHANNELS, _NONE))
            errors.append(("preferred_channel", f"preferred_channel must be one of {allowed}"))
        text = raw.get("muted_notices", "").strip().lower()
        if not text:
            return
        muted = set() if text == _NONE else set(_SEPARATORS.split(text)) - {""}
        wrong = sorted(muted - set(MUTABLE))
        if wrong:
            errors.append(
                (
                    "muted_notices",
                    f"muted_notices cannot hold {', '.join(wrong)} (only {', '.join(MUTABLE)} "
                    "may be muted, separated by ;)",
                )
            )
        else:
            fields["muted_notices"] = stored_muted(muted)

    def _birth_date(
        self,
        text: str,
        current: Subscriber | None,
        fields: dict[str, Any],
        errors: list[FieldError],
    ) -> None:
        try:
            born = date.fromisoformat(text)
        except ValueError:
            errors.append(("birth_date", "birth_date must be YYYY-MM-DD"))
            return
        if current and current.birth_date and current.birth_date != born:
            errors.append(("birth_date", "birth date is already set and cannot be changed"))
        elif born.year < 1900 or born > self.today:
            errors.append(("birth_date", "birth date out of range"))
        else:
            fields["birth_date"] = born
