"""Accounts flows, part one: forgotten password, profile, birth date, documents."""

from __future__ import annotations

import re

from bot.dialogs.contract import Attachment
from core.accounts.models import Document, Subscriber
from tests.dialogs.client import ChatClient
from tests.dialogs.conftest import make_subscriber

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SAME_ANSWER = "If these details match our records"


async def logged_in(engine, bot_settings, **fields) -> ChatClient:
    await make_subscriber(bot_settings, **fields)
    chat = ChatClient(engine)
    await chat.log_in("5120001", "Secret-2468")
    assert "You are logged in" in chat.text
    return chat


async def ask_for_new_password(chat: ChatClient, username: str, national_id: str, mobile: str):
    await chat.send(choice="flow:password_reset")
    await chat.send(username)
    await chat.send(national_id)
    return await chat.send(mobile)


# ---- forgotten password -------------------------------------------------------------------------


async def test_forgotten_password_with_matching_details_sends_a_new_one_that_logs_in(
    engine, bot_settings, sms
):
    await make_subscriber(bot_settings)
    chat = ChatClient(engine)
    await chat.send("hi")
    await chat.press("Forgot password")
    await chat.send("5120001")
    await chat.send("0013542419")
    assert chat.replies[-1].asks_contact
    await chat.send("0912 123 4567")
    assert SAME_ANSWER in chat.text
    assert "Log in" in chat.labels
    [(to, text)] = sms.sent
    assert to == "+989121234567"
    new_password = text.rsplit(" ", 1)[-1]
    await chat.log_in("5120001", new_password)
    assert "You are logged in" in chat.text


async def test_forgotten_password_with_one_wrong_detail_gives_the_same_answer_and_no_sms(
    engine, bot_settings, sms
):
    await make_subscriber(bot_settings)
    chat = ChatClient(engine)
    await ask_for_new_password(chat, "5120001", "0013542419", "09351234567")
    assert SAME_ANSWER in chat.text
    await ask_for_new_password(chat, "5120999", "0013542419", "09121234567")
    assert SAME_ANSWER in chat.text
    assert sms.sent == []


async def test_forgotten_password_explains_empty_and_malformed_answers_and_asks_again(
    engine, bot_settings, sms
):
    await make_subscriber(bot_settings)
    chat = ChatClient(engine)
    await chat.send(choice="flow:password_reset")
    await chat.send("  ")
    assert "Please write your username" in chat.text
    await chat.send("5120001")
    await chat.send("my id")
    assert "does not look like a national ID" in chat.text
    await chat.send("۰۰۱۳۵۴۲۴۱۹")  # Persian digits
    await chat.send("call me")
    assert "does not look like a mobile number" in chat.text
    assert chat.replies[-1].asks_contact
    await chat.send(contact_phone="+989121234567")
    assert SAME_ANSWER in chat.text
    assert len(sms.sent) == 1


async def test_forgotten_password_asked_too_often_says_how_long_to_wait(engine, bot_settings, sms):
    await make_subscriber(bot_settings)
    chat = ChatClient(engine)
    for _ in range(bot_settings.password_reset_per_hour):
        await ask_for_new_password(chat, "5120001", "0013542419", "09351234567")
        assert SAME_ANSWER in chat.text
    await ask_for_new_password(chat, "5120001", "0013542419", "09121234567")
    assert "too often" in chat.text and "minutes" in chat.text
    assert "Log in" in chat.labels
    assert sms.sent == []


async def test_forgotten_password_is_offered_to_guests_only(engine, bot_settings):
    guest = ChatClient(engine, "guest")
    await guest.send("hi")
    assert "Forgot password" in guest.labels
    chat = await logged_in(engine, bot_settings)
    assert "Forgot password" not in chat.labels
    assert "Become a subscriber" not in chat.labels


# ---- profile ------------------------------------------------------------------------------------


async def test_profile_shows_every_detail_and_points_out_the_missing_ones(engine, bot_settings):
    chat = await logged_in(engine, bot_settings, city="Tehran", exchange_centre="Pasdaran")
    await chat.press("My account")
    await chat.press("My profile")
    text = chat.text
    assert "Customer number: C5120001" in text
    assert "Mobile: +989121234567" in text
    assert "City: Tehran" in text
    assert "Exchange centre: Pasdaran" in text
    assert "Email: (not given)" in text
    assert "Still missing: Email, Postal code, Education, Birth date, Address" in text
    await chat.send("what?")
    assert "Please choose one of the options" in chat.text
    assert chat.labels == ["Edit a detail", "Main menu"]


async def test_editing_a_detail_explains_a_wrong_value_asks_again_then_saves(engine, bot_settings):
    chat = await logged_in(engine, bot_settings)
    await chat.send(choice="flow:profile")
    await chat.press("Edit a detail")
    await chat.send("favourite colour")
    assert "Please choose one of the details" in chat.text
    await chat.press("Email")
    await chat.send("sara at example")
    assert "does not look like an email" in chat.text
    assert "new Email" in chat.text  # asked again
    await chat.send("Sara@Example.COM")
    assert "Saved: Email." in chat.text
    assert "Email: Sara@example.com" in chat.text
    subscriber = await Subscriber.get(username="5120001")
    assert subscriber.email == "Sara@example.com"


async def test_a_new_full_name_is_used_to_greet_straight_away(engine, bot_settings):
    chat = await logged_in(engine, bot_settings)
    await chat.send(choice="flow:profile")
    await chat.press("Edit a detail")
    await chat.press("Full name")
    await chat.send("Sara Rahimi-Tabrizi")
    await chat.send("menu")
    assert "Sara Rahimi-Tabrizi, what would you like to do?" in chat.text


async def test_birth_date_is_set_once_after_a_confirmation_and_then_locked(engine, bot_settings):
    chat = await logged_in(engine, bot_settings)
    await chat.send(choice="flow:profile")
    await chat.press("Edit a detail")
    await chat.press("Birth date")
    assert "only once" in chat.text
    await chat.send("1990-08-11")
    assert chat.labels == ["Yes, save it", "No, write it again"]
    await chat.send("maybe")
    assert "Please choose Yes or No" in chat.text
    await chat.press("No")
    await chat.send("1990-08-12")
    await chat.press("Yes")
    assert "Saved" in chat.text
    assert "Birth date: Aug 12, 1990" in chat.text
    assert (await Subscriber.get(username="5120001")).birth_date.isoformat() == "1990-08-12"
    await chat.press("Edit a detail")
    await chat.press("Birth date")
    assert "already set to Aug 12, 1990" in chat.text
    assert "cannot be changed" in chat.text
    assert "Birth date" in chat.labels  # still choosing a detail


async def test_a_birth_date_that_is_not_a_date_or_in_the_future_is_explained(engine, bot_settings):
    chat = await logged_in(engine, bot_settings)
    await chat.send(choice="flow:profile")
    await chat.press("Edit a detail")
    await chat.press("Birth date")
    await chat.send("last summer")
    assert "That date is not valid. Please write it like 1990-08-11" in chat.text
    await chat.send("2031-02-30")
    assert "not valid" in chat.text
    await chat.send("2030-01-01")
    assert "in the future" in chat.text
    await chat.send("1850-01-01")
    assert "That date is not valid." in chat.text
    assert (await Subscriber.get(username="5120001")).birth_date is None


async def test_in_persian_the_birth_date_is_typed_and_shown_in_the_jalali_calendar(
    engine, bot_settings
):
    await make_subscriber(bot_settings, language="fa")
    chat = ChatClient(engine, language_hint="fa")
    await chat.log_in("5120001", "Secret-2468")
    await chat.send(choice="flow:profile")
    assert chat.replies[-1].language == "fa"
    assert len(chat.options) == 2
    await chat.send("1")  # edit a detail
    assert len(chat.options) == 9
    await chat.send("۹")  # the birth date, typed with a Persian digit
    assert "۱۳۶۹/۰۵/۲۰" in chat.text  # the example, in Jalali
    await chat.send("۱۳۶۹/۰۵/۲۱")
    assert "۱۳۶۹/۰۵/۲۱" in chat.text
    await chat.send("1")
    assert (await Subscriber.get(username="5120001")).birth_date.isoformat() == "1990-08-12"
    assert "۱۳۶۹/۰۵/۲۱" in chat.text


# ---- documents ----------------------------------------------------------------------------------


async def test_uploading_a_document_explains_every_wrong_file_then_lists_it_pending(
    engine, bot_settings
):
    chat = await logged_in(engine, bot_settings)
    await chat.press("My account")
    await chat.press("My documents")
    assert "not sent any documents yet" in chat.text
    await chat.send("hm")
    assert "Please choose one of the options" in chat.text
    await chat.press("Upload a document")
    assert len(chat.options) == 4
    await chat.send("passport")
    assert "Please choose one of the document types" in chat.text
    await chat.press("Phone bill")
    assert "at most 5 MB" in chat.text
    await chat.send("here it is")
    assert "did not receive a file" in chat.text
    await chat.send(attachment=Attachment("bill.exe", "application/x-msdownload", b"MZ..."))
    assert "Please send a picture (JPEG or PNG) or a PDF file" in chat.text
    await chat.send(attachment=Attachment("bill.png", "image/png", b""))
    assert "That file is empty" in chat.text
    big = Attachment("bill.png", "image/png", PNG + b"\x00" * (5 * 1024 * 1024))
    await chat.send(attachment=big)
    assert "too large (at most 5 MB)" in chat.text
    await chat.send(attachment=Attachment("bill.png", "image/png", PNG))
    assert "We received your Phone bill" in chat.text
    await chat.press("My account")
    await chat.press("My documents")
    assert re.search(r"Phone bill \(sent Nov 24, 2026\): waiting for review", chat.text)


async def test_a_rejected_document_shows_the_reason_and_the_deadline_to_replace_it(
    engine, bot_settings, services
):
    chat = await logged_in(engine, bot_settings)
    await chat.send(choice="flow:documents")
    await chat.press("Upload a document")
    await chat.press("National ID card")
    await chat.send(attachment=Attachment("id.png", "image/png", PNG))
    document = await Document.get()
    await services.document_reviews.review_document(
        document.id, approve=False, reason="illegible", note="Too blurry"
    )
    await chat.press("My account")
    await chat.press("My documents")
    assert "National ID card (sent Nov 24, 2026): rejected" in chat.text
    assert "Reason: the copy cannot be read (blurred, dark or cut off): Too blurry" in chat.text
    assert "Please send a valid copy by Dec 1, 2026" in chat.text
