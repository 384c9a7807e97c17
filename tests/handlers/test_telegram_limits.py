"""Telegram's sending limits: overall, per chat with a short burst, per group per minute, and
429 answered by waiting retry_after. The clock is a fake: no test waits for real."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramRetryAfter

from bot.adapters.telegram_bot import create_bot
from bot.adapters.telegram_limits import FloodControl, SendLimiter
from bot.config import BotSettings
from bot.pacing import Schedule
from tests.fakes_telegram import TOKEN, FakeBotApi
from tests.handlers.test_telegram import FakeTime


def limiter(time: FakeTime, **limits) -> SendLimiter:
    return SendLimiter(now=time.now, sleep=time.sleep, **limits)


@pytest.mark.parametrize(
    ("rate", "burst", "sends_at_once", "expected"),
    [
        (1, 1, 3, [0, 1, 2]),
        (1, 3, 5, [0, 0, 0, 1, 2]),
        (2, 1, 3, [0, 0.5, 1.0]),
    ],
)
def test_a_schedule_lets_a_burst_through_then_keeps_the_rate(rate, burst, sends_at_once, expected):
    schedule = Schedule(rate, burst)
    assert [schedule.reserve("chat", 0.0) for _ in range(sends_at_once)] == expected


def test_a_chat_that_was_quiet_gets_its_burst_again():
    schedule = Schedule(1, burst=3)
    for _ in range(3):
        schedule.reserve("chat", 0.0)
    assert schedule.reserve("chat", 10.0) == 10.0
    assert schedule.reserve("chat", 10.0) == 10.0


async def test_one_chat_waits_a_second_between_messages_after_its_burst_others_do_not():
    time = FakeTime()
    limits = limiter(time, chat_per_second=1, chat_burst=3)
    for _ in range(5):
        await limits.wait_turn(42)
    assert time.waits == [1, 1]
    await limits.wait_turn(43)
    assert time.waits == [1, 1]


async def test_a_group_gets_twenty_messages_a_minute():
    time = FakeTime()
    limits = limiter(time, group_per_minute=20, chat_burst=1)
    for _ in range(3):
        await limits.wait_turn(-100500)
    assert time.waits == [3, 3]


async def test_all_chats_together_keep_to_thirty_messages_a_second():
    time = FakeTime()
    limits = limiter(time, per_second=30)
    for chat in range(1, 61):
        await limits.wait_turn(chat)
    assert len(time.waits) == 30
    assert time.waits == pytest.approx([1 / 30] * 30)
    assert time.moment - 1000.0 == pytest.approx(1.0)


async def test_a_429_holds_the_chat_for_retry_after_and_no_other():
    time = FakeTime()
    limits = limiter(time)
    await limits.wait_turn(42)
    limits.hold(42, 7)
    await limits.wait_turn(42)
    assert time.waits == [7]
    await limits.wait_turn(43)
    assert time.waits == [7]


def test_old_chats_are_forgotten_so_memory_stays_bounded():
    schedule = Schedule(1, burst=3)
    for chat in range(100):
        schedule.reserve(str(chat), 0.0)
    schedule.forget_before(60.0)
    assert schedule._next == {}


async def test_429_more_often_than_the_retries_gives_up_with_the_error():
    time = FakeTime()
    async with FakeBotApi() as api:
        settings = BotSettings(_env_file=None, telegram_token=TOKEN, telegram_api_base=api.base_url)
        limits = limiter(time)
        bot = create_bot(settings, limits)
        try:
            for _ in range(4):
                api.fail_next("sendMessage", 429, retry_after=2)
            with pytest.raises(TelegramRetryAfter):
                await bot.send_message(chat_id=42, text="hello")
        finally:
            await bot.session.close()
    assert len(api.calls_of("sendMessage")) == 1 + FloodControl(limits).retries
    assert time.waits == [2, 2, 2]


async def test_answering_a_button_is_not_limited_but_a_429_on_it_is_still_waited_out():
    time = FakeTime()
    async with FakeBotApi() as api:
        settings = BotSettings(_env_file=None, telegram_token=TOKEN, telegram_api_base=api.base_url)
        bot = create_bot(settings, limiter(time))
        try:
            api.fail_next("answerCallbackQuery", 429, retry_after=3)
            assert await bot.answer_callback_query("cb-1") is True
        finally:
            await bot.session.close()
    assert time.waits == [3]
