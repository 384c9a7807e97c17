"""Phone numbers as people type them, turned into E.164 (``+989121234567``): the one place that
reads or writes a number. Google's libphonenumber (``phonenumbers``) knows each country's
number plan; this module only cleans what people type before handing it over.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

# Persian (U+06F0..) and Arabic-Indic (U+0660..) digits, as typed on Persian and Arabic keyboards.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
# What people put between digit groups: spaces (also no-break and thin), dashes, dots, brackets,
# and the invisible marks that Persian keyboards and right-to-left text leave behind.
_SEPARATORS = re.compile(r"[\s\-.()/\u200c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# libphonenumber reads letters as a keypad's ("0912abc4567"); a subscriber's number has none.
_PLAIN_NUMBER = re.compile(r"\+?[0-9]+")

# The countries whose subscribers we serve, with their calling codes.
CALLING_CODES = {
    region: str(phonenumbers.country_code_for_region(region)) for region in ("IR", "ID")
}
# A number of these types can take an SMS; FIXED_LINE_OR_MOBILE is a plan (the US's) that
# does not tell the two apart.
_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def ascii_digits(text: str) -> str:
    """``"۰۹۱۲"`` → ``"0912"``; other characters are kept."""
    return text.translate(_DIGITS)


def normalise_phone(text: str, default_country: str | None) -> str | None:
    """The number in E.164, or None when ``text`` is not a valid phone number.

    ``default_country`` (ISO 3166 alpha-2: ``"IR"``, ``"ID"``) says what a national form (a leading
    trunk ``0``, or none at all) means; without one only international forms are accepted.
    """
    number = _parse(text, default_country)
    if number is None:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    """The E.164 number is a mobile (it can take an SMS): Iran's and Indonesia's landlines
    (``+982144556677``, ``+62211234567``) are not, nor is any other country's landline."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return False
    return phonenumbers.number_type(number) in _MOBILE_TYPES


def country_of_number(e164: str) -> str | None:
    """The country (ISO alpha-2) whose calling code ``e164`` starts with, or None when the code
    is shared by several countries and the number names none of them."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return None
    return phonenumbers.region_code_for_number(number)


def _parse(text: str, default_country: str | None) -> phonenumbers.PhoneNumber | None:
    raw = _SEPARATORS.sub("", ascii_digits(text or "").strip())
    # "00" is the international prefix in Iran and Indonesia alike ("0062 812..." in Jakarta,
    # where libphonenumber knows only the carriers' 001/007/008 prefixes).
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if not _PLAIN_NUMBER.fullmatch(raw):
        return None
    region = (default_country or "").upper() or None
    if region is None and not raw.startswith("+"):
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None
