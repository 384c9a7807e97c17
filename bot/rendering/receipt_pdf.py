"""A receipt's rows, already in the subscriber's words, laid out as a one-page PDF.

Text the standard Latin fonts can show (Indonesian, English) is set in Helvetica, which every
PDF reader has, so those PDFs stay a few kilobytes; anything else (Persian) is set in the bundled
Vazirmatn font (fonts/, SIL Open Font License), embedded as a subset and shaped by HarfBuzz so
Arabic-script letters join, and a right-to-left receipt is laid out from the right with its
mixed Persian / Latin runs ordered by the Unicode bidi algorithm.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Literal

from fpdf import FPDF
from fpdf.fonts import TTFFont

Direction = Literal["ltr", "rtl"]

# Spaces some locales put in numbers; the Latin PDF fonts know only the plain one.
_SPACES = str.maketrans({"\u202f": " ", "\u00a0": " ", "\u2009": " "})
FONTS_DIR = Path(__file__).with_name("fonts")
_FAMILY = "Vazirmatn"
_FONT_FILES = {"": "Vazirmatn-Regular.ttf", "B": "Vazirmatn-Bold.ttf"}


def _latin(text: str) -> str:
    return text.translate(_SPACES)


def _fits_latin(texts: Sequence[str]) -> bool:
    try:
        for text in texts:
            _latin(text).encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


@cache
def _vazirmatn_chars() -> frozenset[int]:
    pdf = FPDF()
    pdf.add_font(_FAMILY, fname=FONTS_DIR / _FONT_FILES[""])
    font = pdf.fonts[_FAMILY.lower()]
    assert isinstance(font, TTFFont)
    return frozenset(font.cmap)


def _vazirmatn_shows(text: str) -> bool:
    # Format characters (the LRM Babel puts before an amount, ZWNJ inside Persian words) steer
    # the bidi algorithm and the shaper; they need no glyph of their own.
    return all(
        ord(char) in _vazirmatn_chars() or unicodedata.category(char) == "Cf" for char in text
    )


def pdf_can_show(texts: Sequence[str]) -> bool:
    """True when the receipt's fonts have a glyph for every character of every text: the
    Latin fonts, or else Vazirmatn (Persian and Latin)."""
    return _fits_latin(texts) or all(_vazirmatn_shows(text) for text in texts)


def render_pdf(
    title: str,
    rows: Sequence[tuple[str, str]],
    footer: str = "",
    *,
    direction: Direction = "ltr",
    created_at: datetime | None = None,
) -> bytes:
    """A one-page receipt: a title, then label / value rows, read in ``direction`` (labels on
    the right for "rtl"). ValueError when a character has no glyph in the receipt's fonts
    (check with ``pdf_can_show`` first). With ``created_at`` (the payment's moment) the bytes
    are the same at every rendering, so a receipt sent again is the same stored file."""
    texts = [title, footer, *(part for row in rows for part in row)]
    if not pdf_can_show(texts):
        raise ValueError("the receipt's text needs a font the PDF does not carry")
    pdf = FPDF(format="A4")
    pdf.set_creator("ispbot")
    if created_at is not None:
        pdf.set_creation_date(created_at)
    if direction == "ltr" and _fits_latin(texts):
        pdf.set_title(_latin(title))
        _lay_out(pdf, "Helvetica", _latin(title), [(_latin(a), _latin(b)) for a, b in rows])
        if footer:
            pdf.set_font("Helvetica", style="I", size=9)
            pdf.multi_cell(0, 6, _latin(footer), new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.set_title(title)
        for style, filename in _FONT_FILES.items():
            pdf.add_font(_FAMILY, style=style, fname=FONTS_DIR / filename)
        pdf.set_text_shaping(True, direction=direction)
        _lay_out(pdf, _FAMILY, title, rows, direction=direction)
        if footer:
            pdf.set_font(_FAMILY, size=9)
            pdf.multi_cell(0, 6, footer, align=_align(direction), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _align(direction: Direction) -> Literal["L", "R"]:
    return "R" if direction == "rtl" else "L"


def _lay_out(
    pdf: FPDF,
    family: str,
    title: str,
    rows: Sequence[tuple[str, str]],
    *,
    direction: Direction = "ltr",
) -> None:
    align = _align(direction)
    pdf.add_page()
    pdf.set_font(family, style="B", size=16)
    pdf.cell(0, 12, title, align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    label_width = 55
    value_width = pdf.epw - label_width
    for label, value in rows:
        top = pdf.get_y()
        # Left to right: the label, then its value beside it; right to left, the mirror.
        label_x = pdf.l_margin if direction == "ltr" else pdf.l_margin + value_width
        value_x = pdf.l_margin + label_width if direction == "ltr" else pdf.l_margin
        pdf.set_xy(label_x, top)
        pdf.set_font(family, style="B", size=10)
        pdf.cell(label_width, 8, label, align=align)
        pdf.set_xy(value_x, top)
        pdf.set_font(family, size=10)
        pdf.multi_cell(value_width, 8, value, align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
