"""Digit normalisation as pure functions: phone numbers to E.164, Iran's national code and legal
ID checksums, Indonesia's NIK structure, e-mail and postal codes."""

from __future__ import annotations

import pytest

from core.accounts.national_id import (
    clean_digits,
    is_valid_iranian_legal_id,
    is_valid_iranian_national_code,
    is_valid_nik,
    normalise_national_id,
)
from core.accounts.phones import ascii_digits, country_of_number, is_mobile, normalise_phone
from core.accounts.profile import clean_email, clean_postal_code, country_of
from core.errors import DomainError


@pytest.mark.parametrize(
    ("typed", "country", "e164"),
    [
        ("+989121234567", "IR", "+989121234567"),
        ("00989121234567", "IR", "+989121234567"),
        ("09121234567", "IR", "+989121234567"),
        ("9121234567", "IR", "+989121234567"),
        ("989121234567", "IR", "+989121234567"),
        ("۰۹۱۲۱۲۳۴۵۶۷", "IR", "+989121234567"),
        ("٠٩١٢١٢٣٤٥٦٧", "IR", "+989121234567"),  # Arabic-Indic digits
        ("+98 (0)912-123-4567", "IR", "+989121234567"),
        ("0098 912 123 4567", "IR", "+989121234567"),
        ("+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷", "IR", "+989121234567"),
        ("021 8888 7777", "IR", "+982188887777"),  # Tehran landline
        ("\u200e0912\u200c123\u00a04567", "IR", "+989121234567"),  # invisible marks
        ("+6281234567890", "ID", "+6281234567890"),
        ("081234567890", "ID", "+6281234567890"),
        ("0812-3456-7890", "ID", "+6281234567890"),
        ("6281234567890", "ID", "+6281234567890"),
        ("81234567890", "ID", "+6281234567890"),
        ("0062 812 3456 7890", "ID", "+6281234567890"),
        ("021 1234 5678", "ID", "+622112345678"),  # Jakarta landline
        ("+98 912 123 4567", "ID", "+989121234567"),  # a +98 number typed in Indonesia
        ("+6281234567890", "IR", "+6281234567890"),  # an international form needs no country
        ("+14155550100", None, "+14155550100"),
        ("+44 20 7946 0958", "IR", "+442079460958"),  # another country's number is kept
        ("0912123456", "IR", None),  # a digit short
        ("091212345678", "IR", None),  # a digit too many
        ("09121234567", None, None),  # a national form without a country
        ("0812 345", "ID", None),  # too short
        ("0812 3456 7890 12", "ID", None),  # too long
        ("+1234", "IR", None),
        ("+0912", "IR", None),
        ("0912abc4567", "IR", None),
        ("", "IR", None),
    ],
)
def test_phone_numbers_are_normalised_to_e164(typed, country, e164):
    assert normalise_phone(typed, country) == e164


@pytest.mark.parametrize(
    ("e164", "mobile"),
    [
        ("+989121234567", True),
        ("+982144556677", False),
        ("+6281234567890", True),
        ("+62211234567", False),
        ("+14155550100", True),
        ("+442079460958", False),  # a London landline
        ("+447911123456", True),
    ],
)
def test_only_mobiles_can_take_an_sms(e164, mobile):
    assert is_mobile(e164) is mobile


@pytest.mark.parametrize(
    ("e164", "country"),
    [
        ("+989121234567", "IR"),
        ("+982188887777", "IR"),
        ("+6281234567890", "ID"),
        ("+14155550100", "US"),
        ("+447700900123", None),  # +44 is shared by four countries and this number is in none
        ("989121234567", None),  # not E.164
    ],
)
def test_a_number_s_country_is_its_calling_code_s(e164, country):
    assert country_of_number(e164) == country


def test_persian_digits_become_ascii_and_the_rest_is_kept():
    assert ascii_digits("کد ۰۹۱۲-٣٤") == "کد 0912-34"
    assert clean_digits(" ۰۰۷-۶۲۲۹۶۴-۵ ") == "0076229645"


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("0076229645", True),
        ("0499370899", True),
        ("4608968882", True),
        ("0084575948", True),
        ("0076229646", False),  # wrong check digit
        ("1111111111", False),  # one digit repeated
        ("2740000000", False),  # six zeros in the middle
        ("007622964", False),  # nine digits
        ("۰۰۷۶۲۲۹۶۴۵", False),  # Persian digits must be cleaned first
    ],
)
def test_iranian_national_code_check_digit(code, valid):
    assert is_valid_iranian_national_code(code) is valid


@pytest.mark.parametrize(
    ("code", "valid"),
    [("10380284790", True), ("14007650912", True), ("10380284791", False), ("1038028479", False)],
)
def test_iranian_legal_id_check_digit(code, valid):
    assert is_valid_iranian_legal_id(code) is valid


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("3174095012900001", True),  # a woman: day 10 + 40
        ("3174091003850002", True),
        ("3174097212900001", False),  # day 72
        ("3174091013900001", False),  # month 13
        ("3100001003850002", False),  # region 0000
        ("3174091003850000", False),  # serial 0000
        ("317409100385000", False),  # 15 digits
    ],
)
def test_nik_structure(code, valid):
    assert is_valid_nik(code) is valid


@pytest.mark.parametrize(
    ("typed", "country", "company", "clean"),
    [
        ("۰۰۷-۶۲۲۹۶۴-۵", "IR", False, "0076229645"),
        ("76229645", "IR", False, "0076229645"),
        ("10380284790", "IR", True, "10380284790"),
        ("0076229645", "IR", True, None),
        ("3174 0950 1290 0001", "ID", False, "3174095012900001"),
        ("012345678901234", "ID", True, "012345678901234"),
        ("0076229645", "ID", False, None),
        ("ab-1234", None, False, "AB1234"),
        ("ab1", None, False, None),
    ],
)
def test_national_ids_are_normalised_per_country(typed, country, company, clean):
    assert normalise_national_id(typed, country, company=company) == clean


@pytest.mark.parametrize(
    ("currency", "country"), [("IRR", "IR"), ("IRT", "IR"), ("IDR", "ID"), ("USD", None)]
)
def test_the_currency_says_which_countrys_forms_apply(currency, country):
    class Someone:
        pass

    someone = Someone()
    someone.currency = currency
    assert country_of(someone) == country


def test_an_email_keeps_its_local_part_and_lowercases_its_domain():
    assert clean_email("Kamal.N@Partak.IR") == "Kamal.N@partak.ir"


@pytest.mark.parametrize("text", ["a@b", "a@b.c1", "@example.com", "a@.com", "a b@c.com"])
def test_a_malformed_email_is_refused(text):
    with pytest.raises(DomainError) as caught:
        clean_email(text)
    assert caught.value.code == "invalid_email"


@pytest.mark.parametrize(
    ("text", "country", "clean"),
    [("۱۲۳۴۵-۶۷۸۹۰", "IR", "1234567890"), ("12950", "ID", "12950"), ("sw1a1aa", None, "SW1A1AA")],
)
def test_postal_codes_per_country(text, country, clean):
    assert clean_postal_code(text, country) == clean


@pytest.mark.parametrize(("text", "country"), [("¹²³⁴⁵", "ID"), ("1234", "ID"), ("12345", "IR")])
def test_a_postal_code_of_other_digits_or_length_is_refused(text, country):
    with pytest.raises(DomainError):
        clean_postal_code(text, country)
