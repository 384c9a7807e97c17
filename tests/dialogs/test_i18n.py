"""Words and numbers in the subscriber's language: money, Jalali dates, traffic, typed dates,
direction, and the catalogs with their fallbacks."""

from __future__ import annotations

import gettext as stdlib_gettext
import os
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from bot.i18n import (
    InvalidDate,
    format_date,
    format_datetime,
    format_decimal,
    format_money,
    format_number,
    format_time,
    format_traffic,
    load_catalog,
    parse_date,
    resolve_language,
    text_direction,
    translator,
)

LRM = "\u200e"
NBSP = "\u00a0"
TEHRAN = ZoneInfo("Asia/Tehran")
JAKARTA = ZoneInfo("Asia/Jakarta")
GB = 1024**3
MB = 1024**2


# --- money ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "language", "expected"),
    [
        # Persian: the number, then the unit, as Iranians write it.
        (1928767, "IRR", "fa", f"۱٬۹۲۸٬۷۶۷{NBSP}ریال"),
        (280000, "IRR", "fa", f"۲۸۰٬۰۰۰{NBSP}ریال"),
        (1928767, "IRR", "en", f"IRR{NBSP}1,928,767"),
        (1928767, "IRR", "id", f"IRR{NBSP}1.928.767"),
        (150000, "IDR", "id", "Rp150.000"),
        (150000, "IDR", "en", f"IDR{NBSP}150,000"),
        (150000, "IDR", "fa", f"۱۵۰٬۰۰۰{NBSP}IDR"),
        (0, "IRR", "en", f"IRR{NBSP}0"),  # a code never touches the digits
        # The minus sign belongs to the number, never before the unit.
        (-8000000, "IRR", "fa", f"-۸٬۰۰۰٬۰۰۰{NBSP}ریال"),
        (-8000000, "IRR", "en", f"-IRR{NBSP}8,000,000"),
        # Minor units: rials and rupiah have none; dollars have cents.
        (1999, "USD", "en", "$19.99"),
        (1999, "USD", "id", "US$19,99"),
    ],
)
def test_money_is_formatted_as_the_language_writes_it(amount, currency, language, expected):
    assert format_money(amount, currency, language) == expected


@pytest.mark.parametrize(
    ("rials", "language", "amount"),
    [
        (1928760, "en", "192,876"),
        (1928767, "en", "192,876.7"),  # a rial that is not a whole toman keeps one decimal
        (1928760, "id", "192.876"),
        (1928760, "fa", "۱۹۲٬۸۷۶"),
        (1928767, "fa", "۱۹۲٬۸۷۶٫۷"),
    ],
)
def test_rials_can_be_shown_in_toman(rials, language, amount):
    shown = format_money(rials, "IRR", language, in_toman=True)
    # The unit word comes from the catalog; the number is the rials divided by ten.
    assert shown.startswith(amount + " ") or shown.endswith(" " + amount)
    assert "ریال" not in shown and "IRR" not in shown


def test_toman_is_only_for_rials():
    with pytest.raises(ValueError):
        format_money(150000, "IDR", "id", in_toman=True)


@pytest.mark.parametrize("amount", [19.99, "1000", Decimal("1000")])
def test_money_must_be_an_integer_of_minor_units(amount):
    with pytest.raises(TypeError):
        format_money(amount, "IRR", "en")


def test_texts_money_follows_the_toman_setting_for_rials_only():
    t = translator("fa", money_in_toman=True)
    assert "۱۹۲٬۸۷۶" in t.money(1928760, "IRR")
    assert "ریال" not in t.money(1928760, "IRR")
    assert translator("id", money_in_toman=True).money(150000, "IDR") == "Rp150.000"
    assert translator("fa").money(1928767, "IRR") == f"۱٬۹۲۸٬۷۶۷{NBSP}ریال"
    assert translator("fa", money_in_toman=True).money(2800000, "IRR") == "۲۸۰٬۰۰۰ تومان"


def test_the_display_unit_is_a_setting_and_amounts_stay_in_rials(monkeypatch):
    from bot.config import BotSettings
    from bot.i18n import subscriber_translator

    monkeypatch.setenv("ISPBOT_MONEY_IN_TOMAN", "true")
    assert subscriber_translator("fa", None, BotSettings()).money(2800000, "IRR") == "۲۸۰٬۰۰۰ تومان"
    monkeypatch.setenv("ISPBOT_MONEY_IN_TOMAN", "false")
    shown = subscriber_translator("fa", None, BotSettings()).money(2800000, "IRR")
    assert shown == f"۲٬۸۰۰٬۰۰۰{NBSP}ریال"


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "number", "decimal"),
    [
        ("en", "1,234,567", "4.25"),
        ("id", "1.234.567", "4,25"),
        ("fa", "۱٬۲۳۴٬۵۶۷", "۴٫۲۵"),
    ],
)
def test_numbers_use_the_language_grouping_and_digits(language, number, decimal):
    assert format_number(1234567, language) == number
    assert format_decimal(Decimal("4.25"), language) == decimal


def test_params_that_are_quantities_get_the_language_digits_and_codes_do_not_group():
    t = translator("fa")
    assert "۱۲" in t.gettext("%(days)s days left", days=12)
    assert "۱٬۵۰۰" in t.gettext("%(days)s days left", days=1500)
    assert t.digits("100234") == "۱۰۰۲۳۴"  # a tracking number: Persian digits, no grouping
    assert t.gettext("%(code)s", code="100234") == "100234"  # a str is shown as given
    assert translator("en").digits("100234") == "100234"
    assert translator("en").gettext("%(n)s items", n=1500) == "1,500 items"


def test_ngettext_picks_the_english_plural_and_fills_n():
    t = translator("en")
    assert t.ngettext("%(n)s apple", "%(n)s apples", 1) == "1 apple"
    assert t.ngettext("%(n)s apple", "%(n)s apples", 3) == "3 apples"
    assert translator("fa").ngettext("%(n)s apple", "%(n)s apples", 3) == "۳ apples"


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "language", "expected"),
    [
        (date(2026, 11, 24), "fa", "۱۴۰۵/۰۹/۰۳"),
        (date(2026, 3, 21), "fa", "۱۴۰۵/۰۱/۰۱"),  # Nowruz
        (date(2026, 3, 20), "fa", "۱۴۰۴/۱۲/۲۹"),
        (date(2026, 11, 24), "id", "24 Nov 2026"),
        (date(2026, 11, 24), "en", "Nov 24, 2026"),
    ],
)
def test_dates_are_jalali_with_persian_digits_in_fa_and_gregorian_otherwise(
    day, language, expected
):
    assert format_date(day, language) == expected


MORNING = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "zone", "expected"),
    [
        ("fa", TEHRAN, "۱۴۰۵/۰۹/۰۳ ۱۰:۳۰"),
        ("id", JAKARTA, "24 Nov 2026 14.00"),
        ("id", TEHRAN, "24 Nov 2026 10.30"),
        ("en", TEHRAN, "Nov 24, 2026, 10:30\u202fAM"),
    ],
)
def test_moments_are_shown_in_the_subscriber_time_zone(language, zone, expected):
    assert format_datetime(MORNING, language, zone) == expected


def test_a_moment_late_in_the_utc_day_is_the_next_jalali_day_in_tehran():
    late = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)  # 00:30 on the 25th in Tehran
    assert format_datetime(late, "fa", TEHRAN) == "۱۴۰۵/۰۹/۰۴ ۰۰:۳۰"
    assert format_time(late, "fa", TEHRAN) == "۰۰:۳۰"


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError):
        format_datetime(datetime(2026, 11, 24, 7, 0), "en")


def test_texts_dates_use_their_zone():
    t = translator("fa", zone="Asia/Tehran")
    assert t.date(date(2026, 11, 24)) == "۱۴۰۵/۰۹/۰۳"
    assert t.datetime(MORNING) == "۱۴۰۵/۰۹/۰۳ ۱۰:۳۰"
    assert t.in_zone("UTC").datetime(MORNING) == "۱۴۰۵/۰۹/۰۳ ۰۷:۰۰"


@pytest.mark.parametrize(
    ("typed", "language", "expected"),
    [
        ("1405/09/03", "fa", date(2026, 11, 24)),
        ("۱۴۰۵/۰۹/۰۳", "fa", date(2026, 11, 24)),
        ("۱۴۰۵-۹-۳", "fa", date(2026, 11, 24)),
        ("٣/٩/١٤٠٥", "fa", date(2026, 11, 24)),  # day first with the year last
        ("1405.09.03", "fa", date(2026, 11, 24)),
        ("1370/06/31", "fa", date(1991, 9, 22)),
        ("2026-11-24", "fa", date(2026, 11, 24)),  # a Gregorian year stays Gregorian
        ("24/11/2026", "id", date(2026, 11, 24)),
        ("24-11-2026", "id", date(2026, 11, 24)),
        ("5/11/2026", "id", date(2026, 11, 5)),  # day first in Indonesian
        ("2026-11-24", "id", date(2026, 11, 24)),
        (" 24 / 11 / 2026 ", "id", date(2026, 11, 24)),
        ("11/24/2026", "en", date(2026, 11, 24)),
        ("5/11/2026", "en", date(2026, 5, 11)),  # month first in English
        ("24/11/2026", "en", date(2026, 11, 24)),  # 24 cannot be a month
        ("2026-11-24", "en", date(2026, 11, 24)),
    ],
)
def test_typed_dates_are_read_in_the_language_calendar_and_order(typed, language, expected):
    assert parse_date(typed, language) == expected
    assert translator(language).parse_date(typed) == expected


@pytest.mark.parametrize(
    ("typed", "language"),
    [
        ("1405/13/01", "fa"),  # no 13th month
        ("1405/07/31", "fa"),  # Mehr has 30 days
        ("31/02/2026", "id"),
        ("24/11/26", "id"),  # two-digit years are ambiguous
        ("2026/11", "en"),
        ("tomorrow", "en"),
        ("besok", "id"),
        ("", "fa"),
    ],
)
def test_impossible_or_unreadable_dates_are_refused(typed, language):
    with pytest.raises(InvalidDate):
        parse_date(typed, language)


# --- direction and language codes -----------------------------------------------------------


@pytest.mark.parametrize(("language", "direction"), [("fa", "rtl"), ("id", "ltr"), ("en", "ltr")])
def test_text_direction(language, direction):
    assert text_direction(language) == direction
    assert translator(language).direction == direction


@pytest.mark.parametrize(
    ("hint", "language"),
    [
        ("fa-IR", "fa"),
        ("FA", "fa"),
        ("fas", "fa"),
        ("id_ID", "id"),
        ("in", "id"),  # Java's old code for Indonesian
        ("en-US", "en"),
        ("de", None),
        ("", None),
        (None, None),
    ],
)
def test_platform_language_codes_are_resolved(hint, language):
    assert resolve_language(hint) == language


def test_an_unknown_language_falls_back_to_english():
    assert translator("de").language == "en"


# --- traffic --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("num_bytes", "language", "unit", "expected"),
    [
        (4552665334, "en", "GB", "4.24 GB"),
        (4552665334, "id", "GB", "4,24 GB"),
        (4552665334, "fa", "GB", "۴٫۲۴ گیگابایت"),
        (1024 * MB, "en", "GB", "1.00 GB"),  # 1024 MB make one GB, not 1000
        (1000 * MB, "en", "GB", "0.98 GB"),
        (1536 * MB, "en", "GB", "1.50 GB"),
        (0, "en", "GB", "0.00 GB"),
        (GB - 1, "en", "GB", "1.00 GB"),
        (1536 * MB, "en", "MB", "1,536.00 MB"),
        (1536 * MB, "fa", "MB", "۱٬۵۳۶٫۰۰ مگابایت"),
        (100 * GB, "id", "GB", "100,00 GB"),
    ],
)
def test_traffic_has_two_decimals_and_1024_mb_to_the_gb(num_bytes, language, unit, expected):
    assert format_traffic(num_bytes, language, unit) == expected


# --- catalogs -------------------------------------------------------------------------------


def _catalog(language: str, translations: dict[str, str], fuzzy: set[str] = frozenset()):
    catalog = Catalog(locale=language, domain="messages")
    for msgid, msgstr in translations.items():
        catalog.add(msgid, msgstr, flags=["fuzzy"] if msgid in fuzzy else [])
    return catalog


def _write(tmp_path, language, translations, *, po=True, mo=False, fuzzy=frozenset()):
    folder = tmp_path / language / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    catalog = _catalog(language, translations, fuzzy)
    if po:
        with (folder / "messages.po").open("wb") as out:
            write_po(out, catalog)
    if mo:
        with (folder / "messages.mo").open("wb") as out:
            write_mo(out, catalog)
    return folder


def test_a_po_without_its_mo_is_compiled_in_memory(tmp_path):
    _write(tmp_path, "id", {"Log in": "Masuk", "Maybe": "Mungkin"}, fuzzy={"Maybe"})
    catalog = load_catalog("id", tmp_path)
    assert catalog.gettext("Log in") == "Masuk"
    assert catalog.gettext("Maybe") == "Maybe"  # a fuzzy translation is not used
    assert catalog.gettext("Not translated") == "Not translated"


def test_without_any_catalog_the_english_msgid_is_shown(tmp_path):
    catalog = load_catalog("fa", tmp_path)
    assert isinstance(catalog, stdlib_gettext.NullTranslations)
    assert catalog.gettext("Log in") == "Log in"


def test_a_compiled_mo_is_used_when_it_is_newer_than_its_po(tmp_path):
    folder = _write(tmp_path, "fa", {"Log in": "ورود از mo"}, po=False, mo=True)
    _write(tmp_path, "fa", {"Log in": "ورود از po"})
    old = (folder / "messages.mo").stat().st_mtime
    os.utime(folder / "messages.po", (old - 60, old - 60))
    assert load_catalog("fa", tmp_path).gettext("Log in") == "ورود از mo"


def test_a_po_edited_after_its_mo_wins(tmp_path):
    folder = _write(tmp_path, "fa", {"Log in": "ورود قدیمی"}, po=False, mo=True)
    _write(tmp_path, "fa", {"Log in": "ورود"})
    old = (folder / "messages.mo").stat().st_mtime
    os.utime(folder / "messages.mo", (old - 60, old - 60))
    assert load_catalog("fa", tmp_path).gettext("Log in") == "ورود"


def test_an_mo_alone_is_used(tmp_path):
    _write(tmp_path, "id", {"Log in": "Masuk"}, po=False, mo=True)
    assert load_catalog("id", tmp_path).gettext("Log in") == "Masuk"


def test_texts_fall_back_to_english_for_a_msgid_not_in_the_catalog():
    for language in ("fa", "id", "en"):
        text = translator(language).gettext("A text no catalog has, %(n)s times", n=3)
        assert text.startswith("A text no catalog has")


@pytest.mark.parametrize("language", ["fa", "id", "en"])
@pytest.mark.parametrize("day", [date(2026, 11, 25), date(2027, 3, 21), date(1990, 1, 5)])
def test_a_date_example_reads_back_as_its_day(language, day):
    t = translator(language)
    assert t.parse_date(t.date_example(day)) == day
