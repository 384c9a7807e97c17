"""Logging a chat in by a one-time link: the code in any chat's text or Telegram's start
parameter logs it in without the password, once, within its minutes; a second use, a late one
and a made-up code are refused politely and change nothing."""

from __future__ import annotations

from datetime import timedelta

from core.accounts import queries
from core.accounts.models import LoginLink
from tests.dialogs.client import ChatClient
from tests.dialogs.conftest import make_subscriber

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


async def test_a_code_sent_in_a_new_chat_logs_it_in_in_the_accounts_language(
    engine, services, bot_settings
):
    subscriber = await make_subscriber(bot_settings, language="fa")
    link = await services.login_links.issue(subscriber.id)
    chat = ChatClient(engine, "wa-1", channel="whatsapp", language_hint=None)

    await chat.send(link.code)

    assert chat.replies[0].language == "fa"
    assert "سارا" in chat.text or "Sara Rahimi" in chat.text
    assert (await queries.subscriber_for_chat("whatsapp", "wa-1")).id == subscriber.id
    assert chat.options  # the main menu, logged in


async def test_telegrams_start_parameter_logs_the_chat_in(engine, services, bot_settings):
    subscriber = await make_subscriber(bot_settings)
    link = await services.login_links.issue(subscriber.id)
    chat = ChatClient(engine, "777", channel="telegram")

    await chat.send(f"/start login-{link.token}")

    assert "Welcome, Sara Rahimi! You are logged in." in chat.text
    assert (await queries.subscriber_for_chat("telegram", "777")).id == subscriber.id


async def test_a_code_typed_in_lower_case_with_persian_digits_is_the_same_code(
    engine, services, bot_settings
):
    subscriber = await make_subscriber(bot_settings)
    link = await services.login_links.issue(subscriber.id)
    typed = f"my code is login {link.token.lower()}".translate(PERSIAN_DIGITS)
    chat = ChatClient(engine, "sms-1", channel="sms")

    await chat.send(typed)

    assert "You are logged in" in chat.text


async def test_a_link_works_once(engine, services, bot_settings):
    subscriber = await make_subscriber(bot_settings)
    link = await services.login_links.issue(subscriber.id)
    first = ChatClient(engine, "a")
    await first.send(link.code)
    assert "You are logged in" in first.text

    second = ChatClient(engine, "b")
    await second.send(link.code)

    assert "This login link was already used" in second.text
    assert await queries.subscriber_for_chat("web", "b") is None


async def test_a_late_link_is_refused_and_logs_nothing_in(engine, services, bot_settings, clock):
    subscriber = await make_subscriber(bot_settings)
    link = await services.login_links.issue(subscriber.id)
    clock.advance(timedelta(minutes=bot_settings.login_link_minutes, seconds=1))
    chat = ChatClient(engine, "late")

    await chat.send(link.code)

    assert "This login link has expired" in chat.text
    assert await queries.subscriber_for_chat("web", "late") is None


async def test_made_up_codes_lock_the_chat_like_wrong_passwords(engine, services, bot_settings):
    subscriber = await make_subscriber(bot_settings)
    chat = ChatClient(engine, "guesser")
    for _ in range(bot_settings.lockout_attempts):
        await chat.send("LOGIN-AAAAAAAAAAAA")
    assert "logging in is blocked" in chat.text

    link = await services.login_links.issue(subscriber.id)
    await chat.send(link.code)

    assert "logging in is blocked" in chat.text
    assert await queries.subscriber_for_chat("web", "guesser") is None


async def test_the_token_itself_is_not_stored(services, bot_settings, sara):
    link = await services.login_links.issue(sara.id)

    stored = await LoginLink.get(subscriber_id=sara.id)

    assert link.token not in stored.token_hash
    assert len(stored.token_hash) == 64


async def test_a_link_asked_for_by_sms_goes_to_the_registered_mobile(services, sara, sms):
    link = await services.login_links.issue(sara.id, send_sms=True)

    to, text = sms.sent[-1]
    assert to == "+989121234567"
    assert f"/?login={link.token}" in text


async def test_expired_and_old_used_links_are_purged(services, bot_settings, clock, sara):
    used = await services.login_links.issue(sara.id)
    await services.login_links.issue(sara.id)  # never used
    await services.login_links.redeem("web", "x", used.token)
    clock.advance(timedelta(days=31))

    assert await services.login_links.purge() == 2
    assert await LoginLink.all().count() == 0


async def test_two_chats_opening_the_same_link_at_once_log_in_one(services, sara):
    import asyncio

    from core.errors import DomainError

    link = await services.login_links.issue(sara.id)

    results = await asyncio.gather(
        *(services.login_links.redeem("web", f"tab-{n}", link.token) for n in range(4)),
        return_exceptions=True,
    )

    assert sum(1 for r in results if not isinstance(r, Exception)) == 1
    assert all(r.code == "login_link_used" for r in results if isinstance(r, DomainError))
