"""My account → Notifications (issue 20, item 6): the subscriber picks the channel alerts try
first among those that reach them and mutes the kinds that may be muted; the notifier and the
sweep then follow what the chat set. And the message box's announcements, read again (item 5)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.notify import ChannelNotifier
from core.accounts.models import Subscriber
from core.alerts import kinds
from core.alerts.broadcast import Broadcasts
from core.alerts.sweep import AlertSweep
from core.ports import Delivery
from tests.alerts import builders as b
from tests.alerts.senders import RecordingSender
from tests.dialogs.client import ChatClient
from tests.dialogs.conftest import sara_chat

EXPIRY = {"days_before": 2, "ends_at": "2026-11-26T20:29:00+00:00", "ended": False}


@pytest.fixture
async def chat(engine, sara) -> ChatClient:
    return await sara_chat(engine)


class SmsSender(RecordingSender):
    short_notices = True


async def test_muting_a_kind_from_the_chat_keeps_the_sweep_from_writing_it(
    chat, sara, bot_settings, clock
):
    await chat.press("My account")
    await chat.press("Notifications")
    assert "Alerts go first to: the chat you used last." in chat.text
    assert "Reminders before your service ends: on" in chat.text
    assert "payments, bills, documents and tickets" in chat.text

    await chat.press("Mute: Reminders before your service ends")

    assert "Done: Reminders before your service ends muted." in chat.text
    assert "Reminders before your service ends: muted" in chat.text
    assert "Turn on: Reminders before your service ends" in chat.labels
    assert (await Subscriber.get(id=sara.id)).muted_notices == kinds.EXPIRY
    # Sara's service ends in 2 days at 10:30 Tehran time: the sweep writes nothing for her.
    clock.set(b.local("Asia/Tehran", 2026, 11, 24, 10, 30))
    await b.service(sara, b.local("Asia/Tehran", 2026, 11, 26, 20, 0))
    other = await b.subscriber()
    await b.service(other, b.local("Asia/Tehran", 2026, 11, 26, 20, 0))
    dry = await AlertSweep(bot_settings, clock).run(dry_run=True)
    assert dry.by_kind() == {kinds.EXPIRY: 1}  # the other subscriber only
    report = await AlertSweep(bot_settings, clock).run()
    assert report.total == 1

    await chat.press("Turn on: Reminders before your service ends")
    assert "Reminders before your service ends: on" in chat.text
    assert (await Subscriber.get(id=sara.id)).muted_notices == ""


async def test_the_preferred_channel_is_one_that_reaches_the_subscriber_and_alerts_follow_it(
    chat, sara, bot_settings
):
    await chat.send(choice="flow:notifications")
    await chat.press("Where alerts go first")
    # Her web chat and SMS to her registered mobile; no Telegram, which she never linked.
    assert chat.labels == ["Web chat", "SMS", "The chat I used last"]

    await chat.press("SMS")

    assert "Done: alerts go first to SMS." in chat.text
    assert "Alerts go first to: SMS." in chat.text
    assert (await Subscriber.get(id=sara.id)).preferred_channel == "sms"
    web, sms = RecordingSender("web"), SmsSender("sms")
    notifier = ChannelNotifier(bot_settings, [web, sms])
    delivery = await notifier.notify(sara.id, kinds.EXPIRY, EXPIRY)
    assert delivery == Delivery("sms", "+989121234567")
    [(_, [reply])] = sms.sent
    # SMS gets the reason in its shorter form.
    assert reply.text.endswith("\n\nWhy: your service ends in 2 days")
    assert web.tried == []

    await chat.press("Where alerts go first")
    await chat.press("The chat I used last")
    assert "Done: alerts go first to the chat you used last." in chat.text
    assert (await Subscriber.get(id=sara.id)).preferred_channel is None
    await notifier.notify(sara.id, kinds.EXPIRY, EXPIRY)
    [(_, [reply])] = web.sent
    assert reply.text.endswith("\n\nWhy you got this: your service ends in 2 days")


async def test_a_channel_that_cannot_reach_the_subscriber_or_a_mandatory_kind_is_refused(
    chat, sara
):
    await chat.send(choice="flow:notifications")
    await chat.press("Where alerts go first")
    # Her mobile is taken off her record while the choices are on the screen.
    await Subscriber.filter(id=sara.id).update(mobile=None)
    await chat.press("SMS")
    assert "Alerts cannot reach you there now." in chat.text
    assert chat.labels == ["Web chat", "The chat I used last"]
    await chat.send("The chat I used last")
    await chat.send(choice=f"mute:{kinds.PAYMENT_APPLIED}")  # never offered
    assert "Reminders before your service ends: on" in chat.text
    assert not any(kinds.PAYMENT_APPLIED in label for label in chat.labels)
    stored = await Subscriber.get(id=sara.id)
    assert (stored.preferred_channel, stored.muted_notices) == (None, "")


async def test_notifications_in_persian(engine, sara):
    await Subscriber.filter(id=sara.id).update(language="fa")
    chat = ChatClient(engine, language_hint="fa")
    await chat.log_in("5120001", "Secret-2468")
    await chat.send(choice="flow:notifications")
    assert chat.replies[-1].language == "fa"
    assert "Alerts go first" not in chat.text
    await chat.send("2")  # the first kind's Mute, by number
    assert (await Subscriber.get(id=sara.id)).muted_notices == kinds.EXPIRY


# ---- announcements, read again from the message box ---------------------------------------------


async def test_announcements_are_read_again_from_the_message_box_newest_first_a_page_at_a_time(
    chat, sara, bot_settings, clock
):
    broadcasts = Broadcasts(bot_settings, clock)
    await broadcasts.broadcast({"en": "Too old to list."})
    clock.advance(timedelta(days=bot_settings.announcements_shown_days + 1))
    for n in range(6):
        await broadcasts.broadcast({"en": f"Announcement number {n}", "fa": f"اطلاعیه {n}"})
        clock.advance(timedelta(days=1))
    await b.subscriber(exchange_centre="Elsewhere")
    await broadcasts.broadcast({"en": "Only for Elsewhere."}, exchange_centre="Elsewhere")

    await chat.send(choice="flow:inbox")

    # Nothing was sent to her yet (the broadcasts are in the outbox): the announcements show.
    assert chat.text.startswith("Your message box is empty")
    assert "Our announcements, newest first" in chat.text
    listed = [label for label in chat.labels if "Announcement number" in label]
    assert [label.split(": ", 1)[1] for label in listed] == [
        f"Announcement number {n}" for n in (5, 4, 3, 2, 1)
    ]
    assert "More" in chat.labels and "Only for Elsewhere." not in " ".join(chat.labels)
    await chat.press("More")
    assert next(label for label in chat.labels if "Announcement" in label).endswith(
        "Announcement number 0"
    )
    assert "Too old" not in " ".join(chat.labels)

    await chat.press("Announcement number 0")
    assert "Announcement of " in chat.text and "Announcement number 0" in chat.text
    assert chat.labels == ["Announcements", "Main menu"]
    # One listed while she was served by Elsewhere, opened after she moved: not shown.
    await chat.press("Announcements")
    await Subscriber.filter(id=sara.id).update(exchange_centre="Elsewhere")
    await chat.press("Message box")
    await chat.press("Announcements")
    assert chat.labels[0].endswith("Only for Elsewhere.")
    await Subscriber.filter(id=sara.id).update(exchange_centre=None)
    await chat.press("Only for Elsewhere.")
    assert "That announcement is not there any more." in chat.text
    assert chat.labels == ["Announcements", "Main menu"]
    await chat.press("Announcements")
    assert "Only for Elsewhere." not in " ".join(chat.labels)
    await chat.press("Message box")
    assert chat.text.startswith("Your message box is empty")
    assert chat.labels == ["Announcements", "Main menu"]


async def test_a_usable_email_is_among_the_channels_a_subscriber_may_prefer(
    services, bot_settings, clock
):
    from core.alerts.preferences import reachable_channels
    from tests.dialogs.conftest import make_subscriber as make_line

    line = await make_line(
        bot_settings,
        "5120009",
        email="sara@example.com",
        email_verified_at=clock.now(),
        email_notices=True,
    )

    assert "email" in await reachable_channels(line.id)
