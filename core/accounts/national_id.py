"""National identity numbers: Iran's کد ملی and شناسه ملی, Indonesia's NIK. Pure functions."""

from __future__ import annotations

import re

from core.accounts.phones import ascii_digits

_SEPARATORS = re.compile(r"[\s\-.\u200c\u200e\u200f]")


def clean_digits(text: str) -> str:
    """Persian digits to ASCII, separators removed: ``"۰۰۷-۶۲۲۹۶۴-۵"`` → ``"0076229645"``."""
    return _SEPARATORS.sub("", ascii_digits(text or "").strip())


def is_valid_iranian_national_code(code: str) -> bool:
    """A person's کد ملی: 10 digits, the last a mod-11 check digit over the first nine."""
    if len(code) != 10 or not code.isascii() or not code.isdigit():
        return False
    if code == code[0] * 10 or code[3:9] == "000000":
        return False
    remainder = sum(int(code[i]) * (10 - i) for i in range(9)) % 11
    check = int(code[9])
    return check == remainder if remainder < 2 else check == 11 - remainder


_LEGAL_WEIGHTS = (29, 27, 23, 19, 17)


def is_valid_iranian_legal_id(code: str) -> bool:
    """A company's شناسه ملی: 11 digits, the last a check digit over the first ten."""
    if len(code) != 11 or not code.isascii() or not code.isdigit():
        return False
    if code[3:9] == "000000":
        return False
    shift = int(code[9]) + 2
    total = sum((shift + int(code[i])) * _LEGAL_WEIGHTS[i % 5] for i in range(10))
    remainder = total % 11
    return int(code[10]) == (0 if remainder == 10 else remainder)


def is_valid_nik(code: str) -> bool:
    """Indonesia's Nomor Induk Kependudukan: 16 digits = region (6), birth date (6, women's day
    + 40), serial (4). Only the structure can be checked: NIK has no check digit."""
    if len(code) != 16 or not code.isascii() or not code.isdigit():
        return False
    province, day, month = int(code[0:2]), int(code[6:8]), int(code[8:10])
    if province < 11 or code[2:6] == "0000":
        return False
    if not (1 <= day <= 31 or 41 <= day <= 71) or not 1 <= month <= 12:
        return False
    return code[12:16] != "0000"


def normalise_national_id(text: str, country: str | None, *, company: bool = False) -> str | None:
    """The cleaned number if it is valid for ``country`` (ISO alpha-2), else None.

    Iran: 10-digit کد ملی with its checksum (8 or 9 digits get their lost leading zeros back), or
    for a company the 11-digit شناسه ملی. Indonesia: 16-digit NIK (a company may give any 15-16
    digit tax or business number). Elsewhere: 5 to 20 letters and digits.
    """
    code = clean_digits(text)
    if country == "IR":
        if company:
            return code if is_valid_iranian_legal_id(code) else None
        if code.isdigit() and 8 <= len(code) <= 9:
            code = code.zfill(10)
        return code if is_valid_iranian_national_code(code) else None
    if country == "ID":
        if company:
            return code if code.isascii() and code.isdigit() and 15 <= len(code) <= 16 else None
        return code if is_valid_nik(code) else None
    code = code.upper()
    return code if code.isascii() and code.isalnum() and 5 <= len(code) <= 20 else None
