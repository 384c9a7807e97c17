"""The comparable form of a free-text message: its words, spelled one way.

Persian arrives in Arabic letters (ي ك ة ۀ), with or without the zero-width non-joiner between
a word and its prefix or suffix (می‌خواهم, میخواهم, می خواهم), with tatweel and diacritics, and
in Latin letters (Finglish: "hajm", "ghat"); Indonesian in chat spelling ("yg", "gmn", "gak",
"kouta"); English with typos. Words here become one spelling each; typos left over are the
matcher's business (rapidfuzz). Pure functions, table-tested (tests/understanding/).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.understanding.spellings import INDONESIAN, LATIN_COMMON, PERSIAN, PERSIAN_FINGLISH

# Persian and Arabic-Indic digits to ASCII; Arabic letters to their Persian forms. Ta marbuta
# and he with hamza (ة ۀ) are written for ه by some keyboards and not others.
_CHARACTERS = str.maketrans(
    {
        **{c: str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")},
        **{c: str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")},
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "ؤ": "و",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ـ": None,  # tatweel: a stretch of the line, no letter
        "‌": "",  # ZWNJ: a word written with it or without is one word
        "‍": "",
        "’": "'",
        "‘": "'",
    }
)
# Arabic diacritics (fatha, kasra, tanwin, shadda, sukun...) and the superscript alef.
_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")
# A word is letters or digits, not both: "20gb" is "20" and "gb", «۵۰مگ» is "50" and «مگ».
_TOKENS = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")
# A Persian verb prefix or a suffix typed as a word of its own (می خواهم, بسته ها): joined to
# the word it belongs to, as the ZWNJ spelling would have it.
_PERSIAN_PREFIXES = frozenset({"می", "نمی"})
_PERSIAN_SUFFIXES = frozenset(
    {
        *("ها", "های", "هایی", "ام", "ای", "اش", "ایم", "اید", "اند", "تر", "ترین", "مو", "رو"),
        # The plural with a possessive (تیکت هام, بسته هامو): "my tickets", not a word "هام".
        *("هام", "هامو", "هات", "هاش", "هامون", "هاتون"),
        # A possessive typed apart (شبکه تون, خونه مون).
        *("تون", "مون", "شون"),
    }
)
# Endings a word takes in chat that the spelling tables do not list: Persian possessives and
# object markers (پسوردمو, اشتراکم), the same in Finglish ("hajme", "masrafam", "ramzamo").
# Tried only when the word as typed is in no table, longest first, and only a stem that is in
# the table counts: "mande" stays itself, "hajme" is حجم.
# The "ام" forms come from a suffix typed apart and joined (تعرفه ام رو: "my tariff").
_PERSIAN_ENDINGS = (
    "امرو",
    "هامو",
    "امو",
    "هام",
    "های",
    "ام",
    "ها",
    "مو",
    "رو",
    "م",
    "ت",
    "ش",
    "و",
    "ی",
)
_FINGLISH_ENDINGS = (
    "haye",
    "hay",
    "ha",
    "amo",
    "ami",
    "am",
    "at",
    "esh",
    "ash",
    "ro",
    "mo",
    "e",
    "o",
    "i",
)
# Indonesian "not", the spelling of gak, gk, nggak and tidak.
_NEGATION = "tidak"
# A letter typed three times or more is a stretch ("slooow", "lemooot", "plssss"), not a word.
_STRETCHED = re.compile(r"(.)\1{2,}")


def words(text: str) -> list[str]:
    """``text`` as comparable words: case-folded, digits ASCII, one spelling per word."""
    return list(_words(text[:2000]))


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    text = unicodedata.normalize("NFKC", text).translate(_CHARACTERS)
    text = _DIACRITICS.sub("", text).casefold()
    text = text.replace("'", "")  # don't, it's, i'm: one word each
    raw = _TOKENS.findall(text)
    joined = _join_persian_affixes(raw)
    out: list[str] = []
    for token in joined:
        out.extend(_spelled(token))
    if len(out) >= 3 and out[-1] == _NEGATION:
        # Indonesian asks "... or not?" with a "gak" at the end ("sabtu buka gak", "bisa
        # transfer gk"): a question, not the "not" of "internet tidak bisa".
        out.pop()
    return tuple(out)


def _join_persian_affixes(tokens: list[str]) -> list[str]:
    out: list[str] = []
    pending_prefix = ""
    for token in tokens:
        if token in _PERSIAN_PREFIXES:
            pending_prefix += token
            continue
        if (
            token in _PERSIAN_SUFFIXES
            and out
            and not pending_prefix
            and _ARABIC_SCRIPT.match(out[-1])
        ):
            out[-1] += token
            continue
        out.append(pending_prefix + token)
        pending_prefix = ""
    if pending_prefix:
        out.append(pending_prefix)
    return out


def _spelled(token: str) -> list[str]:
    """One word as the matcher's vocabulary spells it (possibly several words: "gmn" is
    "bagaimana", "sms" stays "sms")."""
    if _ARABIC_SCRIPT.match(token):
        return _looked_up(token, PERSIAN, _PERSIAN_ENDINGS).split()
    token = _STRETCHED.sub(r"\1\1", token)
    for table in (LATIN_COMMON, INDONESIAN, PERSIAN_FINGLISH):
        if token in table:
            return table[token].split()
    return _looked_up(token, PERSIAN_FINGLISH, _FINGLISH_ENDINGS).split()


def _looked_up(token: str, table: dict[str, str], endings: tuple[str, ...]) -> str:
    """``token``'s spelling in ``table``, itself or without one of ``endings``."""
    if token in table:
        return table[token]
    for ending in endings:
        stem = token.removesuffix(ending)
        if stem != token and len(stem) >= 3 and stem in table:
            return table[stem]
    return token
