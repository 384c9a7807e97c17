"""The agents' group reads ``ISPBOT_AGENT_LANGUAGE``: the card, the topic's name and the
commands' answers are the catalogs' (labels for the enums, sentences for the core's refusals),
in Persian as in English; the subscriber keeps their own language.

Driven as the other hand-off tests are: the real app, WhatsApp through the fake Twilio, the
group through the fake Bot API."""

# ruff: noqa: F811  (fixtures are passed by parameter name)

from __future__ import annotations

import pytest
from pydantic import SecretStr

from core.tickets.enums import TicketStatus
from core.tickets.models import Ticket
from tests.fakes_telegram import TOKEN
from tests.fakes_twilio import twilio_fake, twilio_settings  # noqa: F401  (fixtures)
from tests.handoff.test_agent_group import (  # noqa: F401  (fixtures)
    ALI,
    GROUP,
    REZA,
    STRANGER,
    ask_for_agent,
    bot_api,
    desk,
    logged_in_whatsapp,
    whatsapp_says,
)
from tests.handoff.test_agent_group import SECRET as WEBHOOK_SECRET


def desk_settings(twilio_fake, bot_api, language: str):
    return twilio_settings(
        twilio_fake,
        telegram_token=SecretStr(TOKEN),
        telegram_api_base=bot_api.base_url,
        telegram_webhook_secret=SecretStr(WEBHOOK_SECRET),
        agent_chat_id=GROUP,
        agent_user_ids=(REZA,),
        agent_billing_user_ids=(REZA,),
        agent_language=language,
    )


@pytest.fixture
def bot_settings(request, twilio_fake, bot_api):
    """The group's settings in the language each test names (indirect parametrization)."""
    return desk_settings(twilio_fake, bot_api, request.param)


@pytest.mark.parametrize("bot_settings", ["fa"], indirect=True)
async def test_a_persian_desk_reads_the_card_and_the_topic_s_name_in_persian(
    desk, services, bot_settings
):
    chat = await logged_in_whatsapp(desk, services, bot_settings)
    ticket = await ask_for_agent(chat)
    thread = await desk.topic_of(ticket)

    name = desk.api.topics[thread]
    assert name == f"#{ticket.number} My internet drops every evening · پشتیبانی فنی · بالا"
    [card] = desk.api.in_topic(GROUP, thread)
    lines = card.splitlines()
    assert lines[0] == (
        f"تیکت #{ticket.number} · درخواست کارشناس · پشتیبانی فنی · اولویت بالا · باز"
    )
    assert "موضوع: My internet drops every evening" in lines
    assert "زبان: انگلیسی · کانال: واتس‌اپ" in lines
    assert "کد ملی: 00******19 · موبایل: +98912***4567" in lines
    assert "خط: بهره‌برداری" in lines
    assert "۲۰ روز مانده" in card and "20 days" not in card
    for english in ("Ticket #", "Subject:", "Language:", "Line:", "Plan:", "technical", "high"):
        assert english not in card, english
    # The subscriber still reads English.
    assert "Your ticket number is" in chat.text


@pytest.mark.parametrize("bot_settings", ["fa"], indirect=True)
async def test_a_persian_desk_is_answered_in_persian(desk, services, bot_settings):
    chat = await logged_in_whatsapp(desk, services, bot_settings)
    ticket = await ask_for_agent(chat)
    thread = await desk.topic_of(ticket)

    await desk.write(thread, STRANGER, "/close")
    assert desk.api.in_topic(GROUP, thread)[-1] == (
        "فقط کارشناسان پشتیبانی می‌توانند در اینجا فرمان بدهند."
    )
    await desk.write(thread, REZA, "/priority urgent")
    assert desk.api.in_topic(GROUP, thread)[-1] == (
        "یکی از این اولویت‌ها را بنویسید: low, medium, high, very_high."
    )
    await desk.write(thread, REZA, "/priority low")
    assert desk.api.in_topic(GROUP, thread)[-1] == "اولویت: پایین."
    assert desk.api.topics[thread].endswith("پشتیبانی فنی · پایین")
    await desk.write(thread, ALI, "/freecharge")
    assert desk.api.in_topic(GROUP, thread)[-1] == "این کار فقط از کارشناسان مالی برمی‌آید."
    await desk.write(thread, REZA, "/docs")
    assert desk.api.in_topic(GROUP, thread)[-1] == "هیچ مدرکی در انتظار بررسی نیست."

    # The agent's answer goes as written; the subscriber's reply is marked in Persian.
    await desk.write(thread, REZA, "Is the DSL light on?")
    await whatsapp_says(desk, chat, "Is the DSL light on?")
    await chat.write("It blinks")
    await desk.mirror()
    assert desk.api.in_topic(GROUP, thread)[-1] == "Sara Rahimi (مشترک):\nIt blinks"
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.CUSTOMER_REPLY
    await desk.write(thread, REZA, "/info")
    card = desk.api.in_topic(GROUP, thread)[-1]
    assert card.startswith(f"تیکت #{ticket.number} · درخواست کارشناس · پشتیبانی فنی · ")
    assert "اولویت پایین · پاسخ مشترک رسیده" in card.splitlines()[0]


@pytest.mark.parametrize("bot_settings", ["en"], indirect=True)
async def test_an_english_desk_reads_labels_and_sentences_not_codes(desk, services, bot_settings):
    chat = await logged_in_whatsapp(desk, services, bot_settings)
    ticket = await ask_for_agent(chat)
    thread = await desk.topic_of(ticket)

    await desk.write(thread, REZA, "/priority urgent")
    assert desk.api.in_topic(GROUP, thread)[-1] == (
        "Write one of the priorities: low, medium, high, very_high."
    )
    await desk.write(thread, REZA, "/department sales")
    assert desk.api.in_topic(GROUP, thread)[-1] == "Department: Sales & marketing."
    assert desk.api.topics[thread] == (
        f"#{ticket.number} My internet drops every evening · Sales & marketing · High"
    )
    await desk.write(thread, REZA, "/info")
    card = desk.api.in_topic(GROUP, thread)[-1]
    assert card.startswith(
        f"Ticket #{ticket.number} · Agent request · Sales & marketing · priority High · Open\n"
    )
