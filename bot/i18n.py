"""Words and numbers in the subscriber's language: gettext catalogs and Babel formatting.

A dialog gets one ``Texts`` for the language of the chat and asks it for everything it shows::

    t = translator("fa", zone=settings.zone)
    t.gettext("%(days)s days left", days=12)   # numbers in params come out in Persian digits
    t.money(1928767, "IRR")                    # "۱٬۹۲۸٬۷۶۷ ریال"
    t.date(date(2026, 11, 24))                 # "۱۴۰۵/۰۹/۰۳" (Jalali)

Catalogs live in ``locales/<lang>/LC_MESSAGES/messages.po`` (domain ``messages``); see the
Makefile's ``locales-*`` targets. Persian shows the Jalali calendar and Persian digits; Indonesian
and English use Babel's Gregorian formats.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext as stdlib_gettext
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

import jdatetime
from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel import units as babel_units
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.dialogs.normalize import normalize_text, to_persian_digits
from core.billing.units import bytes_to_gb, bytes_to_mb

if TYPE_CHECKING:
    from bot.config import BotSettings
    from core.accounts.queries import SubscriberView
    from core.billing.read_models import PlanInfo

log = logging.getLogger(__name__)

LANGUAGES: tuple[str, ...] = ("fa", "id", "en")
DEFAULT_LANGUAGE = "en"
DOMAIN = "messages"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
UTC = ZoneInfo("UTC")
NBSP = "\u00a0"

# Amounts are integers in the currency's minor unit (see core/billing/models.py). Babel knows
# ISO's digits; Indonesian payments (Midtrans, Xendit, bank transfers) have no sen in practice,
# so rupiah amounts are whole rupiah. Other currencies follow Babel.
CURRENCY_EXPONENTS: dict[str, int] = {"IRR": 0, "IDR": 0}

# Other names a platform may give a language: ISO 639-2 codes and Java's old "in" for Indonesian.
_LANGUAGE_ALIASES = {"in": "id", "ind": "id", "fas": "fa", "per": "fa", "pes": "fa", "eng": "en"}

Direction = Literal["ltr", "rtl"]
TrafficUnit = Literal["GB", "MB"]


def N_(message: str) -> str:
    """Mark a msgid for extraction where it is defined (menu labels); translated when shown."""
    return message


def resolve_language(hint: str | None) -> str | None:
    """One of LANGUAGES for a platform's language code ("fa-IR", "id_ID", "in", "EN"), or None."""
    if not hint:
        return None
    base = re.split(r"[-_.@]", hint.strip().lower(), maxsplit=1)[0]
    base = _LANGUAGE_ALIASES.get(base, base)
    return base if base in LANGUAGES else None


def text_direction(language: str) -> Direction:
    """ "rtl" for Persian, "ltr" for Indonesian and English (from Babel's locale data)."""
    return "rtl" if Locale.parse(language).text_direction == "rtl" else "ltr"


# --- catalogs -----------------------------------------------------------------------------------


@functools.cache
def load_catalog(language: str, directory: Path = LOCALES_DIR) -> stdlib_gettext.NullTranslations:
    """The compiled catalog of one language, loaded once per process.

    ``make locales-compile`` writes the .mo files; when a .mo is missing or older than its .po
    (a developer edited the .po and ran the tests straight away) the .po is compiled in memory,
    so what runs is always what the .po says.
    """
    folder = directory / language / "LC_MESSAGES"
    mo_path, po_path = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if mo_path.exists() and (not po_path.exists() or _not_older(mo_path, po_path)):
        return Translations.load(str(directory), [language], DOMAIN)
    if po_path.exists():
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=language, domain=DOMAIN)
        compiled = BytesIO()
        write_mo(compiled, catalog, use_fuzzy=False)
        compiled.seek(0)
        return Translations(compiled, domain=DOMAIN)
    log.warning("no catalog for %s in %s: texts stay in English", language, directory)
    return stdlib_gettext.NullTranslations()


def _not_older(mo_path: Path, po_path: Path) -> bool:
    return mo_path.stat().st_mtime >= po_path.stat().st_mtime


# --- numbers and money --------------------------------------------------------------------------


def _numbering(language: str) -> str:
    # "default" makes Babel use Persian separators (٬ and ٫); it still writes ASCII digits, so
    # localize_digits turns them into Persian ones.
    return "default" if language == "fa" else "latn"


def localize_digits(text: str, language: str) -> str:
    """ASCII digits in Persian digits for fa; unchanged for other languages."""
    return to_persian_digits(text) if language == "fa" else text


def format_number(value: int | Decimal, language: str) -> str:
    """A number with the language's grouping: 1,234,567 / 1.234.567 / ۱٬۲۳۴٬۵۶۷."""
    formatted = babel_numbers.format_decimal(
        value, locale=language, numbering_system=_numbering(language)
    )
    return localize_digits(formatted, language)


def format_decimal(value: Decimal | int, language: str, places: int = 2) -> str:
    """A decimal with exactly ``places`` fraction digits (4.24 / 4,24 / ۴٫۲۴)."""
    pattern = "#,##0" + ("." + "0" * places if places else "")
    formatted = babel_numbers.format_decimal(
        Decimal(value),
        format=pattern,
        locale=language,
        numbering_system=_numbering(language),
    )
    return localize_digits(formatted, language)


def currency_exponent(currency: str) -> int:
    """How many minor units make one unit of the currency, as a power of ten."""
    return CURRENCY_EXPONENTS.get(currency, babel_numbers.get_currency_precision(currency))


def format_money(amount_minor: int, currency: str, language: str, *, in_toman: bool = False) -> str:
    """An amount given in the currency's minor unit, written as the language's readers write it.

    Persian puts the unit after the number and the minus sign on the number, as Iranians write:
    ``format_money(280000, "IRR", "fa")`` is "۲۸۰٬۰۰۰ ریال" and -8,000,000 rials "-۸٬۰۰۰٬۰۰۰ ریال".
    Other languages follow Babel's pattern, with a space after a currency code (CLDR's currency
    spacing, which Babel leaves out): "IRR 280,000", "Rp150.000", "$19.99". With ``in_toman`` a
    rial amount is shown in toman (rials / 10), the unit Iranians usually speak in.
    """
    if isinstance(amount_minor, float) or not isinstance(amount_minor, int):
        raise TypeError("amounts are integers in the currency's minor unit, never floats")
    if in_toman:
        if currency != "IRR":
            raise ValueError("toman is a way to show rials only")
        toman = Decimal(amount_minor) / 10
        places = 0 if amount_minor % 10 == 0 else 1
        return load_catalog(language).gettext("%(amount)s toman") % {
            "amount": format_decimal(toman, language, places)
        }
    exponent = currency_exponent(currency)
    value = Decimal(amount_minor).scaleb(-exponent)
    if language == "fa":
        symbol = babel_numbers.get_currency_symbol(currency, locale=language)
        return f"{format_decimal(value, language, exponent)}{NBSP}{symbol}"
    pattern = _currency_pattern(language, exponent)
    formatted = babel_numbers.format_currency(
        value,
        currency,
        format=pattern,
        locale=language,
        currency_digits=False,
        numbering_system=_numbering(language),
    )
    # A currency shown by its code touches the digits in Babel's output ("IRR0"); CLDR's currency
    # spacing puts a space between them. A symbol of the locale's own (Rp, $) stays as written.
    formatted = re.sub(rf"{currency}(?=\d)", currency + NBSP, formatted, count=1)
    return localize_digits(formatted, language)


@functools.cache
def _currency_pattern(language: str, exponent: int) -> str:
    # The locale's own currency pattern (symbol position, spacing, bidi mark) with as many
    # fraction digits as the currency has.
    pattern: str = Locale.parse(language).currency_formats["standard"].pattern
    fraction = "." + "0" * exponent if exponent else ""
    return re.sub(r"0\.0+|0(?![.0])", "0" + fraction, pattern)


def format_traffic(num_bytes: int, language: str, unit: TrafficUnit = "GB") -> str:
    """Traffic with two decimals, 1024 MB to the GB: "4.24 GB", "4,24 GB", "۴٫۲۴ گیگابایت"."""
    value = bytes_to_gb(num_bytes) if unit == "GB" else bytes_to_mb(num_bytes)
    measurement = "digital-gigabyte" if unit == "GB" else "digital-megabyte"
    # Persian writes the unit out (گیگابایت); "GB" among Persian digits reads poorly.
    length: Literal["long", "short"] = "long" if language == "fa" else "short"
    formatted = babel_units.format_unit(
        value,
        measurement,
        length=length,
        format="#,##0.00",
        locale=language,
        numbering_system=_numbering(language),
    )
    return localize_digits(formatted, language)


# --- dates --------------------------------------------------------------------------------------


class InvalidDate(ValueError):
    """The text is not a date this language's readers would write, or no such day exists."""


def format_date(day: date, language: str) -> str:
    """A day: Jalali with Persian digits for fa (۱۴۰۵/۰۹/۰۳), Babel's medium format otherwise."""
    if language == "fa":
        jalali = jdatetime.date.fromgregorian(date=day)
        return to_persian_digits(jalali.strftime("%Y/%m/%d"))
    return babel_dates.format_date(day, format="medium", locale=language)


def format_time(moment: datetime, language: str, zone: tzinfo = UTC) -> str:
    """The local time of day, hours and minutes: 10:30 / 10.30 / ۱۰:۳۰."""
    local = _local(moment, zone)
    if language == "fa":
        return to_persian_digits(local.strftime("%H:%M"))
    return babel_dates.format_time(local.time(), format="short", locale=language)


def format_datetime(moment: datetime, language: str, zone: tzinfo = UTC) -> str:
    """A moment in the subscriber's time zone: "۱۴۰۵/۰۹/۰۳ ۱۰:۳۰", "24 Nov 2026 10.30"."""
    local = _local(moment, zone)
    day, clock = format_date(local.date(), language), format_time(local, language, zone)
    if language == "fa":
        return f"{day} {clock}"
    # Babel's own format_datetime joins date and time with the locale's pattern the same way.
    joiner = str(babel_dates.get_datetime_format("medium", locale=language)).replace("'", "")
    return joiner.replace("{1}", day).replace("{0}", clock)


def _local(moment: datetime, zone: tzinfo) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a moment to show must be timezone-aware")
    return moment.astimezone(zone)


_DATE_PARTS = re.compile(r"(\d{1,4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,4})")
# Years before this are Jalali when a Persian speaker types them (1405 is 2026).
_FIRST_GREGORIAN_YEAR_IN_FA = 1700


def parse_date(text: str, language: str) -> date:
    """The day a subscriber typed, as a Gregorian ``date``.

    Persian readers type Jalali ("1405/09/03", "۱۴۰۵-۰۹-۰۳", "3/9/1405"); a year from 1700 on is
    taken as Gregorian. Indonesian and English accept ISO (2026-11-24) and the locale's own order
    with a four-digit year (24/11/2026 in id, 11/24/2026 in en; day first when the month could
    not be first). Raises InvalidDate.
    """
    match = _DATE_PARTS.fullmatch(normalize_text(text))
    if not match:
        raise InvalidDate(text)
    first, second, third = match.groups()
    if len(first) == 4:
        year, month, day = int(first), int(second), int(third)
        candidates = [(year, month, day)]
    elif len(third) == 4:
        year, a, b = int(third), int(first), int(second)
        day_first = [(year, b, a), (year, a, b)]
        candidates = day_first if _day_comes_first(language) else day_first[::-1]
    else:
        raise InvalidDate(text)  # two-digit years are ambiguous
    for year, month, day in candidates:
        try:
            if language == "fa" and year < _FIRST_GREGORIAN_YEAR_IN_FA:
                return jdatetime.date(year, month, day).togregorian()
            return date(year, month, day)
        except ValueError:
            continue
    raise InvalidDate(text)


@functools.cache
def _day_comes_first(language: str) -> bool:
    # Where the locale writes the year first (fa: y/M/d), a date typed with the year last is
    # written day first (03/09/1405); otherwise follow the locale (id: d/M/y, en: M/d/y).
    pattern = babel_dates.get_date_format("short", locale=language).pattern
    return pattern.find("y") < pattern.find("M") or pattern.find("d") < pattern.find("M")


# --- the per-language facade dialogs use --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Texts:
    """Everything a dialog needs to speak one language: translations and formatting.

    Parameters passed to gettext/ngettext/pgettext fill the msgid's ``%(name)s`` placeholders;
    ints and Decimals among them are formatted as numbers of the language (grouped, Persian digits
    in fa). Pass a ``str`` for numbers that are codes (a tracking number, a phone number).
    """

    language: str
    zone: tzinfo = UTC
    money_in_toman: bool = False

    @property
    def catalog(self) -> stdlib_gettext.NullTranslations:
        return load_catalog(self.language)

    @property
    def direction(self) -> Direction:
        return text_direction(self.language)

    def gettext(self, message: str, /, **params: Any) -> str:
        return self._fill(self.catalog.gettext(message), params)

    def ngettext(self, singular: str, plural: str, n: int, /, **params: Any) -> str:
        params.setdefault("n", n)
        return self._fill(self.catalog.ngettext(singular, plural, n), params)

    def pgettext(self, context: str, message: str, /, **params: Any) -> str:
        return self._fill(self.catalog.pgettext(context, message), params)

    def _fill(self, text: str, params: dict[str, Any]) -> str:
        if not params:
            return text
        return text % {name: self._param(value) for name, value in params.items()}

    def _param(self, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int | Decimal):
            return format_number(value, self.language)
        return value

    def number(self, value: int | Decimal) -> str:
        return format_number(value, self.language)

    def decimal(self, value: Decimal | int, places: int = 2) -> str:
        return format_decimal(value, self.language, places)

    def money(self, amount_minor: int, currency: str) -> str:
        in_toman = self.money_in_toman and currency == "IRR"
        return format_money(amount_minor, currency, self.language, in_toman=in_toman)

    def traffic(self, num_bytes: int, unit: TrafficUnit = "GB") -> str:
        return format_traffic(num_bytes, self.language, unit)

    def date(self, day: dt.date) -> str:
        return format_date(day, self.language)

    def day(self, moment: dt.datetime) -> str:
        """The day a moment falls on in this zone (a service's end, an upload)."""
        return format_date(_local(moment, self.zone).date(), self.language)

    def datetime(self, moment: dt.datetime) -> str:
        return format_datetime(moment, self.language, self.zone)

    def time(self, moment: dt.datetime) -> str:
        return format_time(moment, self.language, self.zone)

    def parse_date(self, text: str) -> dt.date:
        return parse_date(text, self.language)

    def date_example(self, day: dt.date) -> str:
        """``day`` written the way this language's readers type a date and parse_date reads it
        (Jalali in fa, day first in id, ISO in en): the example a date question gives."""
        if self.language == "fa":
            return self.date(day)
        if self.language == "id":
            return day.strftime("%d/%m/%Y")
        return day.isoformat()

    def digits(self, text: str) -> str:
        """Digits of a code (tracking number, phone) in the language's script, no grouping."""
        return localize_digits(text, self.language)

    def catalogue(self, text: str) -> str:
        """Text an operator wrote into the catalogue (a plan's name or description) as this
        language writes it: "Yearly 8 Mbps" in a Persian answer shows its digits in Persian."""
        return localize_digits(text, self.language)

    def plan_name(self, plan: PlanInfo) -> str:
        return self.catalogue(plan.name_in(self.language))

    def in_zone(self, zone: tzinfo | str) -> Texts:
        """The same language in another time zone (a subscriber with their own zone)."""
        resolved = ZoneInfo(zone) if isinstance(zone, str) else zone
        return Texts(self.language, resolved, self.money_in_toman)


def translator(language: str, *, zone: tzinfo | str = UTC, money_in_toman: bool = False) -> Texts:
    """The Texts of a language (one of LANGUAGES; anything else falls back to English)."""
    resolved_zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    return Texts(resolve_language(language) or DEFAULT_LANGUAGE, resolved_zone, money_in_toman)


def subscriber_translator(
    language: str, subscriber: SubscriberView | None, settings: BotSettings
) -> Texts:
    """The Texts a subscriber reads: ``language`` in their own time zone (the bot's when they
    have none or are not known), money shown as the bot shows it (toman or rial)."""
    zone = (subscriber.timezone if subscriber else None) or settings.timezone
    return translator(language, zone=zone, money_in_toman=settings.money_in_toman)
