"""The ways of writing one word come out as one spelling."""

from __future__ import annotations

import pytest

from bot.understanding.normalise import words


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # Arabic keyboard letters, ta marbuta, he with hamza, tatweel, diacritics.
        ("كيف", ["کیف"]),
        ("ي", ["ی"]),
        ("رسالة", ["رساله"]),
        ("خانۀ", ["خانه"]),
        ("حـــجم", ["حجم"]),
        ("حَجْم", ["حجم"]),
        # ZWNJ, none, or a space between a verb and its prefix, a noun and its suffix.
        ("می‌خواهم", ["میخواهم"]),
        ("میخواهم", ["میخواهم"]),
        ("می خواهم", ["میخواهم"]),
        ("بسته ها", ["بسته"]),
        ("بسته‌ها", ["بسته"]),
        ("ساعت ها", ["ساعتها"]),
        # Colloquial Persian to the written word.
        ("میخوام", ["میخواهم"]),
        ("اینترنتم قطعه", ["اینترنت", "قطع"]),
        ("چقد حجم دارم؟", ["چقدر", "حجم", "دارم"]),
        # Persian and Arabic-Indic digits.
        ("۱۲۳", ["123"]),
        ("٤٥", ["45"]),
        # Finglish.
        ("hajm chand mande", ["حجم", "چقدر", "مانده"]),
        ("net ghate", ["internet", "قطع"]),
        # Indonesian chat spelling.
        ("gmn cara bayar yg bener", ["bagaimana", "cara", "bayar", "yang", "bener"]),
        ("kuota gk ada", ["kuota", "tidak", "ada"]),
        # A "gak" that ends a question asks "or not?": no "not" in it.
        ("minggu buka gak", ["minggu", "buka"]),
        ("bisa gak", ["bisa", "tidak"]),
        ("internet lemot bgt", ["internet", "lambat", "banget"]),
        ("udh bayar tdk masuk", ["sudah", "bayar", "tidak", "masuk"]),
        ("kouta", ["kuota"]),
        ("kpn abis", ["kapan", "habis"]),
        # An ending on a word the tables know: Persian possessives and object markers, the same
        # in Finglish; a word whose stem is in no table stays as typed.
        ("پسوردمو", ["رمز"]),
        ("بسته مو", ["بسته"]),
        ("hajme baghi", ["حجم", "باقیمانده"]),
        ("masrafam", ["مصرف"]),
        ("mande", ["مانده"]),
        ("kamera", ["kamera"]),
        # A plural with a possessive typed apart, a possessive and an object marker typed apart.
        ("تیکت هام", ["تیکت"]),
        ("تعرفه ام رو", ["قیمت"]),
        # A city is asked about as «شهر ما» is: served there, or down there.
        ("تو کرج هستین", ["تو", "شهر", "هستین"]),
        ("tarikhche kharid", ["تاریخچه", "خرید"]),
        # A Finglish plural typed apart is left out; "avaz" is «عوض», spelled «تغییر».
        ("kharid haye ghabli", ["خرید", "قبلی"]),
        # A possessive typed apart joins its word; "when" is not "time", a video that stops sticks.
        ("شبکه تون", ["شبکهتون"]),
        ("وقتی فیلم وایمیسته", ["موقع", "فیلم", "گیر"]),
        ("ramzamo avaz konam", ["رمز", "تغییر", "کنم"]),
        # "bazi" is a game, not "baz" (open) with an ending; "hari" stays Indonesian.
        ("ping bazi", ["ping", "بازی"]),
        ("hari", ["hari"]),
        # The nouns most asked about, with a spoken ending; a name is «نام», «بخرم» buying.
        ("سرویسو", ["سرویس"]),
        ("سرعتم", ["سرعت"]),
        ("اسممو", ["نام"]),
        ("میخوام بخرم", ["میخواهم", "خرید"]),
        # English loanwords for a line that is down or stuck connecting.
        ("سرور داون شده", ["سرور", "قطع", "شده"]),
        # An app named as any other is: what fails in it is the connection.
        ("گوگل میت", ["اپلیکیشن", "اپلیکیشن"]),
        # Letters and digits typed together are two words.
        ("20gb", ["20", "gb"]),
        ("۵۰مگ", ["50", "مگ"]),
        # "tiket" is Indonesian as well as Finglish: it stays a Latin word.
        ("tiket", ["tiket"]),
        # English: case, contractions, stretched letters, abbreviations.
        ("I DON'T have internet", ["i", "do", "not", "have", "internet"]),
        ("slooooow", ["sloow"]),
        ("pls help", ["please", "help"]),
        ("", []),
    ],
)
def test_one_spelling_for_each_way_of_writing(typed: str, expected: list[str]) -> None:
    assert words(typed) == expected


def test_a_huge_message_is_read_in_its_first_part_only() -> None:
    assert len(words("kuota " * 100_000)) == 334
