"""The message box (what was sent, when, where and why, a page at a time) and talking to an
agent (a ticket for a subscriber, the way in for a guest)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.dialogs.normalize import to_persian_digits
from core.ports import Delivery
from core.tickets.enums import Department, Priority, TicketKind
from core.tickets.models import Ticket, TicketMessage
from tests.dialogs.client import ChatClient
from tests.dialogs.conftest import sara_chat


@pytest.fixture
async def chat(engine, sara) -> ChatClient:
    return await sara_chat(engine)


# ---- the message box ---------------------------------------------------------------------------


async def test_the_message_box_lists_what_was_sent_newest_first_with_when_where_and_why(
    chat, sara, services, clock
):
    sms = Delivery("sms", "+989121234567")
    await services.inbox.record(sara.id, "order_applied", {"tracking_number": 469627}, sms)
    clock.advance(timedelta(hours=1))
    telegram = Delivery("telegram", "100200300")
    await services.inbox.record(sara.id, "ticket_answered", {"ticket_number": 512340}, telegram)
    clock.advance(timedelta(hours=1))
    await services.inbox.record(sara.id, "outage_update", {}, Delivery("whatsapp", "+628123"))

    await chat.send(choice="flow:inbox")

    text = chat.text
    assert text.startswith("Messages we sent you, newest first:")
    assert "Telegram\nWhy: you opened ticket 512340" in text
    assert "SMS to +989121234567\nWhy: you paid for order 469627" in text
    # A kind no longer known still reads as a reason.
    assert "WhatsApp to +628123\nWhy: it is a message from us" in text
    assert "100200300" not in text  # a chat id means nothing to people
    assert text.index("a message from us") < text.index("512340") < text.index("469627")
    assert "Nov 24, 2026, 10:30\u202fAM, SMS to" in text
    assert chat.labels == ["Announcements", "Main menu"]  # no more pages


async def test_the_message_box_shows_ten_at_a_time_and_more_shows_older_ones(
    chat, sara, services, clock
):
    for n in range(12):
        delivery = Delivery("telegram", "1")
        await services.inbox.record(
            sara.id, "ticket_closed", {"ticket_number": 100000 + n}, delivery
        )
        clock.advance(timedelta(minutes=1))

    await chat.send(choice="flow:inbox")
    assert chat.text.count("Why: you opened ticket") == 10
    assert "100011" in chat.text and "100001" not in chat.text
    assert chat.labels == ["More", "Announcements", "Main menu"]
    await chat.send("nothing")
    assert "Please choose one of the options below." in chat.text
    assert chat.text.count("Why: you opened ticket") == 10  # the same page again
    await chat.press("More")
    assert chat.text.startswith("Older messages:")
    assert "100001" in chat.text and "100000" in chat.text and "100002" not in chat.text
    assert chat.labels == ["Announcements", "Main menu"]


async def test_an_empty_message_box_says_so(chat):
    await chat.send(choice="flow:inbox")
    assert "Your message box is empty" in chat.text
    assert "Message box" in chat.labels  # the main menu


async def test_the_message_box_in_persian_shows_persian_digits(engine, sara, services):
    await services.inbox.record(
        sara.id, "ticket_answered", {"ticket_number": 512340}, Delivery("sms", "+989121234567")
    )
    chat = ChatClient(engine, language_hint="fa")
    await chat.log_in("5120001", "Secret-2468")
    await chat.send(choice="flow:inbox")
    assert chat.replies[-1].language == "fa"
    assert "۵۱۲۳۴۰" in chat.text
    assert to_persian_digits("+989121234567") in chat.text
    assert "۱۴۰۵/۰۹/۰۳ ۱۰:۳۰" in chat.text  # Jalali date, Tehran time
    assert len(chat.options) == 2  # Announcements, Main menu


# ---- talking to an agent -----------------------------------------------------------------------


async def test_a_subscriber_asking_for_an_agent_gets_a_high_technical_ticket_for_an_agent(
    chat, sara
):
    await chat.send("agent")
    assert "an agent will answer you in this chat" in chat.text
    await chat.send("  ")
    assert "Please write your message." in chat.text
    await chat.send("My static IP stopped working after the renewal yesterday evening.")

    ticket = await Ticket.get(subscriber_id=sara.id)
    assert (ticket.kind, ticket.department, ticket.priority) == (
        TicketKind.AGENT_REQUEST,
        Department.TECHNICAL,
        Priority.HIGH,
    )
    assert (ticket.channel, ticket.chat_external_id) == ("web", "chat-1")
    assert ticket.subject.startswith("My static IP stopped working")
    assert len(ticket.subject) <= 80
    message = await TicketMessage.get(ticket_id=ticket.id)
    assert message.body == "My static IP stopped working after the renewal yesterday evening."
    assert "An agent will answer you in this chat" in chat.text
    assert str(ticket.number) in chat.text
    assert "Support tickets" in chat.labels


async def test_the_agent_menu_choice_is_there_for_guests_and_subscribers(engine, chat):
    assert "Talk to an agent" in chat.labels
    guest = ChatClient(engine, chat_id="guest-1")
    await guest.send("hi")
    assert "Talk to an agent" in guest.labels


async def test_a_guest_asking_for_an_agent_is_told_to_log_in_or_become_a_subscriber(engine, sara):
    guest = ChatClient(engine, chat_id="guest-1")
    await guest.send("hi")
    await guest.press("Talk to an agent")
    assert "please log in first" in guest.text
    assert guest.labels == ["Log in", "Become a subscriber", "Main menu"]
    await guest.send("please")
    assert "Please choose one of the options below." in guest.text
    assert guest.labels[0] == "Log in"
    await guest.press("Become a subscriber")
    assert "what is your full name" in guest.text


async def test_a_guest_who_logs_in_from_the_agent_question_comes_back_to_it(engine, sara):
    guest = ChatClient(engine, chat_id="guest-1")
    await guest.send("/agent")
    await guest.press("Log in")
    await guest.send("5120001")
    await guest.send("Secret-2468")
    assert "Welcome, Sara Rahimi" in guest.text
    assert "What is it about?" in guest.text
    await guest.send("No dial tone")
    assert await Ticket.filter(subscriber_id=sara.id, kind=TicketKind.AGENT_REQUEST).count() == 1
