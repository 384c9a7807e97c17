"""Support tickets through the engine: a new ticket with files, the list, a thread, replies,
closing and the survey, and what is refused on the way."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.dialogs.contract import Attachment
from bot.dialogs.normalize import to_persian_digits
from core.tickets import queries
from core.tickets.enums import AuthorKind, Department, Priority, TicketStatus
from core.tickets.models import Ticket, TicketAttachment, TicketMessage
from core.tickets.service import ByAgent, BySubscriber
from tests.dialogs.client import ChatClient
from tests.dialogs.conftest import make_subscriber, sara_chat

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 48
PDF = b"%PDF-1.7\n" + b"x" * 64


def png(name: str = "screen.png", data: bytes = PNG) -> Attachment:
    return Attachment(name, "image/png", data)


@pytest.fixture
async def chat(engine, sara) -> ChatClient:
    return await sara_chat(engine)


async def open_ticket(services, subscriber, subject="No Internet since morning", **extra):
    values = {
        "department": Department.TECHNICAL,
        "priority": Priority.MEDIUM,
        "subject": subject,
        "body": "The modem light is red.",
        **extra,
    }
    return await services.tickets.open_ticket(subscriber.id, **values)


async def start_new_ticket(chat: ChatClient) -> None:
    await chat.send(choice="flow:tickets")
    await chat.press("New ticket")


async def up_to_files(chat: ChatClient) -> None:
    await start_new_ticket(chat)
    await chat.press("Technical")
    await chat.press("Medium")
    await chat.send("No Internet since morning")
    await chat.send("The modem light is red since 8 o'clock.")


# ---- the menu ----------------------------------------------------------------------------------


async def test_the_menu_offers_tickets_then_the_message_box_then_an_agent(chat):
    labels = chat.labels
    assert labels.index("Support tickets") < labels.index("Message box")
    assert labels.index("Message box") < labels.index("Talk to an agent")


# ---- a new ticket ------------------------------------------------------------------------------


async def test_a_new_ticket_asks_team_priority_subject_and_message_and_gives_its_number(chat, sara):
    await chat.send(choice="flow:tickets")
    assert "no support tickets yet" in chat.text
    await chat.press("New ticket")
    assert chat.labels == ["Technical support", "Billing & payments", "Sales & marketing"]
    await chat.press("Billing")
    assert "High for emergencies" in chat.text
    assert chat.labels == ["Low", "Medium", "High (emergencies only)", "Very high"]
    await chat.press("Very high")
    await chat.send("Charged twice")
    await chat.send("I paid order 469627 twice yesterday.")
    assert "Choose Done" in chat.text
    assert "up to 5 MB each" in chat.text
    await chat.press("Done")

    ticket = await Ticket.get(subscriber_id=sara.id)
    assert (ticket.department, ticket.priority, ticket.subject) == (
        Department.BILLING,
        Priority.VERY_HIGH,
        "Charged twice",
    )
    assert (ticket.channel, ticket.chat_external_id) == ("web", "chat-1")
    message = await TicketMessage.get(ticket_id=ticket.id)
    assert message.body == "I paid order 469627 twice yesterday."
    assert f"Its number is {ticket.number}" in chat.text
    assert "Support tickets" in chat.labels  # back at the main menu


async def test_a_png_sent_while_opening_a_ticket_is_attached_to_its_first_message(
    chat, sara, services
):
    await up_to_files(chat)
    await chat.send(attachment=png())
    assert "Files so far (1): screen.png" in chat.text
    await chat.send(attachment=Attachment("receipt.pdf", "application/pdf", PDF))
    assert "Files so far (2): screen.png, receipt.pdf" in chat.text
    await chat.press("Done")

    ticket = await Ticket.get(subscriber_id=sara.id)
    files = await TicketAttachment.filter(message__ticket_id=ticket.id).order_by("id")
    assert [(f.filename, f.content_type, f.size) for f in files] == [
        ("screen.png", "image/png", len(PNG)),
        ("receipt.pdf", "application/pdf", len(PDF)),
    ]
    stored = await services.tickets.open_attachment(ticket.number, sara.id, files[0].id)
    assert stored.data == PNG


async def test_a_file_sent_with_the_message_is_kept_and_the_text_still_asked_for(chat, sara):
    await start_new_ticket(chat)
    await chat.press("Technical")
    await chat.press("Low")
    await chat.send("Slow at night")
    await chat.send(attachment=png("speedtest.png"))
    assert "I have the file" in chat.text
    assert "Files so far (1): speedtest.png" in chat.text
    await chat.send("Only 1 Mbit/s after 21:00.")
    await chat.press("Done")
    assert await TicketAttachment.filter(filename="speedtest.png").count() == 1


@pytest.mark.parametrize(
    ("attachment", "answer"),
    [
        (
            Attachment("tool.exe", "application/x-msdownload", b"MZ\x90\x00"),
            "Please send a picture",
        ),
        (Attachment("fake.png", "image/png", b"MZ\x90\x00not a png"), "Please send a picture"),
        (Attachment("empty.png", "image/png", b""), "That file is empty"),
    ],
)
async def test_a_file_of_a_wrong_type_is_refused_and_explained(chat, sara, attachment, answer):
    await up_to_files(chat)
    await chat.send(attachment=attachment)
    assert answer in chat.text
    assert "Choose Done" in chat.text  # the same question again
    await chat.press("Done")
    assert await TicketAttachment.all().count() == 0
    assert await Ticket.filter(subscriber_id=sara.id).count() == 1


async def test_a_file_over_the_size_limit_is_refused_with_the_limit(chat, bot_settings):
    bot_settings.attachment_max_bytes = 2 * 1024 * 1024
    await up_to_files(chat)
    big = png("huge.png", PNG + b"\x00" * (2 * 1024 * 1024))
    await chat.send(attachment=big)
    assert "That file is too large (at most 2 MB)" in chat.text
    assert "Files so far" not in chat.text


async def test_a_sixth_file_is_refused(chat):
    await up_to_files(chat)
    for n in range(5):
        await chat.send(attachment=png(f"s{n}.png"))
    await chat.send(attachment=png("s5.png"))
    assert "too many files" in chat.text
    assert "Files so far (5)" in chat.text


async def test_wrong_answers_while_opening_a_ticket_are_explained_and_asked_again(chat):
    await start_new_ticket(chat)
    await chat.send("something else")
    assert "Please choose one of the teams" in chat.text
    await chat.press("Sales")
    await chat.send("asap")
    assert "Please choose one of the priorities" in chat.text
    await chat.press("Low")
    await chat.send("   ")
    assert "Please write a subject." in chat.text
    await chat.send("x" * 201)
    assert "The subject is too long (at most 200 characters)." in chat.text
    await chat.send("Faster plan")
    await chat.send("")
    assert "Please write your message." in chat.text
    await chat.send("y" * 10_001)
    assert "at most 10,000 characters" in chat.text
    await chat.send("Which plans do you have above 20 Mbit/s?")
    await chat.send("thanks")
    assert "Please send a file, or choose Done." in chat.text
    await chat.send("back")
    assert "describe the problem" in chat.text


# ---- the list and a thread ---------------------------------------------------------------------


async def test_the_list_shows_number_subject_team_priority_service_status_and_last_activity(
    chat, sara, services, clock
):
    older = await open_ticket(services, sara, subject="Slow at night")
    clock.advance(timedelta(hours=1))
    newer = await open_ticket(services, sara)
    clock.advance(timedelta(hours=1))
    await services.tickets.answer_as_agent(older.number, "Reza", "We changed your port.")

    await chat.send(choice="flow:tickets")

    text = chat.text
    assert text.index(str(older.number)) < text.index(str(newer.number))
    assert (
        f"{older.number}: Slow at night\nTechnical support, priority Medium, service: none in "
        "particular\nAnswered, last activity"
    ) in text
    assert f"{newer.number}: No Internet since morning\nTechnical support" in text
    assert "none in particular\nOpen, last activity" in text
    assert chat.labels == [
        "New ticket",
        f"{older.number}: Slow at night",
        f"{newer.number}: No Internet since morning",
        "Main menu",
    ]


async def test_a_thread_shows_each_message_with_its_author_time_and_files(
    chat, sara, services, clock
):
    ticket = await open_ticket(services, sara, attachments=[("modem.png", "image/png", PNG)])
    clock.advance(timedelta(minutes=30))
    await services.tickets.answer_as_agent(ticket.number, "Reza", "Please restart the modem.")
    await services.tickets.answer_as_agent(ticket.number, "Reza", "Port 4 is faulty", internal=True)

    await chat.send(choice="flow:tickets")
    await chat.press(str(ticket.number))

    text = chat.text
    assert f"Ticket {ticket.number}: No Internet since morning" in text
    assert "Technical support, priority Medium" in text
    assert "Status: Answered" in text
    assert "You, " in text and "The modem light is red.\nFiles: modem.png" in text
    assert "Support (Reza), " in text and "Please restart the modem." in text
    assert "Port 4" not in text
    assert text.index("The modem light") < text.index("Please restart")
    assert chat.labels == ["Reply", "Close the ticket", "My tickets", "Main menu"]


async def test_a_ticket_number_can_be_typed_and_another_subscribers_is_not_found(
    chat, sara, services, bot_settings
):
    other = await make_subscriber(bot_settings, username="5120002", mobile="+989121234568")
    theirs = await open_ticket(services, other, subject="Their secret")
    mine = await open_ticket(services, sara)

    await chat.send(choice="flow:tickets")
    await chat.send(str(theirs.number))
    assert "There is no ticket with that number among yours." in chat.text
    assert "Their secret" not in chat.text
    assert "New ticket" in chat.labels  # the list again
    await chat.send(to_persian_digits(str(mine.number)))
    assert f"Ticket {mine.number}" in chat.text


async def test_a_word_that_is_no_ticket_is_explained(chat):
    await chat.send(choice="flow:tickets")
    await chat.send("hello")
    assert "Please choose a ticket, or New ticket." in chat.text


async def test_a_wrong_choice_on_a_thread_is_explained(chat, sara, services):
    ticket = await open_ticket(services, sara)
    await chat.send(choice="flow:tickets")
    await chat.press(str(ticket.number))
    await chat.send("what?")
    assert "Please choose one of the options below." in chat.text
    assert "Reply" in chat.labels
    await chat.press("My tickets")
    assert "New ticket" in chat.labels


# ---- replying ----------------------------------------------------------------------------------


async def test_a_text_reply_is_added_and_the_ticket_waits_for_support(chat, sara, services):
    ticket = await open_ticket(services, sara)
    await services.tickets.answer_as_agent(ticket.number, "Reza", "Restart the modem.")
    await chat.send(choice="flow:tickets")
    await chat.press(str(ticket.number))
    await chat.press("Reply")
    await chat.send("")
    assert "Please write your message." in chat.text
    await chat.send("Restarted, still red.")

    assert f"Your reply was added to ticket {ticket.number}" in chat.text
    stored = await Ticket.get(number=ticket.number)
    assert stored.status == TicketStatus.CUSTOMER_REPLY
    last = await TicketMessage.filter(ticket_id=stored.id).order_by("-id").first()
    assert (last.author_kind, last.body) == (AuthorKind.SUBSCRIBER, "Restarted, still red.")


async def test_a_reply_with_files_sends_them_with_the_text(chat, sara, services):
    ticket = await open_ticket(services, sara)
    await chat.send(choice="flow:tickets")
    await chat.press(str(ticket.number))
    await chat.press("Reply")
    await chat.send(attachment=png("lights.png"))
    assert "Files so far (1): lights.png" in chat.text
    assert chat.labels == ["Send the files without text"]
    await chat.send(attachment=Attachment("bad.gif", "image/gif", b"GIF89a..."))
    assert "Please send a picture" in chat.text
    await chat.send("Here is a photo of the lights.")

    thread = await queries.thread(ticket.number, sara.id)
    last = thread.messages[-1]
    assert last.body == "Here is a photo of the lights."
    assert [a.filename for a in last.attachments] == ["lights.png"]


async def test_files_alone_can_be_sent_as_a_reply(chat, sara, services):
    ticket = await open_ticket(services, sara)
    await chat.send(choice="flow:tickets")
    await chat.press(str(ticket.number))
    await chat.press("Reply")
    await chat.send(attachment=png("a.png"))
    await chat.send(attachment=png("b.png"))
    await chat.press("Send the files")

    thread = await queries.thread(ticket.number, sara.id)
    assert thread.messages[-1].body == "(2 files attached)"
    assert [a.filename for a in thread.messages[-1].attachments] == ["a.png", "b.png"]


async def test_replying_to_a_closed_ticket_opens_it_again(chat, sara, services):
    ticket = await open_ticket(services, sara)
    await services.tickets.close(ticket.number, ByAgent("Reza"))
    await chat.send(choice="flow:tickets")
    await chat.press(str(ticket.number))
    assert chat.labels == ["Reply", "Rate our help", "My tickets", "Main menu"]
    await chat.press("Reply")
    await chat.send("It broke again.")

    assert f"ticket {ticket.number} is open again" in chat.text
    assert (await Ticket.get(number=ticket.number)).status == TicketStatus.CUSTOMER_REPLY


# ---- closing and the survey --------------------------------------------------------------------


async def test_closing_a_ticket_asks_for_a_rating_and_records_it(chat, sara, services):
    ticket = await open_ticket(services, sara)
    await chat.send(choice="flow:tickets")
    await chat.press(str(ticket.number))
    await chat.press("Close the ticket")

    assert f"Ticket {ticket.number} is closed." in chat.text
    assert "from 1 (poor) to 5 (excellent)" in chat.text
    assert chat.labels == ["1", "2", "3", "4", "5", "Not now"]
    await chat.send("6")
    assert "Please choose a score from 1 to 5." in chat.text
    assert chat.labels[0] == "1"  # asked again
    await chat.send("4")  # typed digits are the score, not the option in 4th place

    assert f"Thank you for rating ticket {ticket.number}" in chat.text
    stored = await Ticket.get(number=ticket.number)
    assert (stored.status, stored.satisfaction) == (TicketStatus.CLOSED, 4)


async def test_a_rated_ticket_shows_its_score_and_offers_no_second_rating(chat, sara, services):
    ticket = await open_ticket(services, sara)
    await services.tickets.close(ticket.number, BySubscriber(sara.id))
    await services.tickets.rate(ticket.number, sara.id, 5)
    await chat.send(choice="flow:tickets")
    await chat.press(str(ticket.number))
    assert "You rated our help 5 of 5." in chat.text
    assert "Rate our help" not in chat.labels


async def test_the_rating_can_be_left_for_later(chat, sara, services):
    ticket = await open_ticket(services, sara)
    await services.tickets.close(ticket.number, ByAgent("Reza"))
    await chat.send(choice="flow:tickets")
    await chat.press(str(ticket.number))
    await chat.press("Rate our help")
    await chat.press("Not now")
    assert "Thank you for contacting us" in chat.text
    assert (await Ticket.get(number=ticket.number)).satisfaction is None


# ---- in Persian --------------------------------------------------------------------------------


async def test_the_list_in_persian_shows_the_ticket_number_in_persian_digits(
    engine, sara, services
):
    sara.language = "fa"
    await sara.save()
    ticket = await open_ticket(services, sara)
    chat = ChatClient(engine, language_hint="fa")
    await chat.log_in("5120001", "Secret-2468")
    await chat.send(choice="flow:tickets")

    assert chat.replies[-1].language == "fa"
    assert to_persian_digits(str(ticket.number)) in chat.text
    assert len(chat.options) == 3  # new ticket, the ticket, main menu
    await chat.send("۱")  # the first option: a new ticket
    assert len(chat.options) == 3  # the three teams
    await chat.send("۱")
    await chat.send("۲")
    await chat.send("قطعی اینترنت")
    await chat.send("از صبح اینترنت قطع است")
    await chat.send("۱")  # done
    new = await Ticket.filter(subscriber_id=sara.id).order_by("-id").first()
    assert new.subject == "قطعی اینترنت"
    assert to_persian_digits(str(new.number)) in chat.text
