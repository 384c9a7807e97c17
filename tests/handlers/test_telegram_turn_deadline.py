"""Every call a Telegram turn makes while it holds its chat ends by the turn's deadline
(bot/pacing.py ``sending_by``), the calls through aiogram's own session too (files, a long
text's parts, the contact keyboard, a delete): a call that hangs is given up, a wait for the
chat's pace past the deadline is not begun, and the chat's next turn never sends beside it."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram.exceptions import TelegramNetworkError

from bot.adapters.telegram_bot import TEXT_MAX, create_bot
from bot.adapters.telegram_calls import BotCalls, dump
from bot.adapters.telegram_limits import SendLimiter
from bot.config import BotSettings
from bot.dialogs.contract import Attachment, Outcome, Reply, Turn
from bot.dialogs.engine import Engine
from bot.dialogs.state import MemoryStateStore, RedisStateStore
from bot.handlers.telegram import build_sender
from bot.handlers.telegram.render import TelegramOutput
from bot.pacing import sending_by
from tests.dialogs.test_state import redis_prefix, redis_stores  # noqa: F401
from tests.fakes_telegram import TOKEN, FakeBotApi
from tests.handlers import test_telegram
from tests.handlers.test_telegram import SARA, FakeTime

bot_api = test_telegram.bot_api
fake_time = test_telegram.fake_time

PDF = Attachment("receipt.pdf", "application/pdf", b"%PDF-1.7\n" + b"x" * 64)
# What the fake answers a call it holds, too late for the turn: a sent message, a deletion.
LATE = (
    b'{"ok": true, "result": {"message_id": 1, "date": 0, "chat": {"id": %d, "type": "private"}}}'
    % SARA
)
DELETED = b'{"ok": true, "result": true}'
HANGS_FOR = 2.0


def output_of(api: FakeBotApi, time_: FakeTime, services) -> TelegramOutput:
    settings = BotSettings(_env_file=None, telegram_token=TOKEN, telegram_api_base=api.base_url)
    bot = create_bot(settings, SendLimiter(now=time_.now, sleep=time_.sleep))
    return build_sender(settings, services.chats, MemoryStateStore(), bot=bot)


@pytest.mark.parametrize(
    ("reply", "method"),
    [
        (Reply("Your receipt", attachment=PDF), "sendDocument"),
        (Reply("Your number?", asks_contact=True), "sendMessage"),
        (Reply("x" * (TEXT_MAX + 10)), "sendMessage"),  # a long text, in parts
    ],
    ids=["document", "contact-keyboard", "long-text"],
)
async def test_a_call_through_aiogram_that_hangs_is_given_up_at_the_turns_deadline(
    services, bot_api, fake_time, reply, method
):
    output = output_of(bot_api, fake_time, services)
    try:
        bot_api.answer_next(method, LATE, after=HANGS_FOR)
        started = time.monotonic()
        with sending_by(started + 0.4):
            assert await output.deliver(str(SARA), [reply]) is False  # not delivered
        assert time.monotonic() - started < 1.0  # the session's timeout is 60 s
        assert len(bot_api.calls_of(method)) == 1
        with sending_by(time.monotonic() - 1):  # no time left: not even tried
            assert await output.deliver(str(SARA), [reply]) is False
        assert len(bot_api.calls_of(method)) == 1
    finally:
        await output.bot.session.close()


async def test_deleting_a_password_message_that_hangs_is_given_up_at_the_deadline(
    services, bot_api, fake_time
):
    output = output_of(bot_api, fake_time, services)
    try:
        bot_api.answer_next("deleteMessage", DELETED, after=HANGS_FOR)
        started = time.monotonic()
        with sending_by(started + 0.4):
            await output.forget(str(SARA), 7)  # logged, not raised
        assert time.monotonic() - started < 1.0
    finally:
        await output.bot.session.close()


async def test_outside_a_turn_aiogram_calls_keep_the_sessions_timeout(services, bot_api, fake_time):
    """The notifier's sends hold no chat: a slow answer is waited for."""
    output = output_of(bot_api, fake_time, services)
    try:
        bot_api.answer_next("deleteMessage", DELETED, after=0.6)
        started = time.monotonic()
        await output.forget(str(SARA), 7)
        assert time.monotonic() - started >= 0.6
    finally:
        await output.bot.session.close()


async def test_the_chats_pace_is_not_waited_for_past_the_deadline_nor_its_turn_booked(
    services, bot_api, fake_time
):
    """The chat's burst (3) is spent: its next send is a second away, more than the turn has
    left. Given up before the wait, as a network error, on both paths; the turn not booked,
    so a later send waits only the second it would have."""
    output = output_of(bot_api, fake_time, services)
    calls = BotCalls.of(output.bot)
    limiter = calls.limiter
    assert limiter is not None
    try:
        for _ in range(3):
            await calls.call("sendMessage", dump({"chat_id": SARA, "text": "hi"}), chat_id=SARA)
        with sending_by(time.monotonic() + 0.5):
            with pytest.raises(TelegramNetworkError, match="no time left"):
                await calls.call("sendMessage", dump({"chat_id": SARA, "text": "hi"}), chat_id=SARA)
            with pytest.raises(TelegramNetworkError, match="no time left"):
                await output.bot.send_document(chat_id=SARA, document=_upload())
            assert await output.deliver(str(SARA), [Reply("x" * (TEXT_MAX + 10))]) is False
        assert fake_time.waits == []
        assert len(bot_api.calls_of("sendMessage")) == 3 and bot_api.calls_of("sendDocument") == []
        await output.bot.send_document(chat_id=SARA, document=_upload())  # no turn: it waits
        assert fake_time.waits == [pytest.approx(1.0)]
    finally:
        await output.bot.session.close()


def _upload():
    from aiogram.types import BufferedInputFile

    return BufferedInputFile(PDF.data, filename=PDF.filename)


async def test_the_chats_next_turn_does_not_send_beside_a_hanging_document(
    services,
    bot_api,
    fake_time,
    redis_stores,  # noqa: F811
):
    """Two messages a moment apart; the first turn's receipt hangs past the chat's lock (1.5 s,
    so its sends end by 1.2 s). The first turn gives the receipt up and lets the chat go
    before the second turn sends anything: the chat's sends stay in the order of its turns."""
    store: RedisStateStore = redis_stores(lock_timeout_seconds=1.5)
    output = output_of(bot_api, fake_time, services)
    engine = Engine(services, store, [])
    texts = {
        "receipt please": Reply("Your receipt", attachment=PDF),
        "thanks": Reply("You're welcome"),
    }

    async def answer(turn: Turn) -> Outcome:
        return Outcome([texts[turn.text or ""]])

    engine.interceptors.append(answer)
    sending: dict[str, tuple[float, float, bool]] = {}

    def turn_of(text: str):
        async def show(outcome: Outcome) -> None:
            started, sent = time.monotonic(), False
            try:
                sent = await output.deliver(str(SARA), outcome.replies)
            finally:
                sending[text] = (started, time.monotonic(), sent)

        return engine.handle(Turn("telegram", str(SARA), str(SARA), text), deliver=show)

    try:
        bot_api.answer_next("sendDocument", LATE, after=3)
        first = asyncio.create_task(turn_of("receipt please"))
        await asyncio.sleep(0.1)
        await asyncio.gather(first, turn_of("thanks"))
        receipt_began, receipt_ended, receipt_sent = sending["receipt please"]
        thanks_began, _, thanks_sent = sending["thanks"]
        assert receipt_ended <= thanks_began  # one turn's sends after the other's
        assert receipt_ended - receipt_began < 1.5
        assert not receipt_sent and thanks_sent
    finally:
        await output.bot.session.close()
