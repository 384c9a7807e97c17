"""A new ticket names the service it is about (the current plan, or none), and the list and the
thread show it with the team and the priority."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from core.tickets.models import Ticket
from tests.dialogs.client import ChatClient
from tests.dialogs.test_flows_billing_support import PASSWORD, USERNAME, give_service, subscriber


async def logged_in(engine) -> ChatClient:
    chat = ChatClient(engine)
    await chat.log_in(USERNAME, PASSWORD)
    return chat


async def new_ticket_up_to_the_service(chat: ChatClient) -> None:
    await chat.send(choice="flow:tickets")
    await chat.press("New ticket")
    await chat.press("Technical")
    await chat.press("High")


async def test_a_subscriber_with_a_service_names_it_and_sees_it_in_the_list(
    engine, bot_settings, services
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = await logged_in(engine)
    await new_ticket_up_to_the_service(chat)

    assert "Which of your services is it about?" in chat.text
    assert chat.labels == ["Standard monthly (line 5120001)", "None in particular"]
    await chat.send("slow")
    assert "Please choose one of the services below." in chat.text
    await chat.press("Standard monthly")
    await chat.send("Slow in the evenings")
    await chat.send("Every evening it drops to 1 Mbit/s.")
    await chat.press("Done")

    ticket = await Ticket.get()
    assert ticket.related_service == "std-1m"
    await chat.send(choice="flow:tickets")
    assert (
        f"{ticket.number}: Slow in the evenings\nTechnical support, priority High (emergencies "
        "only), service: Standard monthly\nOpen" in chat.text
    )
    await chat.press(f"{ticket.number}:")
    assert "Service: Standard monthly" in chat.text


async def test_none_in_particular_is_kept_as_none(engine, bot_settings, services):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = await logged_in(engine)
    await new_ticket_up_to_the_service(chat)
    await chat.press("None in particular")
    await chat.send("A question")
    await chat.send("Do you sell routers?")
    await chat.press("Done")

    assert (await Ticket.get()).related_service is None


async def test_without_a_service_the_question_is_not_asked(engine, bot_settings):
    await subscriber(bot_settings)
    chat = await logged_in(engine)
    await new_ticket_up_to_the_service(chat)

    assert "Write a short subject" in chat.text


async def test_the_core_takes_only_a_service_of_the_subscriber_s(bot_settings, services):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)

    with pytest.raises(InvalidInput) as refused:
        await services.tickets.open_ticket(
            sara.id, "technical", "low", "Hi", "Hello", related_service="std-3m"
        )

    assert refused.value.code == "unknown_related_service"
    assert not await Ticket.exists()


@pytest.mark.parametrize("channel", ["whatsapp", "sms", "telegram"])
async def test_on_every_channel_a_text_over_the_limit_is_refused_with_it(
    engine, bot_settings, channel
):
    await subscriber(bot_settings)
    chat = ChatClient(engine, channel=channel)
    await chat.log_in(USERNAME, PASSWORD)
    await new_ticket_up_to_the_service(chat)
    await chat.send("Subject")

    await chat.send("y" * 10_001)

    assert "at most 10,000 characters" in chat.text
    assert "describe the problem" in chat.text  # the same question, asked again
    assert not await Ticket.exists()
