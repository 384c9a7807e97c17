"""SMS keywords tolerate the spellings and typos people send ("SALD0", "kouta", «مانده‌ی»),
and a sentence that asks for the balance or the packs gets that keyword's answer; a typo never
takes the free charge or stops alerts, and a sentence never buys."""

# The fixtures come from tests/fakes_twilio.py; pytest passes them by parameter name.
# ruff: noqa: F811

from __future__ import annotations

import pytest

from bot.dialogs.sms_keywords import Keyword, parse
from core.accounts.models import ChatIdentity
from core.billing.models import Order
from tests.dialogs.test_flows_billing_support import give_service, subscriber
from tests.fakes_twilio import (  # noqa: F401  (fixtures)
    twilio_app,
    twilio_fake,
    twilio_settings,
)
from tests.handlers.test_sms_keywords import MOBILE, ask


@pytest.fixture
def bot_settings(twilio_fake):
    return twilio_settings(twilio_fake)


@pytest.mark.parametrize(
    ("typed", "keyword", "argument"),
    [
        ("SALD0", Keyword.BALANCE, ""),
        ("kouta", Keyword.BALANCE, ""),
        ("Kuotaa", Keyword.BALANCE, ""),
        ("مانده‌ی", Keyword.BALANCE, ""),
        ("ماندهی", Keyword.BALANCE, ""),
        ("BALANSE", Keyword.BALANCE, ""),
        ("TIKETT modem rusak", Keyword.TICKET, "modem rusak"),
        ("H3LP", Keyword.HELP, ""),
        # A mistyped BUY lists the packs: its number is dropped, so nothing is bought.
        ("BEL1 2", Keyword.BUY, ""),
        ("kharid 1", Keyword.BUY, ""),
        ("BANTUN", Keyword.HELP, ""),
        # Only as written: each of these acts at once.
        ("GRATSI", None, "GRATSI"),
        ("STPO", None, "STPO"),
        ("MULAII", None, "MULAII"),
        # A score, and words that are no keyword.
        ("5", None, "5"),
        ("hello", None, "hello"),
    ],
)
def test_a_typo_in_a_keyword_that_only_reads_or_asks_is_that_keyword(typed, keyword, argument):
    command = parse(typed)
    assert (command.keyword, command.argument) == (keyword, argument)


async def test_typos_and_sentences_get_the_balance(twilio_app, services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    exact = await ask(twilio_app, "SALDO")
    assert await ask(twilio_app, "SALD0") == exact
    assert await ask(twilio_app, "kouta") == exact
    assert await ask(twilio_app, "sisa kuota saya berapa?") == exact
    persian = await ask(twilio_app, "مانده")
    assert persian.startswith("۵۱۲۰۰۰۱: ۲۰ روز")
    assert await ask(twilio_app, "مانده‌ی") == persian
    # A sentence has no keyword's language: the answer is in the chat's (+98: Persian).
    assert await ask(twilio_app, "how much traffic do i have left") == persian
    chat = await ChatIdentity.get(channel="sms", external_id=MOBILE)
    assert chat.subscriber_id == sara.id


async def test_a_sentence_that_buys_lists_the_packs_and_places_no_order(
    twilio_app, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    listing = await ask(twilio_app, "خرید")  # in the chat's language, as a sentence's answer
    assert await ask(twilio_app, "i want to buy 2 more gb") == listing
    assert await Order.all().count() == 0


async def test_a_sentence_about_anything_else_gets_the_keywords(twilio_app, bot_settings):
    await subscriber(bot_settings)
    keywords = await ask(twilio_app, "HELP")
    assert await ask(twilio_app, "what is the weather tomorrow") == keywords
    # A sentence that asks for the free charge never takes it.
    assert await ask(twilio_app, "minta isi gratis dong") == keywords
