"""The server's SVG charts (mirrored for right-to-left, words escaped) and the console's
sessions in the state store (idle and absolute timeouts, gone at logout)."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.config import BotSettings
from bot.dialogs.state import MemoryStateStore
from bot.staff.charts import Bar, bars, columns
from bot.staff.sessions import StaffSessions

DAYS = [Bar("Mon", 10, "10"), Bar("Tue", 0, "0"), Bar("Wed", 5, "5")]


def xs(svg: str, label: str) -> float:
    found = re.search(rf'<text x="([\d.]+)"[^>]*class="tick"[^>]*>{label}</text>', svg)
    assert found, label
    return float(found.group(1))


def test_columns_run_left_to_right_or_right_to_left():
    ltr, rtl = str(columns(DAYS, rtl=False, title="t")), str(columns(DAYS, rtl=True, title="t"))

    assert xs(ltr, "Mon") < xs(ltr, "Wed")
    assert xs(rtl, "Mon") > xs(rtl, "Wed")
    # The tallest column fills the plot; an empty day has no height.
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', ltr)]
    assert heights == [148.0, 0.0, 74.0]


def test_words_in_a_chart_are_escaped():
    svg = str(bars([Bar("<script>x</script>", 1, "1")], rtl=False, title="a&b"))

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg and 'aria-label="a&amp;b"' in svg


async def test_a_session_ends_when_idle_or_too_old_and_at_logout(clock):
    settings = BotSettings(_env_file=None, staff_session_idle_minutes=30, staff_session_max_hours=2)
    sessions = StaffSessions(MemoryStateStore(), clock, settings)

    idle = await sessions.start(1, "fa")
    clock.advance(timedelta(minutes=31))
    assert await sessions.find(idle.id) is None

    busy = await sessions.start(1, "fa")
    for _ in range(4):  # a request every 25 minutes keeps it, for two hours at most
        clock.advance(timedelta(minutes=25))
        assert await sessions.find(busy.id) is not None
    clock.advance(timedelta(minutes=25))  # 125 minutes after the login
    assert await sessions.find(busy.id) is None

    ended = await sessions.start(1, "en")
    await sessions.end(ended.id)
    assert await sessions.find(ended.id) is None
    assert await sessions.find("") is None and await sessions.find("x" * 65) is None
