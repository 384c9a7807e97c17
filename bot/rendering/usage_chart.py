"""Usage as a picture: download and upload per day, drawn as a PNG for the chats that show
pictures (Telegram, WhatsApp, the web chat; SMS keeps the totals).

Drawn with Pillow, which the receipts' fpdf2 already brings: its text goes through libraqm
(HarfBuzz and FriBiDi), so Persian labels are joined and laid out right to left, and one picture
takes a few milliseconds (bench/usage_chart.py). matplotlib, the usual choice, would add numpy
and about 70 MB, draws one in tens of milliseconds, and cannot join Persian letters without two
more packages. The days run the way the reader reads: right to left in Persian, whose calendar
(Jalali) and digits the axis uses.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import jdatetime
from PIL import Image, ImageDraw, ImageFont

from bot.i18n import Texts
from core.billing.read_models import UsageReport

FONTS = Path(__file__).resolve().parent / "fonts"
WIDTH, HEIGHT = 800, 440
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_SIDE, AXIS_WIDTH = 70, 60, 24, 110
DOWNLOAD, UPLOAD = (37, 99, 235), (245, 158, 11)
INK, GRID, MUTED = (31, 41, 55), (229, 231, 235), (107, 114, 128)
GRID_LINES = 4
# Day labels at most along the axis; the others are left out so labels never overlap.
DAY_LABELS = 10


@dataclass(frozen=True, slots=True)
class DayUsage:
    day: date
    download_bytes: int
    upload_bytes: int

    @property
    def total(self) -> int:
        return self.download_bytes + self.upload_bytes


def daily_usage(report: UsageReport, t: Texts, first: date, last: date) -> list[DayUsage]:
    """Traffic per local day from ``first`` to ``last``, each session counted on the day it
    started (as the sessions' table lists it)."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    down = dict.fromkeys(days, 0)
    up = dict.fromkeys(days, 0)
    for line in report.sessions:
        day = line.started_at.astimezone(t.zone).date()
        if day in down:
            down[day] += line.download_bytes
            up[day] += line.upload_bytes
    return [DayUsage(day, down[day], up[day]) for day in days]


def today_against_yesterday(t: Texts, days: list[DayUsage], today: date) -> str | None:
    """ "Today X, yesterday Y" in words, when the period holds both days."""
    by_day = {d.day: d.total for d in days}
    yesterday = today - timedelta(days=1)
    if today not in by_day or yesterday not in by_day:
        return None
    return t.gettext(
        "Used today: %(today)s; yesterday: %(yesterday)s.",
        today=t.traffic(by_day[today]),
        yesterday=t.traffic(by_day[yesterday]),
    )


@lru_cache(maxsize=8)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "Vazirmatn-Bold.ttf" if bold else "Vazirmatn-Regular.ttf"
    return ImageFont.truetype(str(FONTS / name), size, layout_engine=ImageFont.Layout.RAQM)


def _text(draw: ImageDraw.ImageDraw, xy, text: str, font, fill, anchor: str, rtl: bool) -> None:
    direction = "rtl" if rtl else "ltr"
    draw.text(xy, text, font=font, fill=fill, anchor=anchor, direction=direction)


def day_label(t: Texts, day: date) -> str:
    """The day of the month in the reader's calendar and digits (Jalali for Persian)."""
    if t.language == "fa":
        return t.digits(str(jdatetime.date.fromgregorian(date=day).day))
    return t.digits(str(day.day))


def draw_usage_chart(t: Texts, days: list[DayUsage], title: str) -> bytes:
    """A PNG: a pair of columns (download, upload) a day, a traffic scale, the legend."""
    rtl = t.direction == "rtl"
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    small, normal, heading = _font(15), _font(17), _font(21, bold=True)

    # The title and the legend, from the side the reader starts.
    start_x = WIDTH - MARGIN_SIDE if rtl else MARGIN_SIDE
    _text(draw, (start_x, 18), title, heading, INK, "ra" if rtl else "la", rtl)
    legend_x = start_x
    for colour, label in ((DOWNLOAD, t.gettext("Download")), (UPLOAD, t.gettext("Upload"))):
        box = (legend_x - 14, 50, legend_x, 64) if rtl else (legend_x, 50, legend_x + 14, 64)
        draw.rectangle(box, fill=colour)
        text_x = legend_x - 20 if rtl else legend_x + 20
        _text(draw, (text_x, 57), label, small, MUTED, "rm" if rtl else "lm", rtl)
        width = draw.textlength(label, font=small, direction="rtl" if rtl else "ltr")
        legend_x += -(width + 50) if rtl else width + 50

    # The plot: the traffic scale on the reader's starting side, the days across.
    top, bottom = MARGIN_TOP + 20, HEIGHT - MARGIN_BOTTOM
    if rtl:
        left, right = MARGIN_SIDE, WIDTH - AXIS_WIDTH
    else:
        left, right = AXIS_WIDTH, WIDTH - MARGIN_SIDE
    peak = max((max(d.download_bytes, d.upload_bytes) for d in days), default=0)
    scale = _nice_ceiling(peak)
    for step in range(GRID_LINES + 1):
        value = scale * step // GRID_LINES
        y = bottom - (bottom - top) * step / GRID_LINES
        draw.line((left, y, right, y), fill=GRID, width=1)
        label = t.traffic(value, "MB" if scale < 1024**3 else "GB")
        if rtl:
            _text(draw, (WIDTH - MARGIN_SIDE, y), label, small, MUTED, "rm", True)
        else:
            _text(draw, (left - 8, y), label, small, MUTED, "rm", False)

    count = max(len(days), 1)
    slot = (right - left) / count
    bar = max(1.0, slot * 0.36)
    every = max(1, -(-count // DAY_LABELS))
    for index, usage in enumerate(days):
        position = count - 1 - index if rtl else index
        x0 = left + slot * position + (slot - 2 * bar) / 2
        for offset, (value, colour) in enumerate(
            ((usage.download_bytes, DOWNLOAD), (usage.upload_bytes, UPLOAD))
        ):
            if value and scale:
                height = (bottom - top) * value / scale
                x = x0 + offset * bar
                draw.rectangle((x, bottom - max(height, 1), x + bar - 1, bottom), fill=colour)
        if index % every == 0 or index == count - 1:
            centre = left + slot * position + slot / 2
            _text(draw, (centre, bottom + 8), day_label(t, usage.day), normal, INK, "ma", False)
    draw.line((left, bottom, right, bottom), fill=INK, width=1)

    out = io.BytesIO()
    # The fastest zlib level: the encoding was most of a picture's time, for a few KB more.
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _nice_ceiling(peak: int) -> int:
    """The scale's top: 1, 2 or 5 times a power of ten megabytes (or gigabytes) at or above
    the highest column, so the grid's labels are round."""
    if peak <= 0:
        return 1024**2
    unit = 1024**3 if peak >= 1024**3 else 1024**2
    value = peak / unit
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    for factor in (1, 2, 5, 10):
        if value <= factor * magnitude:
            return int(factor * magnitude * unit) or unit
    return int(10 * magnitude * unit)


def chart_file_name(first: date, last: date) -> str:
    return f"usage-{first.isoformat()}-{last.isoformat()}.png"


def period_title(t: Texts, first: date, last: date) -> str:
    return t.gettext("Usage from %(first)s to %(last)s", first=t.date(first), last=t.date(last))
