"""Notices and receipts by email, through a real SMTP server on a local port: multipart text
and HTML in the subscriber's language (Persian right to left), the receipt's PDF attached; an
address refused for good is marked and skipped, a refusal that may pass is tried again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.adapters.smtp_mail import SmtpMailer
from bot.bootstrap import bootstrap
from bot.cli.alerts import configured_channels
from bot.config import BotSettings
from bot.handlers.email import EmailChannelSender
from bot.notify import ChannelNotifier, NotDelivered
from core.accounts.email_addresses import EmailAddresses
from core.accounts.lockout import Lockout
from core.accounts.models import Subscriber
from core.alerts import kinds
from core.alerts.channels import channel_order
from core.billing.enums import OrderKind
from core.inbox.freshness import NoticeFreshness
from core.inbox.models import InboxMessage, OutboxMessage
from core.inbox.service import OutboxRelay
from tests.alerts import builders as b
from tests.alerts.senders import RecordingSender
from tests.conftest import NOW
from tests.dialogs.test_flows_billing_support import give_service, pay_last_order, subscriber
from tests.smtp_server import SmtpServer, free_port, html_part, text_part

ADDRESS = "sara@mail.example"
PARAMS = {"days_before": 2, "ends_at": "2026-11-26T20:29:00+00:00", "ended": False}


def configure(settings: BotSettings, server: SmtpServer) -> BotSettings:
    settings.smtp_host = "127.0.0.1"
    settings.smtp_port = server.port
    settings.smtp_tls = "none"
    settings.email_from = "Pishgaman Net <noreply@pishgaman.example>"
    return settings


@pytest.fixture
def mail_settings(smtp_server: SmtpServer) -> BotSettings:
    return configure(BotSettings(_env_file=None), smtp_server)


def email_notifier(settings: BotSettings, clock, *others: RecordingSender) -> ChannelNotifier:
    addresses = EmailAddresses(clock, Lockout(settings, clock), None)
    sender = EmailChannelSender(settings, SmtpMailer(settings), addresses)
    return ChannelNotifier(settings, [sender, *others], clock=clock)


async def with_email(**fields) -> Subscriber:
    who = await b.subscriber(**fields)
    who.email, who.email_verified_at = ADDRESS, NOW - timedelta(days=1)
    await who.save()
    return who


def test_email_comes_after_the_chats_and_before_sms_unless_preferred():
    used = [("sms", None), ("email", None), ("telegram", NOW), ("web", None)]
    assert channel_order(None, used) == ["telegram", "web", "email", "sms"]
    assert channel_order("email", used) == ["email", "telegram", "web", "sms"]


async def test_a_persian_receipt_goes_by_email_as_text_html_and_its_pdf(
    services,
    bot_settings,
    smtp_server,
    clock,
):
    configure(bot_settings, smtp_server)
    bot_settings.isp_legal_name = "Pishgaman Net Co."
    sara = await subscriber(bot_settings, mobile=None, language="fa")
    sara.email, sara.email_verified_at = ADDRESS, NOW
    await sara.save()
    await give_service(services, sara)
    await services.orders.place_order(sara.id, OrderKind.RENEW_SERVICE, "std-1m")
    order = await pay_last_order(services, sara)
    relay = OutboxRelay(clock, email_notifier(bot_settings, clock), NoticeFreshness(bot_settings))

    assert await relay.relay_pending() == 1

    [message] = smtp_server.messages
    assert message["To"] == ADDRESS
    assert "noreply@pishgaman.example" in message["From"]
    assert message["Content-Language"] == "fa"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Subject"].startswith("سپاس")  # the notice's first line, in Persian
    tracking = str(order.tracking_number).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert tracking in text_part(message)
    html = html_part(message)
    assert 'dir="rtl"' in html and 'lang="fa"' in html and tracking in html
    [pdf] = list(message.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content().startswith(b"%PDF")
    [inbox] = await InboxMessage.filter(subscriber_id=sara.id)
    assert (inbox.channel, inbox.address) == ("email", ADDRESS)


async def test_an_address_refused_for_good_is_marked_and_the_next_channel_takes_the_notice(
    db,
    mail_settings,
    smtp_server,
    clock,
):
    who = await with_email(preferred_channel="email")
    await b.chat(who, "telegram", "100200300", seen=NOW)
    smtp_server.mailbox.rcpt_answers[ADDRESS] = "550 5.1.1 <sara@mail.example>: no such user"
    telegram = RecordingSender("telegram")
    notifier = email_notifier(mail_settings, clock, telegram)

    delivery = await notifier.notify(who.id, kinds.EXPIRY, PARAMS)

    assert delivery is not None and delivery.channel == "telegram"
    marked = await Subscriber.get(id=who.id)
    assert marked.email_bounced_at == NOW
    assert marked.email_bounce is not None and "550" in marked.email_bounce
    # From now on the address is not tried: the server would have accepted it this time.
    del smtp_server.mailbox.rcpt_answers[ADDRESS]
    assert (await notifier.notify(who.id, kinds.EXPIRY, PARAMS)).channel == "telegram"
    assert smtp_server.messages == []


async def test_a_refusal_to_the_message_itself_is_a_bounce_too(
    db, mail_settings, smtp_server, clock
):
    who = await with_email()
    smtp_server.mailbox.data_answers.append("554 5.6.0 message refused")

    assert await email_notifier(mail_settings, clock).notify(who.id, kinds.EXPIRY, PARAMS) is None
    assert (await Subscriber.get(id=who.id)).email_bounced_at == NOW


async def test_a_temporary_refusal_is_tried_again_by_the_outbox_and_then_delivered(
    db,
    mail_settings,
    smtp_server,
    clock,
):
    who = await with_email()
    await OutboxMessage.create(
        subscriber_id=who.id, kind=kinds.EXPIRY, params=PARAMS, dedup_key="e1", created_at=NOW
    )
    smtp_server.mailbox.data_answers.append("451 4.3.0 try again later")
    relay = OutboxRelay(clock, email_notifier(mail_settings, clock), NoticeFreshness(mail_settings))

    assert await relay.relay_pending() == 0
    waiting = await OutboxMessage.get(dedup_key="e1")
    assert waiting.sent_at is None and waiting.last_error is not None
    assert (await Subscriber.get(id=who.id)).email_bounced_at is None  # not a bounce

    clock.advance(timedelta(minutes=2))
    assert await relay.relay_pending() == 1
    [message] = smtp_server.messages
    assert "ends in 2 days" in text_part(message)
    assert (await OutboxMessage.get(dedup_key="e1")).sent_at is not None


async def test_a_mail_server_that_cannot_be_reached_leaves_the_notice_for_later(
    db,
    mail_settings,
    smtp_server,
    clock,
):
    who = await with_email()
    mail_settings.smtp_port = free_port()  # nothing listens there: connection refused

    with pytest.raises(NotDelivered, match="email"):
        await email_notifier(mail_settings, clock).notify(who.id, kinds.EXPIRY, PARAMS)
    assert (await Subscriber.get(id=who.id)).email_bounced_at is None


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"email_verified_at": None}, "not confirmed"),
        ({"email_notices": False}, "turned off"),
        ({"email_bounced_at": NOW}, "bounced"),
    ],
)
async def test_no_notice_goes_to_an_address_that_is_not_usable(
    db,
    mail_settings,
    smtp_server,
    clock,
    fields,
    why,
):
    who = await with_email()
    await Subscriber.filter(id=who.id).update(**fields)

    assert await email_notifier(mail_settings, clock).notify(who.id, kinds.EXPIRY, PARAMS) is None
    assert smtp_server.messages == [], why


async def test_a_process_sends_email_only_when_a_mail_server_is_configured(mail_settings):
    configured = bootstrap(mail_settings, process="worker")
    plain = bootstrap(BotSettings(_env_file=None), process="worker")
    try:
        assert "email" in configured.senders and configured.services.email_addresses.offered
        assert "email" not in plain.senders and not plain.services.email_addresses.offered
    finally:
        await configured.close()
        await plain.close()


def test_the_dry_run_counts_email_only_with_a_mail_server(mail_settings):
    assert "email" in configured_channels(mail_settings)
    assert "email" not in configured_channels(BotSettings(_env_file=None))
