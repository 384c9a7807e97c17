"""What people type on Persian, Arabic and Indonesian keyboards becomes one comparable form."""

from __future__ import annotations

import pytest

from bot.dialogs.normalize import (
    collapse_spaces,
    digits_of,
    fold,
    label_match,
    normalize_text,
    parse_int,
    strip_invisible,
    to_ascii_digits,
    to_persian_digits,
    unify_letters,
    word_match,
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My service", "status"),
        ("  my SERVICE! ", "status"),
        ("4", "score:4"),
        ("۴", "score:4"),
        ("Buy", None),  # a part of a label is not the label
        ("", None),
        (None, None),
    ],
)
def test_a_typed_label_names_its_option(text, expected):
    ids = ["status", "buy", "score:4"]
    labels = ["My service", "Buy or renew", "4"]
    assert label_match(text, ids, labels) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("usage", "usage"),
        ("Usage!", "usage"),
        ("details", "usage"),
        ("tickets", "tickets"),
        ("buy or", "buy"),
        ("renew", "buy"),
        ("my", None),  # My service and My account
        ("or", None),  # inside a label, not at either end
        ("service usage", None),
        ("My service", None),  # a whole label is label_match's
        ("مصرف", "usage_fa"),
        (f"پشتیبانی{RLM}", "tickets_fa"),
        ("", None),
        ("!!", None),
        (None, None),
    ],
)
def test_the_first_or_last_words_of_one_label_name_its_option(text, expected):
    ids = ["status", "account", "buy", "usage", "tickets", "usage_fa", "tickets_fa"]
    labels = [
        "My service",
        "My account",
        "Buy or renew",
        "Usage details",
        "Support tickets",
        "ریز مصرف",
        f"تیکت{ZWNJ}های پشتیبانی",
    ]
    assert word_match(text, ids, labels) == expected
