"""Charts drawn on the server as SVG: columns over days and horizontal bars. The words and
numbers come in already translated and formatted; right-to-left languages get the axis
mirrored (the first day on the right, labels on the right of their bars)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Drawn at about the size they are shown (a full-width card, a half-width one), so the text
# keeps the page's size.
WIDE = 1120
HALF = 560
BAR_ROW = 28
LABEL_WIDTH = 250
VALUE_WIDTH = 70


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    shown: str  # the value as the reader reads it (digits, unit, currency)


def columns(
    bars: Sequence[Bar], *, rtl: bool, title: str, height: int = 200, width: int = WIDE
) -> Markup:
    """One column per bar (a day), tallest to the top; every label when they fit, else some."""
    top, bottom, side = 24, 28, 8
    plot = height - top - bottom
    count = max(len(bars), 1)
    step = (width - 2 * side) / count
    bar_width = min(48.0, max(2.0, step * 0.7))
    peak = max((b.value for b in bars), default=0) or 1
    every = max(1, round(count / 15))
    parts = [_open(width, height, title)]
    parts.append(
        f'<line x1="{side}" y1="{top + plot}" x2="{width - side}" y2="{top + plot}" class="axis"/>'
    )
    for i, bar in enumerate(bars):
        slot = count - 1 - i if rtl else i
        x = side + slot * step + (step - bar_width) / 2
        tall = plot * bar.value / peak
        y = top + plot - tall
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" height="{tall:.1f}" rx="2"'
            f' class="bar"><title>{escape(bar.label)}: {escape(bar.shown)}</title></rect>'
        )
        middle = x + bar_width / 2
        if count <= 10 and bar.value:
            parts.append(
                f'<text x="{middle:.1f}" y="{y - 6:.1f}" class="value" text-anchor="middle">'
                f"{escape(bar.shown)}</text>"
            )
        if (count - 1 - i) % every == 0:  # counted from the last day, always labelled
            parts.append(
                f'<text x="{middle:.1f}" y="{height - 8}" class="tick" text-anchor="middle">'
                f"{escape(bar.label)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(rows: Sequence[Bar], *, rtl: bool, title: str, width: int = HALF) -> Markup:
    """A horizontal bar per row, its label beside it and its value at its end."""
    height = max(len(rows), 1) * BAR_ROW + 8
    peak = max((r.value for r in rows), default=0) or 1
    room = width - LABEL_WIDTH - VALUE_WIDTH
    parts = [_open(width, height, title)]
    for i, row in enumerate(rows):
        y = 4 + i * BAR_ROW
        length = max(2.0, room * row.value / peak) if row.value else 0.0
        if rtl:
            label_x, anchor = width - 4, "end"
            bar_x = width - LABEL_WIDTH - length
            value_x, value_anchor = bar_x - 6, "end"
        else:
            label_x, anchor = 4, "start"
            bar_x = LABEL_WIDTH
            value_x, value_anchor = bar_x + length + 6, "start"
        middle = y + BAR_ROW / 2
        parts.append(
            f'<text x="{label_x}" y="{middle + 4:.1f}" class="label" text-anchor="{anchor}">'
            f"{escape(row.label)}</text>"
            f'<rect x="{bar_x:.1f}" y="{y + 5}" width="{length:.1f}" height="{BAR_ROW - 10}"'
            f' rx="3" class="bar"><title>{escape(row.label)}: {escape(row.shown)}</title></rect>'
            f'<text x="{value_x:.1f}" y="{middle + 4:.1f}" class="value"'
            f' text-anchor="{value_anchor}">{escape(row.shown)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        f' class="chart" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )
