"""SMS segment counting: GSM-7 (160, then 153 a part) and UCS-2 (70, then 67 a part)."""

from __future__ import annotations

import pytest

from bot.sms_segments import fits, plain_spaces, sms_size

FA = "س"  # one Persian letter: UCS-2


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # an extension character costs two septets
        ("a" * 159 + "[", "GSM-7", 161, 2),
        ("Pay Rp5.450.000 at https://x.test/p/ABC_d-1", "GSM-7", 43, 1),
        (FA * 70, "UCS-2", 70, 1),
        (FA * 71, "UCS-2", 71, 2),
        (FA * 134, "UCS-2", 134, 2),
        (FA * 135, "UCS-2", 135, 3),
        ("a" * 69 + "ü", "GSM-7", 70, 1),  # ü is in the GSM-7 alphabet
        ("a" * 69 + "ç", "UCS-2", 70, 1),  # ç (lower case) is not: the whole text is UCS-2
        ("🙂" * 35, "UCS-2", 70, 1),  # outside the BMP: two UTF-16 units each
        ("🙂" * 36, "UCS-2", 72, 2),
    ],
)
def test_segments_follow_gsm_7_and_ucs_2_rules(text, encoding, units, segments):
    size = sms_size(text)
    assert (size.encoding, size.units, size.segments) == (encoding, units, segments)


def test_babel_s_no_break_spaces_are_sent_plain_so_a_latin_answer_stays_gsm_7():
    amount = "IDR\u00a0299,750 and 1\u202f500 GB"
    assert sms_size(amount).encoding == "UCS-2"
    assert plain_spaces(amount) == "IDR 299,750 and 1 500 GB"
    assert sms_size(plain_spaces(amount)).encoding == "GSM-7"
    # 300 Latin characters and one no-break space: two GSM-7 parts once sent plain.
    long = "a" * 150 + "\u00a0" + "b" * 150
    assert sms_size(long).segments == 5 and fits(long)
    assert not fits(FA * 135) and fits(FA * 134) and fits(FA * 70, parts=1)
