"""What people type on Persian, Arabic and Indonesian keyboards becomes one comparable form."""

from __future__ import annotations

import pytest

from bot.dialogs.normalize import (
    collapse_spaces,
    digits_of,
    fold,
    normalize_phone,
    normalize_text,
    parse_int,
    strip_invisible,
    to_ascii_digits,
    to_persian_digits,
    unify_letters,
)

ZWNJ = "\u200c"
RLM = "\u200f"
LRM = "\u200e"
BOM = "\ufeff"
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),  # Persian digits
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),  # Arabic-Indic digits
        ("۱۲3٤", "1234"),  # mixed keyboards in one number
        ("کد ۴۵", "کد 45"),  # letters are kept
        ("abc", "abc"),
    ],
)
def test_persian_and_arabic_indic_digits_become_ascii(typed, expected):
    assert to_ascii_digits(typed) == expected


def test_ascii_digits_become_persian_for_display():
    assert to_persian_digits("1405/09/03 10:30") == "۱۴۰۵/۰۹/۰۳ ۱۰:۳۰"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("علي", "علی"),  # Arabic yeh
        ("كاربر", "کاربر"),  # Arabic kaf
        ("مصطفى", "مصطفی"),  # alef maksura
        ("یک کار", "یک کار"),  # already Persian
    ],
)
def test_arabic_yeh_and_kaf_become_persian(typed, expected):
    assert unify_letters(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        f"می{ZWNJ}خواهم",
        f"{RLM}میخواهم{LRM}",
        f"{BOM}میخواهم",
        "می\u200dخواهم",  # zero-width joiner
        "می\u200bخواهم",  # zero-width space
        "\u202bمیخواهم\u202c",  # right-to-left embedding ... pop
        "\u2067میخواهم\u2069",  # right-to-left isolate ... pop
    ],
)
def test_invisible_marks_are_removed(typed):
    assert strip_invisible(typed) == "میخواهم"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("  menu  ", "menu"),
        (f"a\t\nb{NBSP}c", "a b c"),
        ("a   b", "a b"),
    ],
)
def test_spaces_collapse_and_ends_are_trimmed(typed, expected):
    assert collapse_spaces(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (f"  نام {ZWNJ} كاربري  ۱۲  ", "نام کاربری 12"),  # ZWNJ between spaces leaves one space
        (f"{RLM}۰۹۱۲{LRM}", "0912"),
        ("１２３", "123"),  # full-width digits (NFKC)
        ("ﻻ", "لا"),  # Arabic presentation form (NFKC)
        ("Bahasa   Indonesia", "Bahasa Indonesia"),
        ("", ""),
    ],
)
def test_normalize_text_applies_every_rule(typed, expected):
    assert normalize_text(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Menu!", "menu"),
        ("  HELP? ", "help"),
        ("؟راهنما", "راهنما"),
        ("«منو»", "منو"),
        ("انگليسي", "انگلیسی"),
    ],
)
def test_fold_ignores_case_punctuation_and_spelling(typed, expected):
    assert fold(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0912 123 4567", "09121234567"),
        ("0912-123-4567", "09121234567"),
        ("(021) 8888.7777", "02188887777"),
        ("۰۹۱۲ ۱۲۳ ۴۵۶۷", "09121234567"),
        ("٠٩١٢–١٢٣–٤٥٦٧", "09121234567"),  # en dash between Arabic-Indic digits
        ("+98 912 123 4567", "+989121234567"),
        ("12a4", None),
        ("", None),
        ("+", None),
        ("1+2", None),
    ],
)
def test_digits_of_a_number_typed_with_separators(typed, expected):
    assert digits_of(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12", 12),
        ("۱۲", 12),
        ("١٢", 12),
        ("1,000", 1000),
        ("۱٬۰۰۰", 1000),  # Persian thousands separator
        ("1 000 000", 1000000),
        (" 7 ", 7),
        ("0", 0),
        ("-3", None),
        ("1.5", None),
        ("twelve", None),
        ("", None),
    ],
)
def test_parse_int(typed, expected):
    assert parse_int(typed) == expected


IRAN_MOBILE = "+989121234567"


@pytest.mark.parametrize(
    "typed",
    [
        "+989121234567",
        "+98 912 123 4567",
        "+98-912-123-4567",
        "00989121234567",
        "0098 912 123 4567",
        "989121234567",
        "09121234567",
        "0912 123 4567",
        "0912-123-4567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        "٠٩١٢١٢٣٤٥٦٧",
        "+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷",
        "9121234567",
    ],
)
def test_iranian_phone_forms_become_e164(typed):
    assert normalize_phone(typed, "IR") == IRAN_MOBILE


@pytest.mark.parametrize(
    ("typed", "country", "expected"),
    [
        ("+62 812 3456 7890", "ID", "+6281234567890"),
        ("+62-812-3456-7890", "ID", "+6281234567890"),
        ("0062 812 3456 7890", "ID", "+6281234567890"),
        ("6281234567890", "ID", "+6281234567890"),
        ("0812-3456-7890", "ID", "+6281234567890"),
        ("081234567890", "ID", "+6281234567890"),
        ("021 1234 5678", "ID", "+622112345678"),  # Jakarta landline
        # A +62 number typed in Iran and a +98 number typed in Indonesia keep their country.
        ("+62 812 3456 7890", "IR", "+6281234567890"),
        ("+98 912 123 4567", "ID", "+989121234567"),
        ("021 8888 7777", "IR", "+982188887777"),  # Tehran landline
        ("+44 20 7946 0958", "IR", "+442079460958"),  # another country's number is kept
    ],
)
def test_indonesian_and_other_phone_forms(typed, country, expected):
    assert normalize_phone(typed, country) == expected


@pytest.mark.parametrize(
    ("typed", "country"),
    [
        ("0912123456", "IR"),  # one digit short
        ("091212345678", "IR"),  # one digit too many
        ("+98 0912 123 4567", "IR"),  # trunk 0 after the calling code
        ("0812 345", "ID"),  # too short
        ("0812 3456 7890 12", "ID"),  # too long
        ("+1234", "IR"),
        ("0912 abc 4567", "IR"),
        ("", "IR"),
    ],
)
def test_numbers_that_cannot_be_phones_give_none(typed, country):
    assert normalize_phone(typed, country) is None
