"""The same conversation in fa, id and en: the wording comes from the catalogs, numbers and
dates from the language (Persian digits and the Jalali calendar in fa)."""

from __future__ import annotations

import pytest

from core.accounts.models import Subscriber
from tests.dialogs.client import ChatClient
from tests.dialogs.conftest import make_subscriber

LANGUAGES = {
    "fa": {
        "log_in": "ورود",
        "welcome": "Sara Rahimi عزیز، خوش آمدید! وارد حساب خود شدید.",
        "wrong": "نام کاربری یا رمز عبور درست نیست.",
        "cancelled": "لغو شد. هیچ تغییری اعمال نشد.",
        "cancel_word": "لغو",
        "tries": "۲",
    },
    "id": {
        "log_in": "Masuk",
        "welcome": "Selamat datang, Sara Rahimi! Anda sudah masuk.",
        "wrong": "Nama pengguna atau kata sandi",
        "cancelled": "Dibatalkan. Tidak ada yang diubah.",
        "cancel_word": "batal",
        "tries": "2",
    },
    "en": {
        "log_in": "Log in",
        "welcome": "Welcome, Sara Rahimi! You are logged in.",
        "wrong": "The username or password is not right.",
        "cancelled": "Cancelled. Nothing was changed.",
        "cancel_word": "cancel",
        "tries": "2",
    },
}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
async def test_logging_in_speaks_the_chats_language(engine, bot_settings, language):
    words = LANGUAGES[language]
    await make_subscriber(bot_settings)
    chat = ChatClient(engine, language_hint=language)
    await chat.send("hi")
    assert words["log_in"] in chat.labels
    assert all(reply.language == language for reply in chat.replies)

    await chat.press(words["log_in"])
    await chat.send("5120001")
    await chat.send("not-the-password")
    assert words["wrong"] in chat.text
    assert words["tries"] in chat.text
    await chat.send("Secret-2468")
    assert words["welcome"] in chat.text

    await chat.send(choice="flow:usage")
    await chat.send(words["cancel_word"])
    assert words["cancelled"] in chat.text


async def test_a_persian_chat_shows_jalali_dates_and_persian_digits(engine, bot_settings, services):
    from tests.dialogs.test_flows_billing_support import give_service, make_plans

    sara = await make_subscriber(bot_settings)
    await make_plans()
    await give_service(services, sara)
    chat = ChatClient(engine, language_hint="fa")
    await chat.log_in("۵۱۲۰۰۰۱", "Secret-2468")  # typed with Persian digits
    await chat.send(choice="flow:status")
    assert "۱۴۰۵/" in chat.text  # the Jalali year of 2026
    assert not any(ch in "0123456789" for ch in chat.text.split("\n", 1)[1])


# ---- whose language a login keeps -------------------------------------------------------------


async def test_a_language_picked_in_the_chat_before_logging_in_becomes_the_lines(
    engine, bot_settings
):
    subscriber = await make_subscriber(bot_settings, language="fa")
    chat = ChatClient(engine, language_hint="en")
    await chat.send(choice="flow:language")
    await chat.send(choice="lang:id")
    await chat.log_in("5120001", "Secret-2468")
    assert (await Subscriber.get(id=subscriber.id)).language == "id"

    # Once: another login in this chat (a relative's line) does not take the pick along.
    await chat.send(choice="flow:logout")
    await Subscriber.filter(id=subscriber.id).update(language="fa")
    await chat.log_in("5120001", "Secret-2468")
    assert chat.replies[-1].language == "id"
    assert (await Subscriber.get(id=subscriber.id)).language == "fa"


async def test_a_language_picked_while_logged_in_is_the_lines_at_once(engine, bot_settings):
    subscriber = await make_subscriber(bot_settings, language="fa")
    chat = ChatClient(engine, language_hint="fa")
    await chat.log_in("5120001", "Secret-2468")
    await chat.send(choice="flow:language")
    await chat.send(choice="lang:en")
    assert "I will speak English" in chat.text
    assert (await Subscriber.get(id=subscriber.id)).language == "en"
