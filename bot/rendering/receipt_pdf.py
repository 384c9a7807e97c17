"""A receipt, already in the subscriber's words, laid out as a one-page PDF as a company's
receipt is: the ISP (name, address, tax number) at the top, the title and who was billed, the
order's lines, VAT and total in a table, then how it was paid.

Text the standard Latin fonts can show (Indonesian, English) is set in Helvetica, which every
PDF reader has, so those PDFs stay a few kilobytes; anything else (Persian) is set in the bundled
Vazirmatn font (fonts/, SIL Open Font License), embedded as a subset and shaped by HarfBuzz so
Arabic-script letters join, and a right-to-left receipt is laid out from the right with its
mixed Persian / Latin runs ordered by the Unicode bidi algorithm.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
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


@dataclass(frozen=True, slots=True)
class ReceiptPage:
    """What one receipt shows, every text already in the reader's language and digits."""

    title: str
    # The ISP: its legal name first, then its address and tax number lines.
    seller: Sequence[str]
    # Label / value: the order's number, its date, who was billed.
    details: Sequence[tuple[str, str]]
    # The table's head (what, amount), its lines, and the totals under them; the last total
    # (what was paid) stands out.
    columns: tuple[str, str]
    lines: Sequence[tuple[str, str]]
    totals: Sequence[tuple[str, str]]
    # Label / value: how it was paid (references).
    payment: Sequence[tuple[str, str]] = field(default_factory=tuple)
    footer: str = ""

    def texts(self) -> list[str]:
        pairs = [*self.details, self.columns, *self.lines, *self.totals, *self.payment]
        return [self.title, self.footer, *self.seller, *(part for row in pairs for part in row)]

    def latin(self) -> ReceiptPage:
        """The same page with the spaces the Latin fonts lack made plain."""

        def rows(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
            return [(_latin(a), _latin(b)) for a, b in pairs]

        return ReceiptPage(
            title=_latin(self.title),
            seller=[_latin(line) for line in self.seller],
            details=rows(self.details),
            columns=(_latin(self.columns[0]), _latin(self.columns[1])),
            lines=rows(self.lines),
            totals=rows(self.totals),
            payment=rows(self.payment),
            footer=_latin(self.footer),
        )


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
    page: ReceiptPage,
    *,
    direction: Direction = "ltr",
    created_at: datetime | None = None,
) -> bytes:
    """A one-page receipt read in ``direction`` (right to left: everything mirrored, labels
    and descriptions on the right). ValueError when a character has no glyph in the receipt's
    fonts (check with ``pdf_can_show`` first). With ``created_at`` (the payment's moment) the
    bytes are the same at every rendering, so a receipt sent again is the same stored file."""
    texts = page.texts()
    if not pdf_can_show(texts):
        raise ValueError("the receipt's text needs a font the PDF does not carry")
    pdf = FPDF(format="A4")
    pdf.set_creator("ispbot")
    if created_at is not None:
        pdf.set_creation_date(created_at)
    if direction == "ltr" and _fits_latin(texts):
        page = page.latin()
        family = "Helvetica"
    else:
        family = _FAMILY
        for style, filename in _FONT_FILES.items():
            pdf.add_font(_FAMILY, style=style, fname=FONTS_DIR / filename)
        pdf.set_text_shaping(True, direction=direction)
    pdf.set_title(page.title)
    _Layout(pdf, family, direction).draw(page)
    return bytes(pdf.output())


# Greys of the table's head and rules, and the ISP's name.
_HEAD_FILL = (235, 235, 235)
_RULE = (160, 160, 160)
_MUTED = (90, 90, 90)
AMOUNT_WIDTH = 55
LABEL_WIDTH = 50


class _Layout:
    def __init__(self, pdf: FPDF, family: str, direction: Direction) -> None:
        self.pdf = pdf
        self.family = family
        self.rtl = direction == "rtl"
        # Where text starts and where amounts line up: the reading side, and the other.
        self.start: Literal["L", "R"] = "R" if self.rtl else "L"
        self.end: Literal["L", "R"] = "L" if self.rtl else "R"

    def draw(self, page: ReceiptPage) -> None:
        pdf = self.pdf
        pdf.add_page()
        pdf.set_draw_color(*_RULE)
        self._seller(page.seller)
        pdf.set_font(self.family, style="B", size=18)
        pdf.cell(0, 12, page.title, align=self.start, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        self._pairs(page.details)
        pdf.ln(5)
        self._table(page.columns, page.lines, page.totals)
        if page.payment:
            pdf.ln(6)
            self._pairs(page.payment)
        if page.footer:
            pdf.ln(6)
            pdf.set_font(self.family, size=9)
            pdf.multi_cell(0, 6, page.footer, align=self.start, new_x="LMARGIN", new_y="NEXT")

    def _own_direction(self, text: str) -> None:
        """On a right-to-left page, a text that starts in Latin letters (an ISP's name, a
        subscriber's) is still read left to right: "Pishgaman Net Co." keeps its final dot on
        the right. The first strong letter decides, as the Unicode bidi algorithm's P2 does."""
        if not self.rtl:
            return
        direction: Direction = "rtl"
        for char in text:
            kind = unicodedata.bidirectional(char)
            if kind in ("L", "R", "AL"):
                direction = "ltr" if kind == "L" else "rtl"
                break
        self.pdf.set_text_shaping(True, direction=direction)

    def _seller(self, seller: Sequence[str]) -> None:
        if not seller:
            return
        pdf = self.pdf
        name, *rest = seller
        pdf.set_font(self.family, style="B", size=14)
        self._own_direction(name)
        pdf.multi_cell(0, 8, name, align=self.start, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(self.family, size=9)
        pdf.set_text_color(*_MUTED)
        for line in rest:
            self._own_direction(line)
            pdf.multi_cell(0, 5, line, align=self.start, new_x="LMARGIN", new_y="NEXT")
        self._own_direction("")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(2)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
        pdf.ln(4)

    def _pairs(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Label and value side by side, the label on the reading side."""
        pdf = self.pdf
        value_width = pdf.epw - LABEL_WIDTH
        label_x = pdf.l_margin + (value_width if self.rtl else 0)
        value_x = pdf.l_margin + (0 if self.rtl else LABEL_WIDTH)
        for label, value in pairs:
            top = pdf.get_y()
            pdf.set_xy(label_x, top)
            pdf.set_font(self.family, style="B", size=10)
            pdf.cell(LABEL_WIDTH, 7, label, align=self.start)
            pdf.set_xy(value_x, top)
            pdf.set_font(self.family, size=10)
            self._own_direction(value)
            pdf.multi_cell(value_width, 7, value, align=self.start, new_x="LMARGIN", new_y="NEXT")
            self._own_direction("")

    def _row(self, what: str, amount: str, *, style: str = "", border: str = "B", fill=False):
        """One row of the table: what, on the reading side, and its amount at the far side."""
        pdf = self.pdf
        what_width = pdf.epw - AMOUNT_WIDTH
        top = pdf.get_y()
        what_x = pdf.l_margin + (AMOUNT_WIDTH if self.rtl else 0)
        amount_x = pdf.l_margin + (0 if self.rtl else what_width)
        pdf.set_font(self.family, style=style, size=10)
        pdf.set_xy(what_x, top)
        pdf.multi_cell(what_width, 8, what, border=border, align=self.start, fill=fill)
        bottom = pdf.get_y()
        pdf.set_xy(amount_x, top)
        pdf.cell(AMOUNT_WIDTH, bottom - top, amount, border=border, align=self.end, fill=fill)
        pdf.set_xy(pdf.l_margin, bottom)

    def _table(
        self,
        columns: tuple[str, str],
        lines: Sequence[tuple[str, str]],
        totals: Sequence[tuple[str, str]],
    ) -> None:
        pdf = self.pdf
        pdf.set_fill_color(*_HEAD_FILL)
        self._row(*columns, style="B", border="TB", fill=True)
        for what, amount in lines:
            self._row(what, amount)
        for n, (what, amount) in enumerate(totals, start=1):
            last = n == len(totals)
            self._row(what, amount, style="B" if last else "", border="TB" if last else "")
