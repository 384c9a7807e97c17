"""How many SMS parts a text costs (3GPP TS 23.038 and 23.040).

A text made only of the GSM-7 alphabet goes as 7-bit characters: 160 in one SMS, 153 in each
part of a longer one (the concatenation header takes the rest), with the extension characters
(``{ } [ ] ~ \\ | ^ €`` and form feed) costing two. Any other character (Persian, most emoji)
sends the whole text as UCS-2: 70 in one SMS, 67 per part, counted in UTF-16 code units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True, slots=True)
class SmsSize:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


# Babel's no-break and thin spaces (inside "IDR\u00a0299,750") are no GSM-7 characters, and one
# of them would make a whole Latin answer UCS-2: 67 characters a part instead of 153.
_PLAIN_SPACES = str.maketrans(dict.fromkeys("\u00a0\u2007\u2009\u202f", " "))


def plain_spaces(text: str) -> str:
    """The text as an SMS sends it: every kind of space a plain one."""
    return text.translate(_PLAIN_SPACES)


def fits(text: str, parts: int = 2) -> bool:
    """Whether the text, sent as an SMS, costs at most ``parts`` parts."""
    return segments(plain_spaces(text)) <= parts


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def sms_size(text: str) -> SmsSize:
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        return SmsSize("GSM-7", units, _segments(units, GSM7_SINGLE, GSM7_PART))
    units = len(text.encode("utf-16-le")) // 2
    return SmsSize("UCS-2", units, _segments(units, UCS2_SINGLE, UCS2_PART))


def segments(text: str) -> int:
    return sms_size(text).segments


def _segments(units: int, single: int, part: int) -> int:
    if units <= single:
        return 1
    return math.ceil(units / part)
