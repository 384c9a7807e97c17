"""The Telegram channel end to end: real update JSON posted to the webhook of the real app, the
replies read from a local server that speaks the Bot API (tests/fakes_telegram.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.app import RELAY_WAKE, init_app
from bot.bootstrap import bootstrap
from bot.dialogs.state import MemoryStateStore
from bot.handlers.telegram import TELEGRAM
from bot.handlers.telegram.webhook import PATH, SECRET_HEADER
from core.accounts.models import ChatIdentity
from core.billing.enums import OrderStatus
from core.billing.models import Order
from core.tickets.models import Ticket, TicketAttachment
from tests.conftest import NOW
from tests.dialogs.test_flows_billing_support import SANDBOX_PAY, give_service, subscriber
from tests.dialogs.test_state import redis_prefix, redis_stores  # noqa: F401
from tests.fakes_telegram import (
    TOKEN,
    FakeBotApi,
    TelegramUser,
    blocked_update,
    callback_update,
    document_update,
    message_update,
)

SECRET = "webhook-secret_42"
SARA = 4242
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64


class FakeTime:
    """The limiter's clock: sleeping records the wait and moves the clock on."""

    def __init__(self) -> None:
        self.moment = 1000.0
        self.waits: list[float] = []

    def now(self) -> float:
        return self.moment

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.moment += seconds


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


def telegram_settings(bot_settings, bot_api: FakeBotApi, **extra):
    return bot_settings.model_copy(
        update={
            "telegram_token": SecretStr(TOKEN),
            "telegram_api_base": bot_api.base_url,
            "telegram_webhook_secret": SecretStr(SECRET),
            **extra,
        }
    )


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


async def start_app(settings, services, store, fake_time: FakeTime) -> TestClient:
    app = init_app(bootstrap(settings, services=services, store=store), manage_database=False)
    limiter = app[TELEGRAM].limiter
    limiter.now, limiter.sleep = fake_time.now, fake_time.sleep
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest.fixture
async def client(services, bot_settings, bot_api, fake_time) -> AsyncIterator[TestClient]:
    settings = telegram_settings(bot_settings, bot_api)
    client = await start_app(settings, services, MemoryStateStore(), fake_time)
    yield client
    await client.close()


def poster(client: TestClient, secret: str = SECRET):
    async def post(update) -> int:
        response = await client.post(PATH, json=update, headers={SECRET_HEADER: secret})
        return response.status

    return post


@pytest.fixture
def sara_chat(client, bot_api) -> TelegramUser:
    return TelegramUser(bot_api, poster(client), SARA)


async def log_in(user: TelegramUser) -> None:
    await user.say("/start")
    await user.press("Log in")
    await user.say("5120001")
    await user.say("Secret-2468")
    assert "Welcome, Sara Rahimi" in user.text


# ---- logging in ---------------------------------------------------------------------------------


async def test_log_in_with_the_contact_button_and_the_password_message_is_deleted(
    sara_chat, bot_api, bot_settings
):
    await subscriber(bot_settings)
    assert await sara_chat.say("/start") == 200
    assert "Welcome! What would you like to do?" in sara_chat.text
    await sara_chat.press("Log in")
    [asked] = sara_chat.shown
    assert asked.method == "sendMessage"  # the contact keyboard cannot go on an edited message
    [[contact_button]] = asked.params["reply_markup"]["keyboard"]
    assert contact_button == {"text": "Share my phone number", "request_contact": True}

    await sara_chat.share_contact("+989121234567")
    assert "Now send your panel password." in sara_chat.text
    assert await sara_chat.say("Secret-2468") == 200
    assert "Welcome, Sara Rahimi! You are logged in." in sara_chat.text
    [deleted] = [c for c in sara_chat.calls if c.method == "deleteMessage"]
    password_message = bot_api.calls  # the password never appears in anything we sent
    assert all("Secret-2468" not in str(c.params) for c in password_message)
    assert int(deleted.params["message_id"]) > 0
    chat = await ChatIdentity.get(channel="telegram", external_id=str(SARA))
    assert chat.subscriber_id is not None


async def test_a_t_me_login_link_logs_the_chat_in_from_its_start_parameter(
    sara_chat, services, bot_settings, bot_api
):
    from bot.login_link_urls import login_link_urls

    sara = await subscriber(bot_settings)
    link = await services.login_links.issue(sara.id)
    settings = telegram_settings(bot_settings, bot_api, telegram_bot_username="ispbot_demo_bot")
    start = login_link_urls(settings, link)["telegram"].split("?start=")[1]

    assert await sara_chat.say(f"/start {start}") == 200  # what Telegram sends for t.me/…?start=

    assert "Welcome, Sara Rahimi! You are logged in." in sara_chat.text
    chat = await ChatIdentity.get(channel="telegram", external_id=str(SARA))
    assert chat.subscriber_id == sara.id


async def test_a_contact_card_of_someone_else_is_not_taken_as_the_sender_s_number(
    sara_chat, bot_settings
):
    await subscriber(bot_settings)
    await sara_chat.say("/start")
    await sara_chat.press("Log in")
    await sara_chat.share_contact("+989121234567", contact_user_id=777)
    assert "Please write your username or mobile number." in sara_chat.text
    assert "panel password" not in sara_chat.text


async def test_first_contact_speaks_the_language_telegram_names_and_english_for_others(
    client, bot_api
):
    persian = TelegramUser(bot_api, poster(client), 501, language_code="fa")
    await persian.say("سلام")
    assert persian.shown[-1].params["text"] != "Welcome! What would you like to do?"
    assert any("\u0600" <= ch <= "\u06ff" for ch in persian.text)

    german = TelegramUser(bot_api, poster(client), 502, language_code="de")
    await german.say("Hallo")
    assert "Welcome! What would you like to do?" in german.text

    unknown = TelegramUser(bot_api, poster(client), 503, language_code=None)
    await unknown.say("hi")
    assert "Please choose your language." in unknown.text
    assert {"فارسی", "Bahasa Indonesia", "English"} <= set(unknown.labels)


# ---- self-care through buttons ----------------------------------------------------------------


async def test_my_service_shows_the_days_and_traffic_left_in_place_of_the_menu(
    sara_chat, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await log_in(sara_chat)
    menu = sara_chat.shown[-1]
    await sara_chat.press("My service")
    [shown] = sara_chat.shown
    # One reply to a press: the menu message becomes it.
    assert shown.method == "editMessageText"
    assert int(shown.params["message_id"]) == menu.result["message_id"]
    assert "Days left: 20" in shown.params["text"]
    assert "Traffic left: 5.00 GB" in shown.params["text"]
    assert "parse_mode" not in shown.params


async def test_buying_traffic_ends_with_the_payment_link(sara_chat, services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await log_in(sara_chat)
    await sara_chat.press("Buy or renew")
    await sara_chat.press("Buy traffic")
    assert "Which traffic pack would you like?" in sara_chat.text
    await sara_chat.press("5 GB pack")
    assert "Pre-invoice" in sara_chat.text
    await sara_chat.press("Confirm and pay")
    order = await Order.get(subscriber_id=sara.id)
    assert order.status == OrderStatus.PENDING
    assert order.pay_url.startswith(SANDBOX_PAY)
    # A local (http) address cannot be a URL button: it is written under the text.
    assert f": {order.pay_url}" in sara_chat.text
    assert f"Tracking number: {order.tracking_number}" in sara_chat.text


async def test_the_free_charge_is_taken_with_two_presses(sara_chat, services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara, days_ago=31)
    await log_in(sara_chat)
    await sara_chat.press("Free charge")
    assert "one-time free charge of 2 days and 100.00 MB" in sara_chat.text
    await sara_chat.press("Yes, take it")
    assert "You got 2 days and 100.00 MB" in sara_chat.text
    assert "Free charge" not in sara_chat.labels


async def test_a_ticket_with_a_photo_keeps_the_picture_and_its_answer_reaches_the_chat(
    sara_chat, client, services, bot_settings, bot_api
):
    sara = await subscriber(bot_settings)
    await log_in(sara_chat)
    await sara_chat.press("Support tickets")
    await sara_chat.press("New ticket")
    await sara_chat.press("Technical")
    await sara_chat.press("Medium")
    await sara_chat.say("No <b>Internet</b> since *morning*")
    await sara_chat.say("The modem's lights are red.")
    await sara_chat.send_photo("photo-modem", JPEG)
    assert bot_api.calls_of("getFile")[-1].params["file_id"] == "photo-modem"
    assert "photo-" in sara_chat.text  # the file is listed among those kept
    bot_api.add_file("doc-bill", PDF, "documents/bill.pdf")
    await poster(client)(document_update(SARA, "doc-bill", "bill.pdf", "application/pdf", len(PDF)))
    await sara_chat.press("Done")
    assert "Your ticket is open." in sara_chat.text
    # What the subscriber wrote went back as plain text, never as markup.
    assert all("parse_mode" not in c.params for c in bot_api.calls)

    ticket = await Ticket.get(subscriber_id=sara.id)
    assert ticket.subject == "No <b>Internet</b> since *morning*"
    photo, bill = await TicketAttachment.filter(message__ticket_id=ticket.id).order_by("id")
    assert (photo.content_type, bill.filename, bill.content_type) == (
        "image/jpeg",
        "bill.pdf",
        "application/pdf",
    )
    stored = await services.tickets.open_attachment(ticket.number, sara.id, photo.id)
    assert stored.data == JPEG

    # An agent answers; the outbox relay tells the chat on Telegram, as written.
    bot_api.clear()
    await services.tickets.answer_as_agent(ticket.number, "Reza", "Please restart the modem.")
    client.app[RELAY_WAKE].set()
    [notice] = await bot_api.wait_for("sendMessage")
    assert notice.chat_id == SARA
    assert "Please restart the modem." in notice.params["text"]
    assert "parse_mode" not in notice.params
    assert [b["text"] for b in notice.buttons] == ["Reply", "My tickets"]


# ---- safety -------------------------------------------------------------------------------------


async def test_the_same_update_delivered_twice_gets_one_reply(client, bot_api):
    update = message_update(SARA, "hello")
    post = poster(client)
    assert await post(update) == 200
    assert await post(update) == 200
    assert len(bot_api.calls_of("sendMessage")) == 1


async def test_an_update_whose_process_died_mid_turn_is_handled_when_delivered_again(
    services, bot_settings, bot_api, fake_time
):
    """A process killed while handling an update (claimed, its replies not sent) answered
    nothing, so Telegram delivers the update again: refused 503 while the dead process's claim
    lasts, then handled, once. Before, the update was marked handled before its turn ran, and
    every copy was skipped: the message was lost (tests/faults found it with kill -9)."""
    settings = telegram_settings(bot_settings, bot_api, delivery_lease_seconds=0.2)
    store = MemoryStateStore()
    client = await start_app(settings, services, store, fake_time)
    try:
        update = message_update(SARA, "hello")
        bot_id = int(TOKEN.split(":")[0])
        # What the killed process left: the update claimed, never recorded as handled.
        await store.claim(f"telegram:update:{bot_id}:{update['update_id']}", 0.2)
        post = poster(client)
        assert await post(update) == 503
        assert bot_api.calls_of("sendMessage") == []
        await asyncio.sleep(0.25)
        assert await post(update) == 200
        assert await post(update) == 200  # handled now: a later copy is skipped
    finally:
        await client.close()
    assert len(bot_api.calls_of("sendMessage")) == 1


async def test_a_copy_of_an_update_being_handled_gets_503_and_is_skipped_once_handled(
    client, bot_api
):
    post = poster(client)
    first = message_update(SARA, "hello")
    sending, slow_send = asyncio.Event(), asyncio.Event()
    original = bot_api._api_sendMessage

    async def held_send(call):
        sending.set()
        await slow_send.wait()
        return await original(call)

    bot_api._api_sendMessage = held_send  # the first turn's reply is on its way
    handling = asyncio.create_task(post(first))
    await sending.wait()
    assert await post(first) == 503  # Telegram delivered it again meanwhile
    slow_send.set()
    assert await handling == 200
    assert await post(first) == 200
    assert len(bot_api.calls_of("sendMessage")) == 1


async def test_a_chat_s_second_message_is_answered_after_the_first_reply_went_out(client, bot_api):
    """The reply is sent before the chat is let go: a second message of the chat, arriving
    while the first reply is on its way, waits, and the chat reads the replies in order."""
    post = poster(client)
    sending, slow_send = asyncio.Event(), asyncio.Event()
    original = bot_api._api_sendMessage

    async def held_send(call):
        if not sending.is_set():
            sending.set()
            await slow_send.wait()
        return await original(call)

    bot_api._api_sendMessage = held_send
    first = asyncio.create_task(post(message_update(SARA, "help")))
    await sending.wait()
    second = asyncio.create_task(post(message_update(SARA, "language")))
    await asyncio.sleep(0.1)
    assert len(bot_api.calls_of("sendMessage")) == 1  # the second turn waits for the chat
    slow_send.set()
    assert await first == 200 and await second == 200
    # The help and the menu under it, then the second turn's question of languages.
    help_text, menu, languages = bot_api.texts(chat_id=SARA)
    assert "You can type these words" in help_text
    assert "What would you like to do?" in menu
    assert "language" in languages.casefold()


async def test_an_update_at_two_processes_sharing_redis_is_handled_once(
    services,
    bot_settings,
    bot_api,
    fake_time,
    redis_stores,  # noqa: F811
):
    settings = telegram_settings(bot_settings, bot_api)
    first = await start_app(settings, services, redis_stores(), fake_time)
    second = await start_app(settings, services, redis_stores(), fake_time)
    try:
        update = message_update(SARA, "hello")
        assert await poster(first)(update) == 200
        assert await poster(second)(update) == 200
    finally:
        await first.close()
        await second.close()
    assert len(bot_api.calls_of("sendMessage")) == 1


async def test_when_the_update_store_is_down_the_webhook_answers_503_and_does_nothing(
    services, bot_settings, bot_api, fake_time
):
    from bot.dialogs.state import RedisStateStore

    settings = telegram_settings(bot_settings, bot_api)
    down = RedisStateStore.from_url("redis://127.0.0.1:9/0")  # the discard port: refused
    client = await start_app(settings, services, down, fake_time)
    try:
        assert await poster(client)(message_update(SARA, "buy")) == 503
    finally:
        await client.close()
    assert bot_api.calls == []
    assert await ChatIdentity.filter(channel="telegram").count() == 0


@pytest.mark.parametrize("secret", ["", "wrong-secret"])
async def test_a_request_without_the_right_secret_is_refused_and_touches_nothing(
    client, bot_api, secret
):
    headers = {SECRET_HEADER: secret} if secret else {}
    response = await client.post(PATH, json=message_update(SARA, "hello"), headers=headers)
    assert response.status == 403
    assert bot_api.calls == []
    assert await ChatIdentity.filter(channel="telegram").count() == 0


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"update_id": "x"}',
        b'{"update_id": 5, "a_future_kind": {"id": 1}}',
        b'{"update_id": 6, "edited_message": {"message_id": 1, "date": 1, '
        b'"chat": {"id": 4242, "type": "private"}, "text": "edited"}}',
    ],
)
async def test_what_cannot_be_used_gets_200_and_no_reply(client, bot_api, body):
    response = await client.post(PATH, data=body, headers={SECRET_HEADER: SECRET})
    assert response.status == 200
    assert bot_api.calls_of("sendMessage") == []


async def test_a_group_chat_is_not_served(client, bot_api):
    update = message_update(SARA, "hello")
    update["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "Neighbours"}
    assert await poster(client)(update) == 200
    assert bot_api.calls == []


# ---- limits and blocked users ---------------------------------------------------------------


async def test_a_429_is_waited_out_for_retry_after_and_sent_again(client, bot_api, fake_time):
    bot_api.fail_next("sendMessage", 429, retry_after=7)
    assert await poster(client)(message_update(SARA, "hello")) == 200
    attempts = bot_api.calls_of("sendMessage")
    assert [c.params.get("_failed") for c in attempts] == [429, None]
    assert attempts[0].params["text"] == attempts[1].params["text"]
    assert fake_time.waits == [7]


async def test_a_burst_to_one_chat_is_spaced_to_one_message_a_second(
    sara_chat, bot_settings, fake_time
):
    await subscriber(bot_settings)
    await log_in(sara_chat)  # five messages in a few turns, at one instant of the fake clock
    assert fake_time.waits and all(wait <= 1.0 for wait in fake_time.waits)
    assert sum(fake_time.waits) >= 1.0


async def test_a_user_who_blocked_the_bot_is_marked_unreachable_until_they_write_again(
    client, bot_api
):
    post = poster(client)
    await post(message_update(SARA, "hello"))
    bot_api.fail_next("sendMessage", 403)
    await post(message_update(SARA, "hello again"))
    chat = await ChatIdentity.get(channel="telegram", external_id=str(SARA))
    assert chat.unreachable is True

    await post(message_update(SARA, "I am back"))
    await chat.refresh_from_db()
    assert chat.unreachable is False

    await post(blocked_update(SARA, "kicked"))
    await chat.refresh_from_db()
    assert chat.unreachable is True
    await post(blocked_update(SARA, "member"))
    await chat.refresh_from_db()
    assert chat.unreachable is False


# ---- buttons ------------------------------------------------------------------------------------


async def test_an_option_id_longer_than_64_bytes_travels_as_a_token(client, bot_api):
    from bot.dialogs.contract import Option, Reply

    long_id = "flow:login?from=" + "notice-" * 12
    assert len(long_id.encode()) > 64
    output = client.app[TELEGRAM].output
    await output.send(str(SARA), [Reply("Log in to see it.", options=(Option(long_id, "Go"),))])
    [button] = bot_api.last(SARA).buttons
    assert len(button["callback_data"].encode()) <= 64
    assert button["callback_data"] != long_id

    user = TelegramUser(bot_api, poster(client), SARA)
    await user.press("Go")
    assert "Please send your username" in user.text


async def test_a_forgotten_token_shows_where_the_chat_is(client, bot_api):
    post = poster(client)
    await post(message_update(SARA, "hello"))
    menu = bot_api.last(SARA)
    await post(callback_update(SARA, "~unknown-token", message_id=menu.result["message_id"]))
    assert "Welcome! What would you like to do?" in bot_api.last(SARA).params["text"]
    assert bot_api.calls_of("answerCallbackQuery")


# ---- rendering and notices -------------------------------------------------------------------


async def test_when_the_menu_message_cannot_be_edited_the_reply_is_sent_anew(
    sara_chat, bot_api, bot_settings, services
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await log_in(sara_chat)
    bot_api.fail_next("editMessageText", 400)
    await sara_chat.press("My service")
    [shown] = sara_chat.shown
    assert shown.method == "sendMessage"
    assert "Days left: 20" in shown.params["text"]


async def test_files_https_links_and_long_texts_are_shown_as_telegram_allows(client, bot_api):
    from bot.dialogs.contract import Attachment, Link, Reply

    output = client.app[TELEGRAM].output
    pdf = Attachment("invoice.pdf", "application/pdf", b"%PDF-1.7\n" + b"x" * 32)
    photo = Attachment("map.jpg", "image/jpeg", JPEG)
    link = Link("https://pay.example/o/1", "Pay 545,000 IRR")
    long_text = "\n".join(f"line {n}: " + "x" * 90 for n in range(100))  # ~10,000 characters
    replies = [
        Reply("Your invoice", attachment=pdf),
        Reply("Where we are", attachment=photo),
        Reply("Pay here", links=(link,)),
        Reply(long_text),
    ]
    assert await output.send(str(SARA), replies) is True

    document, picture, pay, *parts = bot_api.sent(SARA)
    assert document.method == "sendDocument"
    assert document.params["caption"] == "Your invoice"
    assert list(document.files.values()) == [("invoice.pdf", pdf.data)]
    assert picture.method == "sendPhoto"
    assert pay.buttons == [{"text": "Pay 545,000 IRR", "url": "https://pay.example/o/1"}]
    assert len(parts) == 3 and all(len(p.params["text"]) <= 4096 for p in parts)
    assert "\n".join(p.params["text"] for p in parts) == long_text


async def test_the_contact_button_speaks_the_reply_s_language(client, bot_api):
    from bot.dialogs.contract import Reply

    output = client.app[TELEGRAM].output
    await output.send(str(SARA), [Reply("شماره؟", language="fa", asks_contact=True)])
    [[button]] = bot_api.last(SARA).params["reply_markup"]["keyboard"]
    assert button == {"text": "ارسال شماره موبایل من", "request_contact": True}


async def test_a_notice_for_a_chat_that_blocked_the_bot_goes_to_the_subscriber_s_other_chat(
    client, bot_api, bot_settings
):
    from bot.notify import ChannelNotifier

    sara = await subscriber(bot_settings)
    await ChatIdentity.create(channel="web", external_id="browser-1", subscriber=sara)
    await ChatIdentity.create(
        channel="telegram", external_id=str(SARA), subscriber=sara, last_seen_at=NOW
    )

    class WebRecorder:
        channel = "web"

        def __init__(self) -> None:
            self.sent: list[tuple[str, list[str]]] = []

        async def send(self, chat_id, replies) -> bool:
            self.sent.append((chat_id, [r.text for r in replies]))
            return True

    web = WebRecorder()
    notifier = ChannelNotifier(bot_settings, [client.app[TELEGRAM].output, web])
    bot_api.fail_next("sendMessage", 403)
    params = {"ticket_number": 77, "subject": "Slow"}
    delivery = await notifier.notify(sara.id, "ticket_closed", params)
    assert delivery is not None and delivery.channel == "web"
    assert "Ticket 77 (Slow) is now closed." in web.sent[0][1][0]
    telegram_chat = await ChatIdentity.get(channel="telegram", external_id=str(SARA))
    assert telegram_chat.unreachable is True

    # Next time the blocked chat is not even tried.
    bot_api.clear()
    await notifier.notify(sara.id, "ticket_closed", params)
    assert bot_api.calls == []


async def test_the_worker_s_sender_leaves_a_429_to_the_notifier_s_shared_pacer(
    bot_settings, bot_api
):
    from aiogram.exceptions import TelegramRetryAfter

    from bot.dialogs.contract import Reply
    from bot.handlers.telegram import build_sender
    from core.accounts.chats import Chats
    from core.clock import SystemClock

    sender = build_sender(telegram_settings(bot_settings, bot_api), Chats(SystemClock()))
    try:
        assert sender.channel == "telegram"
        bot_api.fail_next("sendMessage", 429, retry_after=5)
        with pytest.raises(TelegramRetryAfter) as raised:
            await sender.send(str(SARA), [Reply("Your service ends tomorrow.")])
        assert raised.value.retry_after == 5
        assert len(bot_api.calls_of("sendMessage")) == 1
        assert await sender.send(str(SARA), [Reply("Your service ends tomorrow.")]) is True
    finally:
        await sender.bot.session.close()
