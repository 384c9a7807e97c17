"""The usage picture: a PNG of the days asked, each session on its local start day, the axis in
the reader's calendar and digits, and today against yesterday in words."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from PIL import Image

from bot.i18n import translator
from bot.rendering.usage_chart import (
    HEIGHT,
    WIDTH,
    daily_usage,
    day_label,
    draw_usage_chart,
    today_against_yesterday,
)
from core.billing.read_models import UsageLine, UsageReport

GB = 1024**3


def line(started_at: datetime, down: int, up: int) -> UsageLine:
    return UsageLine(
        session_key=started_at.isoformat(),
        started_at=started_at,
        ended_at=started_at + timedelta(hours=1),
        download_bytes=down,
        upload_bytes=up,
        deducted_bytes=down,
        ip="10.0.0.2",
    )


def report(*lines: UsageLine) -> UsageReport:
    return UsageReport(
        start=datetime(2026, 11, 1, tzinfo=UTC),
        end=datetime(2026, 12, 1, tzinfo=UTC),
        sessions=lines,
        download_bytes=sum(x.download_bytes for x in lines),
        upload_bytes=sum(x.upload_bytes for x in lines),
        deducted_bytes=sum(x.deducted_bytes for x in lines),
    )


def test_a_session_counts_on_the_local_day_it_started():
    t = translator("fa", zone="Asia/Tehran")
    # 21:00 UTC on the 23rd is 00:30 on the 24th in Tehran.
    late = line(datetime(2026, 11, 23, 21, 0, tzinfo=UTC), 2 * GB, GB)
    days = daily_usage(report(late), t, date(2026, 11, 23), date(2026, 11, 24))

    assert [(d.day, d.download_bytes, d.upload_bytes) for d in days] == [
        (date(2026, 11, 23), 0, 0),
        (date(2026, 11, 24), 2 * GB, GB),
    ]


def test_the_picture_is_a_png_of_the_expected_size_in_every_language():
    days = daily_usage(
        report(line(datetime(2026, 11, 20, 8, tzinfo=UTC), GB, GB // 4)),
        translator("en"),
        date(2026, 11, 1),
        date(2026, 11, 30),
    )
    for language in ("fa", "id", "en"):
        png = draw_usage_chart(translator(language), days, "Usage")
        with Image.open(io.BytesIO(png)) as picture:
            assert (picture.format, picture.size) == ("PNG", (WIDTH, HEIGHT))


def test_an_empty_period_is_drawn_too():
    days = daily_usage(report(), translator("en"), date(2026, 11, 1), date(2026, 11, 7))
    with Image.open(io.BytesIO(draw_usage_chart(translator("en"), days, "Usage"))) as picture:
        assert picture.size == (WIDTH, HEIGHT)


def test_the_axis_speaks_the_readers_calendar_and_digits():
    day = date(2026, 11, 24)  # 3 Azar 1405
    assert day_label(translator("fa"), day) == "۳"
    assert day_label(translator("en"), day) == "24"


def test_today_is_set_against_yesterday_in_words():
    t = translator("en", zone="Asia/Tehran")
    days = daily_usage(
        report(
            line(datetime(2026, 11, 23, 8, tzinfo=UTC), GB, 0),
            line(datetime(2026, 11, 24, 8, tzinfo=UTC), GB // 2, 0),
        ),
        t,
        date(2026, 11, 1),
        date(2026, 11, 24),
    )

    said = today_against_yesterday(t, days, date(2026, 11, 24))

    assert said == "Used today: 0.50 GB; yesterday: 1.00 GB."
    assert today_against_yesterday(t, days, date(2026, 12, 24)) is None
