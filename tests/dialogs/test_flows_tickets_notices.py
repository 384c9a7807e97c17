"""What the bot says on its own about tickets, and where its options lead: an answer offers a
reply, a closed ticket asks for a score that is recorded on the right ticket."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.dialogs.normalize import to_persian_digits
from bot.dialogs.notices import render_notice
from bot.i18n import translator
from core.inbox.models import OutboxMessage
from core.tickets.enums import Department, Priority, TicketStatus
from core.tickets.models import Ticket
from core.tickets.service import ByAgent, BySubscriber
from tests.dialogs.client import ChatClient
from tests.dialogs.conftest import make_subscriber, sara_chat

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
async def chat(engine, sara) -> ChatClient:
    return await sara_chat(engine)


async def open_ticket(services, subscriber, subject="No Internet since morning"):
    return await services.tickets.open_ticket(
        subscriber.id, Department.TECHNICAL, Priority.MEDIUM, subject, "The modem light is red."
    )


async def notice_of(kind: str, language: str = "en"):
    message = await OutboxMessage.filter(kind=kind).order_by("-id").first()
    assert message is not None
    return await render_notice(translator(language), message.kind, message.params)


async def test_an_answer_notice_shows_the_answer_and_its_files_and_offers_a_reply(sara, services):
    ticket = await open_ticket(services, sara)
    await services.tickets.answer_as_agent(
        ticket.number,
        "Reza",
        "Please restart the modem.\nThen check the DSL light.",
        attachments=[("howto.png", "image/png", PNG)],
    )

    [reply] = await notice_of("ticket_answered")

    assert reply.text == (
        f"Ticket {ticket.number} (No Internet since morning) has a new answer from Reza:\n\n"
        "Please restart the modem.\nThen check the DSL light.\nFiles: howto.png\n\n"
        f"Why you got this: you opened ticket {ticket.number}"
    )
    assert [(o.id, o.label) for o in reply.options] == [
        (f"flow:tickets?action=reply&ticket={ticket.number}", "Reply"),
        ("flow:tickets", "My tickets"),
    ]


async def test_a_long_answer_is_cut_in_the_notice_and_points_to_the_thread(sara, services):
    ticket = await open_ticket(services, sara)
    await services.tickets.answer_as_agent(ticket.number, "Reza", "word " * 1000)
    [reply] = await notice_of("ticket_answered")
    assert len(reply.text) < 1800
    assert reply.text.endswith(
        f"(The full answer is in Support tickets.)\n\nWhy you got this: you opened ticket "
        f"{ticket.number}"
    )


async def test_an_answer_notice_in_persian_has_persian_digits(sara, services):
    ticket = await open_ticket(services, sara)
    await services.tickets.answer_as_agent(ticket.number, "Reza", "OK")
    [reply] = await notice_of("ticket_answered", "fa")
    assert reply.language == "fa"
    assert to_persian_digits(str(ticket.number)) in reply.text
    assert len(reply.options) == 2


async def test_reply_under_an_answer_notice_goes_straight_to_that_tickets_reply(
    chat, sara, services
):
    ticket = await open_ticket(services, sara)
    await services.tickets.answer_as_agent(ticket.number, "Reza", "Restart the modem.")
    [reply] = await notice_of("ticket_answered")

    await chat.send(choice=reply.options[0].id)
    assert f"Write your reply to ticket {ticket.number}" in chat.text
    await chat.send("Done, it works now. Thanks!")

    assert (await Ticket.get(number=ticket.number)).status == TicketStatus.CUSTOMER_REPLY


async def test_reply_under_a_notice_asks_which_ticket_when_several_were_answered(
    chat, sara, services, clock
):
    first = await open_ticket(services, sara, subject="Slow")
    second = await open_ticket(services, sara, subject="Bill")
    await services.tickets.answer_as_agent(first.number, "Reza", "a")
    clock.advance(timedelta(minutes=5))
    await services.tickets.answer_as_agent(second.number, "Mina", "b")

    await chat.send(choice="flow:tickets?action=reply")
    assert "Which ticket would you like to reply to?" in chat.text
    assert chat.labels == [f"{second.number}: Bill", f"{first.number}: Slow", "My tickets"]
    await chat.send("hmm")
    assert "Please choose one of the tickets below." in chat.text
    await chat.press("Slow")
    assert f"Write your reply to ticket {first.number}" in chat.text


async def test_a_closed_notice_asks_for_a_score_and_the_score_is_recorded(chat, sara, services):
    ticket = await open_ticket(services, sara)
    await services.tickets.close(ticket.number, ByAgent("Reza"))
    [reply] = await notice_of("ticket_closed")

    assert f"Ticket {ticket.number} (No Internet since morning) is now closed." in reply.text
    assert [o.label for o in reply.options] == ["1", "2", "3", "4", "5"]
    await chat.send(choice=reply.options[4].id)

    assert f"Thank you for rating ticket {ticket.number}" in chat.text
    assert (await Ticket.get(number=ticket.number)).satisfaction == 5
    await chat.send(choice=reply.options[1].id)  # an old notice pressed again
    assert "already rated this ticket" in chat.text
    assert (await Ticket.get(number=ticket.number)).satisfaction == 5


async def test_a_score_from_a_notice_asks_which_ticket_when_several_wait_for_one(
    chat, sara, services
):
    first = await open_ticket(services, sara, subject="Slow")
    second = await open_ticket(services, sara, subject="Bill")
    await services.tickets.close(first.number, ByAgent("Reza"))
    await services.tickets.close(second.number, BySubscriber(sara.id))

    await chat.send(choice="flow:tickets?action=rate&score=2")
    assert "Which ticket would you like to rate?" in chat.text
    await chat.press("Bill")

    assert (await Ticket.get(number=second.number)).satisfaction == 2
    assert (await Ticket.get(number=first.number)).satisfaction is None


async def test_a_forged_option_naming_someone_elses_ticket_is_refused(
    chat, sara, services, bot_settings
):
    other = await make_subscriber(bot_settings, username="5120002", mobile="+989120000002")
    theirs = await open_ticket(services, other)
    await services.tickets.close(theirs.number, ByAgent("Reza"))
    await chat.send(choice=f"flow:tickets?action=rate&ticket={theirs.number}&score=1")
    assert "no ticket with that number" in chat.text
    assert (await Ticket.get(number=theirs.number)).satisfaction is None


async def test_a_notice_option_pressed_when_logged_out_asks_to_log_in_then_goes_on(
    engine, sara, services
):
    ticket = await open_ticket(services, sara)
    await services.tickets.close(ticket.number, ByAgent("Reza"))
    chat = ChatClient(engine, chat_id="chat-2")
    await chat.send(choice=f"flow:tickets?action=rate&ticket={ticket.number}&score=3")
    assert "Please log in first." in chat.text
    await chat.send("5120001")
    await chat.send("Secret-2468")
    assert (await Ticket.get(number=ticket.number)).satisfaction == 3
