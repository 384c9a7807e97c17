"""SMS keywords end to end: a signed Twilio webhook in, the answer out through the local
Messages API, in fa, id and en; every answer within two SMS parts."""

# The fixtures come from tests/fakes_twilio.py; pytest passes them by parameter name.
# ruff: noqa: F811

from __future__ import annotations

from datetime import date, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import init_app
from bot.bootstrap import bootstrap
from bot.dialogs.state import MemoryStateStore
from bot.handlers.twilio_webhooks import EMPTY_TWIML, SENDERS_KEY
from bot.notify import ChannelNotifier
from bot.sms_segments import plain_spaces, segments
from core.accounts.models import ChatIdentity
from core.alerts.models import Outage
from core.billing.bills import BillDueDates
from core.billing.enums import OrderStatus
from core.billing.models import Order, Plan
from core.tickets.models import Ticket, TicketMessage
from tests.conftest import NOW
from tests.dialogs.test_flows_billing_support import give_service, money, subscriber
from tests.dialogs.test_state import redis_prefix, redis_stores  # noqa: F401  (fixtures)
from tests.fakes_twilio import (  # noqa: F401  (fixtures)
    TwilioWebhooks,
    twilio_app,
    twilio_fake,
    twilio_settings,
)

MOBILE = "+989121234567"
STRANGER = "+6281234567890"


@pytest.fixture
def bot_settings(twilio_fake):
    return twilio_settings(twilio_fake)


async def ask(app: TwilioWebhooks, text: str, number: str = MOBILE) -> str:
    before = len(app.fake.to(number, "sms"))
    await app.sms(number, text)
    answers = app.fake.bodies(number, "sms")[before:]
    assert len(answers) == 1, answers
    return answers[0]


def assert_fits(text: str) -> None:
    assert segments(text) <= 2, (segments(text), text)


async def test_balance_in_each_language(twilio_app, services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)  # 30 days, bought 10 days ago
    en = await ask(twilio_app, "balance")
    assert en.startswith("5120001: 20 days left, until ") and "traffic left: 5.00 GB" in en
    idn = await ask(twilio_app, "  Saldo ")
    assert idn.startswith("5120001: sisa 20 hari") and "5,00 GB" in idn
    assert await ask(twilio_app, "KUOTA") == idn
    fa = await ask(twilio_app, "مانده")
    assert fa.startswith("۵۱۲۰۰۰۱: ۲۰ روز") and "۵٫۰۰ گیگابایت" in fa
    for text in (en, idn, fa):
        assert_fits(text)
    chat = await ChatIdentity.get(channel="sms", external_id=MOBILE)
    assert chat.subscriber_id == sara.id  # alerts may now come by SMS


async def test_buy_lists_packs_and_sends_a_payment_link(twilio_app, services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    listing = await ask(twilio_app, "BUY")
    assert listing.splitlines()[0] == "Send BUY and a number:"
    assert "1) Standard monthly" in listing and "2) 5 GB pack" in listing
    assert_fits(listing)
    # Persian digits and a Persian keyword are the same command.
    answer = await ask(twilio_app, "خرید  ۲")
    order = await Order.get(subscriber_id=sara.id)
    assert order.status == OrderStatus.PENDING and order.plan_id is not None
    # The app's short link to the provider's page, whatever the length of the provider's link.
    assert order.short_code and answer.endswith(f"https://bot.example/p/{order.short_code}")
    assert order.pay_url not in answer
    assert answer.startswith(
        "سفارش " + str(order.tracking_number).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    )
    assert_fits(answer)
    idn = await ask(twilio_app, "beli 1")
    assert idn.startswith("Pesanan ") and "Standar bulanan" in idn and "http" in idn
    assert_fits(idn)
    assert await ask(twilio_app, "BUY 99") == listing  # not a pack: the list again
    assert await ask(twilio_app, "BUY ⁹⁹") == listing  # superscript digits read as 99


async def test_free_charge_once(twilio_app, services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara, days_ago=31)  # the days ran out yesterday
    balance = await ask(twilio_app, "BALANCE")
    assert "Send FREE for a free charge." in balance
    taken = await ask(twilio_app, "gratis")
    assert taken.startswith("Pengisian gratis: 2 hari")
    assert_fits(taken)
    again = await ask(twilio_app, "رایگان")
    assert again == "شما شارژ رایگان یک‌باره خود را قبلاً استفاده کرده‌اید."
    assert await ask(twilio_app, "FREE") == "You have already used your one-time free charge."


async def test_ticket_opens_and_later_messages_join_its_thread(twilio_app, bot_settings):
    sara = await subscriber(bot_settings)
    opened = await ask(twilio_app, "TIKET internet mati sejak pagi")
    ticket = await Ticket.get(subscriber_id=sara.id)
    assert ticket.channel == "sms" and ticket.chat_external_id == MOBILE
    assert ticket.subject == "internet mati sejak pagi"
    assert opened == f"Tiket {ticket.number} dibuka. Kami akan menjawab lewat SMS."
    added = await ask(twilio_app, "ticket still down")
    assert added == f"Added to ticket {ticket.number}. We will answer by SMS."
    bodies = [m.body for m in await TicketMessage.filter(ticket_id=ticket.id)]
    assert bodies == ["internet mati sejak pagi", "still down"]
    assert await Ticket.filter(subscriber_id=sara.id).count() == 1
    empty = await ask(twilio_app, "تیکت")
    assert "تیکت" in empty and await TicketMessage.filter(ticket_id=ticket.id).count() == 2
    for text in (opened, added, empty):
        assert_fits(text)


async def test_help_in_each_language_and_for_an_unknown_number(twilio_app, bot_settings):
    await subscriber(bot_settings)
    # HELP is every carrier's word: it answers in the chat's language (+98: Persian).
    fa = await ask(twilio_app, "HELP")
    assert "مانده" in fa and "خرید" in fa and "STOP" in fa
    assert await ask(twilio_app, "راهنما") == fa
    idn = await ask(twilio_app, "Bantuan")
    assert "SALDO" in idn and "BELI" in idn and "TIKET" in idn
    # Something that is no keyword gets the help too.
    assert await ask(twilio_app, "hello?") == fa

    await twilio_app.sms(STRANGER, "saldo")
    [register] = twilio_app.fake.bodies(STRANGER, "sms")
    assert register.startswith("Nomor ini belum terdaftar") and "https://bot.example/" in register
    for text in (fa, idn, register):
        assert_fits(text)


async def test_ten_sms_from_an_unknown_number_get_one_answer_in_the_window(
    services, twilio_fake, bot_settings
):
    """Each answer is an SMS paid for: a number that is no subscriber's is told how to register
    once in ISPBOT_UNKNOWN_SENDER_WINDOW_MINUTES (60), then not until the window has passed;
    a subscriber's number is answered every time."""
    await subscriber(bot_settings)
    clock = [1000.0]
    store = MemoryStateStore(now=lambda: clock[0])
    app = init_app(
        bootstrap(services.settings, services=services, store=store), manage_database=False
    )
    async with TestClient(TestServer(app)) as client:
        webhooks = TwilioWebhooks(client, twilio_fake)
        for text in ["saldo"] * 5 + ["HELP", "hello", "BELI", "TIKET help", "5"]:
            response = await webhooks.sms(STRANGER, text)
            assert await response.text() == EMPTY_TWIML
        [answer] = twilio_fake.bodies(STRANGER, "sms")
        assert answer.startswith("Nomor ini belum terdaftar")
        assert_fits(answer)
        for _ in range(10):
            await webhooks.sms(MOBILE, "HELP")
        assert len(twilio_fake.bodies(MOBILE, "sms")) == 10

        clock[0] += 59 * 60
        await webhooks.sms(STRANGER, "saldo")
        assert len(twilio_fake.bodies(STRANGER, "sms")) == 1
        clock[0] += 61
        await webhooks.sms(STRANGER, "saldo")
        assert len(twilio_fake.bodies(STRANGER, "sms")) == 2


async def test_processes_sharing_redis_answer_an_unknown_number_once(
    services, twilio_fake, redis_stores
):
    apps = []
    for _ in range(2):
        app = init_app(
            bootstrap(services.settings, services=services, store=redis_stores()),
            manage_database=False,
        )
        client = TestClient(TestServer(app))
        await client.start_server()
        apps.append(TwilioWebhooks(client, twilio_fake))
    try:
        for number in range(10):
            await apps[number % 2].sms(STRANGER, "saldo")
    finally:
        for app in apps:
            await app.client.close()
    assert len(twilio_fake.bodies(STRANGER, "sms")) == 1


async def test_stop_is_respected_by_alerts_until_start(twilio_app, services, bot_settings):
    sara = await subscriber(bot_settings)
    await ask(twilio_app, "HELP")  # links the number to the line
    senders = twilio_app.client.app[SENDERS_KEY].values()
    notifier = ChannelNotifier(bot_settings, senders)
    params = {"ticket_number": 123456, "subject": "Slow", "agent_name": "Reza"}

    assert await notifier.notify(sara.id, "ticket_answered", params) is not None
    assert "۱۲۳۴۵۶" in twilio_app.fake.bodies(MOBILE, "sms")[-1]  # the chat's language: fa
    sent = len(twilio_app.fake.to(MOBILE))

    await twilio_app.sms(MOBILE, "stop")
    assert len(twilio_app.fake.to(MOBILE)) == sent  # the carrier confirms STOP, not us
    assert (await ChatIdentity.get(channel="sms", external_id=MOBILE)).opted_out
    assert await notifier.notify(sara.id, "ticket_answered", params) is None
    assert len(twilio_app.fake.to(MOBILE)) == sent

    await twilio_app.sms(MOBILE, "START")
    assert not (await ChatIdentity.get(channel="sms", external_id=MOBILE)).opted_out
    assert await notifier.notify(sara.id, "ticket_answered", params) is not None
    assert len(twilio_app.fake.to(MOBILE)) == sent + 1


@pytest.mark.parametrize(
    ("word", "confirmation", "again"),
    [
        ("BERHENTI", "Anda tidak akan menerima", "MULAI"),
        ("توقف", "دیگر پیامک", "شروع"),
        ("لغو", "دیگر پیامک", "شروع"),
    ],
)
async def test_stop_in_indonesian_or_persian_is_confirmed_in_that_language(
    twilio_app, services, bot_settings, word, confirmation, again
):
    """Twilio confirms only its English words; the others are confirmed by the bot, in the
    word's language, and the opt-out holds for alerts all the same."""
    sara = await subscriber(bot_settings)
    stopped = await ask(twilio_app, word)
    assert stopped.startswith(confirmation) and again in stopped, stopped
    assert_fits(stopped)
    assert (await ChatIdentity.get(channel="sms", external_id=MOBILE)).opted_out
    notifier = ChannelNotifier(bot_settings, twilio_app.client.app[SENDERS_KEY].values())
    params = {"ticket_number": 123456, "subject": "Slow", "agent_name": "Reza"}
    assert await notifier.notify(sara.id, "ticket_answered", params) is None

    started = await ask(twilio_app, again)
    assert not (await ChatIdentity.get(channel="sms", external_id=MOBILE)).opted_out
    assert started != stopped
    assert_fits(started)
    assert await notifier.notify(sara.id, "ticket_answered", params) is not None


async def test_start_in_indonesian_is_confirmed_and_in_english_left_to_twilio(
    twilio_app, bot_settings
):
    await subscriber(bot_settings)
    assert (await ask(twilio_app, "mulai")).startswith("Notifikasi SMS aktif kembali")
    for word in ("START", "yes", "UNSTOP", "STOP", "optout", "REVOKE"):
        await twilio_app.sms(MOBILE, word)
    assert len(twilio_app.fake.to(MOBILE)) == 1
    assert (await ChatIdentity.get(channel="sms", external_id=MOBILE)).opted_out


async def test_a_keyword_twilio_answered_itself_is_recorded_and_not_answered_again(
    twilio_app, bot_settings
):
    """With Advanced Opt-Out Twilio recognises the words an operator added there (any
    language) and says which kind each is in OptOutType: its confirmation is the only one."""
    await subscriber(bot_settings)
    await twilio_app.sms(MOBILE, "BERHENTI", OptOutType="STOP")
    assert (await ChatIdentity.get(channel="sms", external_id=MOBILE)).opted_out
    await twilio_app.sms(MOBILE, "ادامه", OptOutType="START")
    assert not (await ChatIdentity.get(channel="sms", external_id=MOBILE)).opted_out
    await twilio_app.sms(MOBILE, "BANTUAN", OptOutType="HELP")
    assert twilio_app.fake.to(MOBILE) == []


async def test_mulai_after_twilio_s_own_stop_leaves_the_number_opted_out(twilio_app, bot_settings):
    """Twilio's block after its STOP is lifted only by its own opt-in words: the confirmation
    of MULAI is refused (21610), and the number stays opted out here too."""
    await subscriber(bot_settings)
    await twilio_app.sms(MOBILE, "STOP")
    twilio_app.fake.refuse(MOBILE, 21610, message="Attempt to send to unsubscribed recipient")
    await twilio_app.sms(MOBILE, "MULAI")
    assert twilio_app.fake.to(MOBILE) == []
    assert (await ChatIdentity.get(channel="sms", external_id=MOBILE)).opted_out


@pytest.mark.parametrize("language", ["fa", "id", "en"])
async def test_every_keyword_answer_fits_two_sms_parts(
    twilio_app, services, bot_settings, language
):
    from bot.dialogs.sms_keywords import Keyword, word_for

    sara = await subscriber(bot_settings, language=language)
    await give_service(services, sara, days_ago=31)
    commands = [
        word_for(Keyword.BALANCE, language),
        word_for(Keyword.BUY, language),
        word_for(Keyword.BUY, language) + " 1",
        word_for(Keyword.BUY, language) + " 3",
        word_for(Keyword.FREE, language),
        word_for(Keyword.FREE, language),
        word_for(Keyword.BALANCE, language),
        word_for(Keyword.TICKET, language),
        word_for(Keyword.TICKET, language) + " the modem light is red and nothing loads",
        word_for(Keyword.TICKET, language) + " still red",
        word_for(Keyword.HELP, language),
        word_for(Keyword.BILL, language),  # a prepaid line: no bills
        word_for(Keyword.DEPOSIT, language),  # nothing owed
        word_for(Keyword.CHECK, language),  # the free charge was taken: renew
    ]
    for command in commands:
        assert_fits(await ask(twilio_app, command))
    await twilio_app.sms(STRANGER, word_for(Keyword.HELP, language))
    for text in twilio_app.fake.bodies(STRANGER):
        assert_fits(text)


async def test_check_says_why_the_line_cannot_connect_and_the_keyword_that_acts(
    twilio_app, services, bot_settings
):
    sara = await subscriber(bot_settings, exchange_centre="Daneshgah")
    await give_service(services, sara, days_ago=31)  # ended yesterday
    assert await ask(twilio_app, "check") == (
        "Your service has ended, so the line cannot connect. Send FREE for a free charge."
    )
    assert "GRATIS" in await ask(twilio_app, "cek")  # the Indonesian keyword, in Indonesian
    await give_service(services, sara, days_ago=0)
    await Outage.create(
        exchange_centre="Daneshgah",
        texts={"en": "Fibre cut."},
        started_at=NOW,
        estimated_repair_at=NOW + timedelta(hours=2),
    )
    answer = await ask(twilio_app, "my internet is not working")  # a sentence only reads
    # In the number's language (a sentence names none): +98 is Persian.
    assert answer.startswith("قطعی شناخته‌شده‌ای روی خط شماست. زمان تخمینی رفع: ")
    assert await Ticket.all().count() == 0


async def test_check_on_a_paused_line_says_until_when_and_offers_resume_not_a_ticket(
    twilio_app, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await services.pauses.pause(sara.id, 10)

    answer = await ask(twilio_app, "check")

    assert answer.startswith("Your service is paused until ")
    assert answer.endswith("so the line cannot connect. Send RESUME to resume it now.")
    assert "TICKET" not in answer
    indonesian = await ask(twilio_app, "cek")
    assert "Kirim LANJUT" in indonesian  # the Indonesian keyword, in Indonesian
    for text in (answer, indonesian):
        assert_fits(text)
    assert await Ticket.all().count() == 0


async def test_buy_on_a_blocked_line_says_why_and_what_to_do_instead(
    twilio_app, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara, days_ago=40)  # ran out: BUY would sell a renewal
    await services.deposits.set_owed(sara.id, 400_000, 100_000)
    deposit = await ask(twilio_app, "buy 1")
    assert deposit == (
        f"Your line opens once its deposit ({plain_spaces(money(500_000))}) is paid; until then "
        "nothing can be bought. Send DEPOSIT for the payment link."
    )
    await services.deposits.set_owed(sara.id, 0, 0)  # waived: the line opens
    await services.line_statuses.set_line_status(sara.id, "documents_suspended")
    documents = await ask(twilio_app, "buy")
    assert documents.startswith("Your line is cut until valid documents are approved")
    await services.line_statuses.set_line_status(sara.id, "isolated", "unpaid")
    isolated = await ask(twilio_app, "BUY")
    assert isolated == (
        "Your line is isolated; nothing can be bought now. Send TICKET and your message to "
        "ask us to open it."
    )
    for text in (deposit, documents, isolated):
        assert_fits(text)
    assert await Order.filter(subscriber_id=sara.id).count() == 0


async def test_buy_on_a_line_isolated_for_an_unpaid_bill_names_the_bill_not_a_deposit(
    twilio_app, services, bot_settings, clock
):
    sara = await subscriber(bot_settings)
    await Plan.create(
        code="pp-2m", price=215_000, duration_days=30, billing="postpaid", names={"en": "PP"}
    )
    await services.bills.enrol(sara.id, "pp-2m", date(2026, 9, 23))  # Mehr's bill: 234,350
    await BillDueDates(bot_settings, clock).run()  # 22 days past its last day: isolated

    answer = await ask(twilio_app, "buy 1")

    assert answer == (
        f"Your line is isolated until its unpaid bill ({plain_spaces(money(234_350))}) is paid; "
        "nothing can be bought before. Send BILL for the payment link."
    )
    assert_fits(answer)
    assert await Order.filter(subscriber_id=sara.id).count() == 0


async def test_card_off_without_a_saved_card_says_there_is_none(twilio_app, services, bot_settings):
    await subscriber(bot_settings)

    answer = await ask(twilio_app, "card off")

    assert answer == "No card is saved for your line."
