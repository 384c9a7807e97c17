"""Tickets through the admin API: an answer is refused over the core's limit, with the limit
said, never cut; the list names the related service."""

# ruff: noqa: F811  (the admin API fixtures are passed by parameter name)

from __future__ import annotations

from core.tickets.limits import BODY_MAX_LENGTH
from core.tickets.models import TicketMessage
from tests.dialogs.test_flows_billing_support import give_service, subscriber
from tests.ops.test_admin_api import api, token  # noqa: F401  (fixtures)


async def test_a_6000_character_answer_is_stored_whole_and_a_longer_one_refused(
    api, services, bot_settings
):
    sara = await subscriber(bot_settings)
    ticket = await services.tickets.open_ticket(sara.id, "technical", "medium", "Slow", "Help")
    path = f"/tickets/{ticket.number}/answer"

    status, _ = await api.call("POST", path, json={"agent_name": "Reza", "body": "a" * 6000})
    assert status == 200
    status, body = await api.call(
        "POST", path, json={"agent_name": "Reza", "body": "b" * (BODY_MAX_LENGTH + 1)}
    )

    assert status == 422
    assert body["fields"][0]["field"] == "body"
    assert "10000 characters" in body["fields"][0]["message"]
    answers = await TicketMessage.filter(author_kind="agent").values_list("body", flat=True)
    assert answers == ["a" * 6000]


async def test_the_ticket_list_names_the_related_service(api, services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await services.tickets.open_ticket(
        sara.id, "technical", "high", "Slow", "Help", related_service="std-1m"
    )

    status, body = await api.call("GET", "/tickets")

    assert status == 200
    [listed] = body["items"]
    assert (listed["department"], listed["priority"], listed["related_service"]) == (
        "technical",
        "high",
        "std-1m",
    )
