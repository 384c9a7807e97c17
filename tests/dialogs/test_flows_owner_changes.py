"""Changing the mobile or the national ID in the chat: the current panel password first, a code
by SMS to a new mobile, and wrong passwords and codes counting toward the login lockout."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.accounts.models import Subscriber
from core.errors import Forbidden
from tests.dialogs.client import ChatClient
from tests.dialogs.test_flows_accounts import logged_in

PASSWORD = "Secret-2468"
NEW_MOBILE = "+989127654321"
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


async def edit(chat: ChatClient, detail: str) -> None:
    await chat.send(choice="flow:profile")
    await chat.press("Edit a detail")
    await chat.press(detail)


def code_sent_to(sms, number: str) -> str:
    to, text = sms.sent[-1]
    assert to == number
    return text.split(": ")[1][:6]


async def test_a_new_mobile_needs_the_password_then_the_code_sent_to_it(engine, bot_settings, sms):
    chat = await logged_in(engine, bot_settings)
    await edit(chat, "Mobile")
    assert "current panel password first" in chat.text
    assert chat.replies[-1].expects_secret

    await chat.send("not-my-password")
    assert "The current password is not right. You have 2 more tries." in chat.text
    await chat.send(PASSWORD)
    assert "new Mobile" in chat.text
    await chat.send("۰۹۱۲ ۷۶۵ ۴۳۲۱")  # Persian digits, spaced
    assert "code of 6 digits by SMS to +989127654321" in chat.text
    code = code_sent_to(sms, NEW_MOBILE)

    await chat.send("000000" if code != "000000" else "111111")
    assert "That code is not right. You have 2 more tries" in chat.text
    assert (await Subscriber.get(username="5120001")).mobile == "+989121234567"
    await chat.send(code.translate(PERSIAN_DIGITS))

    assert "Saved: Mobile." in chat.text
    assert (await Subscriber.get(username="5120001")).mobile == NEW_MOBILE


async def test_wrong_codes_lock_the_account_like_wrong_passwords(engine, bot_settings, sms):
    chat = await logged_in(engine, bot_settings)
    await edit(chat, "Mobile")
    await chat.send(PASSWORD)
    await chat.send("09127654321")
    code = code_sent_to(sms, NEW_MOBILE)
    wrong = "123456" if code != "123456" else "654321"
    await chat.send(wrong)
    await chat.send(wrong)
    await chat.send(wrong)

    assert "logging in is blocked for 30 minutes" in chat.text
    assert "Mobile" not in chat.labels  # the flow ended
    assert (await Subscriber.get(username="5120001")).mobile == "+989121234567"
    other = ChatClient(engine, chat_id="another-chat")
    await other.log_in("5120001", PASSWORD)
    assert "blocked" in other.text


async def test_a_code_can_be_sent_again_and_the_old_one_then_fails(engine, bot_settings, sms):
    chat = await logged_in(engine, bot_settings)
    await edit(chat, "Mobile")
    await chat.send(PASSWORD)
    await chat.send("09127654321")
    first = code_sent_to(sms, NEW_MOBILE)
    await chat.press("Send the code again")
    second = code_sent_to(sms, NEW_MOBILE)
    assert len(sms.sent) == 2
    if first != second:
        await chat.send(first)
        assert "That code is not right" in chat.text
    await chat.send(second)
    assert "Saved: Mobile." in chat.text


async def test_after_ten_minutes_the_password_is_asked_again(engine, bot_settings, sms, clock):
    chat = await logged_in(engine, bot_settings)
    await edit(chat, "National ID")
    await chat.send(PASSWORD)
    clock.advance(timedelta(minutes=11))
    await chat.send("0076229645")
    assert "more than 10 minutes" in chat.text and "current panel password" in chat.text
    assert (await Subscriber.get(username="5120001")).national_id == "0013542419"

    await chat.send(PASSWORD)
    await chat.send("0076229645")
    assert "Saved: National ID." in chat.text
    assert (await Subscriber.get(username="5120001")).national_id == "0076229645"
    assert sms.sent == []  # a national ID needs no code


async def test_the_profile_service_refuses_to_change_the_owner_s_details(services, bot_settings):
    from tests.dialogs.conftest import make_subscriber

    sara = await make_subscriber(bot_settings)
    for field, value in (("mobile", "09127654321"), ("national_id", "0076229645")):
        with pytest.raises(Forbidden) as refused:
            await services.profile_edits.update_profile(sara.id, **{field: value})
        assert refused.value.code == "owner_check_required"


async def test_a_number_that_is_another_line_s_mobile_is_refused(engine, bot_settings, sms):
    from tests.dialogs.conftest import make_subscriber

    await make_subscriber(bot_settings, username="5120002", mobile=NEW_MOBILE, national_id=None)
    chat = await logged_in(engine, bot_settings)
    await edit(chat, "Mobile")
    await chat.send(PASSWORD)
    await chat.send("09127654321")

    assert "That number is the mobile of another line" in chat.text
    assert "new Mobile" in chat.text  # asked again
    assert sms.sent == []
