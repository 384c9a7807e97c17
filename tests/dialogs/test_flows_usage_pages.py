"""Usage details page through every session of the period (the seed's table: ten a page,
login, logout, download, upload, the credit deducted, IP), with buttons where the channel has
them and numbered choices where it has not."""

from __future__ import annotations

from datetime import timedelta

from core.billing.units import BYTES_PER_MB
from tests.conftest import NOW
from tests.dialogs.test_flows_billing_support import (
    EN,
    FA,
    give_service,
    logged_in,
    subscriber,
)

MB = BYTES_PER_MB


async def record_sessions(services, sub, count: int) -> None:
    """``count`` half-hour sessions, an hour apart from 5 days ago; session n downloads n MB
    and uploads 1 MB, from 10.0.0.n."""
    for n in range(1, count + 1):
        start = NOW - timedelta(days=5) + timedelta(hours=n)
        await services.usage.record_session(
            sub.id, f"k{n}", start, start + timedelta(minutes=30), n * MB, MB, f"10.0.0.{n}"
        )


def rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("#")]


async def test_twenty_three_sessions_page_forward_and_back_with_the_totals_on_every_page(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await record_sessions(services, sara, 23)
    chat = await logged_in(engine)
    await chat.press("Usage details")
    await chat.press("Last 7 days")

    assert "(page 1 of 3, 23 connections in all)" in chat.text
    assert [row.split()[0] for row in rows(chat.text)] == [f"#{n}" for n in range(1, 11)]
    assert chat.labels == ["Next page", "Last page", "Another period", "Main menu"]
    assert "Total download: 276.00 MB" in chat.text  # 1 + 2 + ... + 23 MB, the whole period

    await chat.press("Next page")
    assert "(page 2 of 3" in chat.text
    assert rows(chat.text)[0].startswith("#11 ")
    assert chat.labels == ["Previous page", "Next page", "Another period", "Main menu"]

    await chat.press("Next page")
    first = NOW - timedelta(days=5) + timedelta(hours=21)
    assert rows(chat.text) == [
        f"#{n} {EN.datetime(first + timedelta(hours=n - 21))} to "
        f"{EN.time(first + timedelta(hours=n - 21, minutes=30))}: down {n}.00 MB, up 1.00 MB, "
        f"deducted {n}.00 MB, IP 10.0.0.{n}"
        for n in (21, 22, 23)
    ]
    assert "Total download: 276.00 MB" in chat.text
    assert chat.labels == ["First page", "Previous page", "Another period", "Main menu"]

    await chat.press("First page")
    assert "(page 1 of 3" in chat.text
    await chat.press("Last page")
    assert "(page 3 of 3" in chat.text
    await chat.press("Previous page")
    assert "(page 2 of 3" in chat.text


async def test_another_period_and_a_word_that_is_no_choice_keep_the_subscriber_in_usage(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await record_sessions(services, sara, 12)
    chat = await logged_in(engine)
    await chat.press("Usage details")
    await chat.press("Last 30 days")
    await chat.send("sideways")
    assert "Please choose one of the options below." in chat.text
    assert "(page 1 of 2" in chat.text
    await chat.press("Another period")
    assert chat.labels == ["Last 7 days", "Last 30 days", "This month", "Choose dates"]


async def test_on_sms_the_pages_are_turned_by_number(engine, services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await record_sessions(services, sara, 12)
    chat = await logged_in(engine, channel="sms")
    await chat.press("Usage details")
    await chat.send("2")  # Last 30 days
    assert "(page 1 of 2" in chat.text
    assert chat.labels[0] == "Next page"
    await chat.send("1")  # Next page
    assert "(page 2 of 2" in chat.text
    assert [row.split()[0] for row in rows(chat.text)] == ["#11", "#12"]


async def test_a_session_still_open_and_one_over_midnight_show_their_ends(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    evening = NOW.replace(hour=19, minute=0) - timedelta(days=2)  # 22:30 in Tehran
    await services.usage.record_session(
        sara.id, "night", evening, evening + timedelta(hours=3), 5 * MB, MB, "10.0.0.9"
    )
    await services.usage.record_session(sara.id, "now", NOW - timedelta(hours=1), None, MB, 0)
    chat = await logged_in(engine)
    await chat.press("Usage details")
    await chat.press("Last 7 days")
    assert f"#1 {EN.datetime(evening)} to {EN.datetime(evening + timedelta(hours=3))}:" in (
        chat.text
    )
    assert f"#2 {EN.datetime(NOW - timedelta(hours=1))} to now (still connected):" in chat.text


async def test_persian_pages_show_jalali_times_and_persian_digits(engine, services, bot_settings):
    sara = await subscriber(bot_settings, language="fa")
    await give_service(services, sara)
    await record_sessions(services, sara, 12)
    chat = await logged_in(engine, language_hint="fa")
    await chat.send(choice="flow:usage")
    await chat.send(choice="period:30")
    first = NOW - timedelta(days=5) + timedelta(hours=1)
    assert f"#۱ از {FA.datetime(first)}" in chat.text
    assert "۱۰٫۰۰" in chat.text
    await chat.send(choice="page:next")
    assert f"#۱۱ از {FA.datetime(first + timedelta(hours=10))}" in chat.text
