"""A notice goes to the subscriber's preferred channel, else the channel they used last, then the
others, SMS last; skipping chats that refused us or opted out, and falling back when a channel
fails."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import BotSettings
from bot.notify import ChannelBusy, ChannelNotifier, NotDelivered, answered_chat
from core.accounts.queries import reach_of
from core.alerts import kinds
from core.alerts.reach import first_channels
from core.clock import FixedClock
from core.ports import Delivery
from tests.alerts import builders as b
from tests.alerts.senders import Forbidden, RecordingSender, RetryAfter
from tests.conftest import NOW

PARAMS = {"days_before": 2, "ends_at": "2026-11-26T20:29:00+00:00", "ended": False}


@pytest.fixture
def bot_settings() -> BotSettings:
    return BotSettings(_env_file=None)


def senders(**overrides: RecordingSender) -> dict[str, RecordingSender]:
    made = {name: RecordingSender(name) for name in ("telegram", "whatsapp", "sms")}
    made.update(overrides)
    return made


async def reachable_everywhere(**extra):
    who = await b.subscriber(mobile="+989121234567", **extra)
    await b.chat(who, "sms", "+989121234567", seen=NOW)  # seen last, yet SMS comes last
    await b.chat(who, "whatsapp", "+989121234567", seen=NOW.replace(hour=5))
    await b.chat(who, "telegram", "100200300", seen=NOW.replace(hour=6))
    return who


async def test_telegram_comes_first_and_the_notice_offers_renewal(db, bot_settings):
    who = await reachable_everywhere()
    chans = senders()
    notifier = ChannelNotifier(bot_settings, chans.values())

    delivery = await notifier.notify(who.id, kinds.EXPIRY, PARAMS)

    assert delivery == Delivery("telegram", "100200300")
    [(_, [reply])] = chans["telegram"].sent
    assert "ends in 2 days" in reply.text
    assert reply.options[0].id == "flow:buy"
    assert chans["whatsapp"].tried == chans["sms"].tried == []


async def test_after_the_preference_the_channel_used_last_comes_first(db, bot_settings):
    who = await b.subscriber(mobile="+989121234567")
    await b.chat(who, "telegram", "100200300", seen=NOW.replace(hour=5))
    await b.chat(who, "whatsapp", "+989121234567", seen=NOW.replace(hour=6))
    chans = senders()
    notifier = ChannelNotifier(bot_settings, chans.values())

    assert await notifier.notify(who.id, kinds.EXPIRY, PARAMS) == Delivery(
        "whatsapp", "+989121234567"
    )
    assert chans["telegram"].tried == []


async def test_sms_is_tried_only_when_no_other_channel_takes_the_alert(db, bot_settings):
    who = await b.subscriber(mobile="+989121234567")
    await b.chat(who, "sms", "+989121234567", seen=NOW)  # an SMS keyword was the last word
    await b.chat(who, "web", "browser-1", seen=NOW.replace(hour=1))
    await b.chat(who, "telegram", "100200300", seen=NOW.replace(hour=2))
    chans = senders(telegram=RecordingSender("telegram", takes=False), web=RecordingSender("web"))
    notifier = ChannelNotifier(bot_settings, chans.values())

    assert await notifier.notify(who.id, kinds.EXPIRY, PARAMS) == Delivery("web", "browser-1")
    assert chans["telegram"].tried == ["100200300"]
    assert chans["sms"].tried == []

    chans["web"].takes = False
    assert await notifier.notify(who.id, kinds.EXPIRY, PARAMS) == Delivery("sms", "+989121234567")


async def test_an_answer_goes_back_to_the_chat_it_answers_first(db, bot_settings):
    who = await b.subscriber(mobile="+989121234567", preferred_channel="telegram")
    await b.chat(who, "telegram", "100200300", seen=NOW)
    await b.chat(who, "web", "browser-1", seen=NOW.replace(hour=1))
    chans = senders(web=RecordingSender("web"))
    notifier = ChannelNotifier(bot_settings, chans.values())
    answer = {"ticket_number": 1001, "channel": "web", "chat_external_id": "browser-1"}

    delivery = await notifier.notify(who.id, kinds.TICKET_ANSWERED, answer)

    assert delivery == Delivery("web", "browser-1")
    assert chans["telegram"].tried == chans["sms"].tried == []


async def test_an_answer_to_a_whatsapp_chat_goes_there_first_only_inside_its_window(
    db, bot_settings
):
    who = await b.subscriber(mobile="+989121234567")
    await b.chat(who, "whatsapp", "+989121234567", seen=NOW - timedelta(hours=30))
    await b.chat(who, "telegram", "100200300", seen=NOW - timedelta(hours=1))
    whatsapp = RecordingSender("whatsapp")
    whatsapp.answer_window = timedelta(hours=24)  # type: ignore[attr-defined]
    answer = answered_chat({"channel": "whatsapp", "chat_external_id": "+989121234567"})
    reach = await reach_of(who.id)
    assert reach is not None

    def first_tried(now):
        notifier = ChannelNotifier(
            bot_settings, senders(whatsapp=whatsapp).values(), clock=FixedClock(now)
        )
        return [route.channel for route in notifier.routes(*reach, answer)]

    assert first_tried(NOW) == ["telegram", "whatsapp", "sms"]
    assert first_tried(NOW - timedelta(hours=10)) == ["whatsapp", "telegram", "sms"]


async def test_a_preferred_channel_is_tried_first(db, bot_settings):
    who = await reachable_everywhere(preferred_channel="sms")
    notifier = ChannelNotifier(bot_settings, senders().values())

    assert await notifier.notify(who.id, kinds.EXPIRY, PARAMS) == Delivery("sms", "+989121234567")


async def test_telegram_403_falls_back_to_whatsapp_and_refusals_to_sms(db, bot_settings):
    who = await reachable_everywhere()
    chans = senders(
        telegram=RecordingSender("telegram", errors=[Forbidden("bot was blocked by the user")]),
        whatsapp=RecordingSender("whatsapp", takes=False),  # outside the 24-hour window
    )
    notifier = ChannelNotifier(bot_settings, chans.values())

    delivery = await notifier.notify(who.id, kinds.EXPIRY, PARAMS)

    assert delivery == Delivery("sms", "+989121234567")
    assert (chans["telegram"].tried, chans["whatsapp"].tried) == (["100200300"], ["+989121234567"])


async def test_opted_out_and_unreachable_chats_are_never_messaged(db, bot_settings):
    who = await b.subscriber(mobile="+989121234567")
    await b.chat(who, "telegram", "100200300", seen=NOW, unreachable=True)
    await b.chat(who, "sms", "+989121234567", seen=NOW, opted_out=True)
    chans = senders()
    notifier = ChannelNotifier(bot_settings, chans.values())

    assert await notifier.notify(who.id, kinds.EXPIRY, PARAMS) is None
    assert [c.tried for c in chans.values()] == [[], [], []]


async def test_sms_goes_to_the_registered_mobile_when_no_chat_can_take_it(db, bot_settings):
    who = await b.subscriber(mobile="+6281234567890")
    notifier = ChannelNotifier(bot_settings, senders().values())

    assert await notifier.notify(who.id, kinds.LOW_TRAFFIC, {"remaining_bytes": 1}) == Delivery(
        "sms", "+6281234567890"
    )


async def test_when_every_channel_fails_the_outbox_is_told_why(db, bot_settings):
    who = await b.subscriber()
    await b.chat(who, "telegram", "1", seen=NOW)
    failing = RecordingSender("telegram", errors=[ConnectionError("down")])
    notifier = ChannelNotifier(bot_settings, [failing])

    with pytest.raises(NotDelivered, match="telegram: ConnectionError"):
        await notifier.notify(who.id, kinds.EXPIRY, PARAMS)


async def test_a_short_429_is_waited_out_and_sent_on_the_same_channel(db, bot_settings):
    who = await b.subscriber()
    await b.chat(who, "telegram", "1", seen=NOW)
    telegram = RecordingSender("telegram", errors=[RetryAfter(0.01)])
    notifier = ChannelNotifier(bot_settings, [telegram])

    assert await notifier.notify(who.id, kinds.EXPIRY, PARAMS) == Delivery("telegram", "1")
    assert telegram.tried == ["1", "1"]


async def test_a_long_429_sends_the_message_back_to_the_outbox_not_to_sms(db, bot_settings):
    who = await b.subscriber(mobile="+989121234567")
    await b.chat(who, "telegram", "1", seen=NOW)
    chans = senders(telegram=RecordingSender("telegram", errors=[RetryAfter(60)]))
    notifier = ChannelNotifier(bot_settings, chans.values())

    with pytest.raises(ChannelBusy):
        await notifier.notify(who.id, kinds.EXPIRY, PARAMS)
    assert chans["sms"].tried == []


async def test_the_dry_run_counts_the_channel_the_notifier_tries_first(db, bot_settings):
    used_web_last = await b.subscriber(mobile="+989121234567")
    await b.chat(used_web_last, "telegram", "100200300", seen=NOW.replace(hour=1))
    await b.chat(used_web_last, "web", "browser-1", seen=NOW.replace(hour=2))
    await b.chat(used_web_last, "sms", "+989121234567", seen=NOW.replace(hour=3))
    only_mobile = await b.subscriber(mobile="+989121234568")
    configured = ("telegram", "whatsapp", "sms", "web")

    firsts = await first_channels({used_web_last.id, only_mobile.id}, configured)

    assert firsts == {used_web_last.id: "web", only_mobile.id: "sms"}
    notifier = ChannelNotifier(bot_settings, senders(web=RecordingSender("web")).values())
    reach = await reach_of(used_web_last.id)
    assert reach is not None
    assert notifier.routes(*reach)[0].channel == "web"
