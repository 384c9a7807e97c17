"""The console works beside the Telegram agents' group, on the real app with the Bot API and
Twilio as local fakes (as tests/handoff/test_agent_group.py): a console answer reaches the
subscriber's WhatsApp and is shown in the ticket's topic, signed by the member; the group's
answer and the subscriber's reply show in the console's thread; a console close closes the
topic and asks the subscriber for a score. A document rejected in the console is told on
WhatsApp with its reason and grace, and one approved gives the line back."""

# ruff: noqa: F811  (fixtures are passed by parameter name)

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import CookieJar
from aiohttp.test_utils import TestClient
from yarl import URL

from core.accounts.enums import LineStatus
from core.accounts.lockout import Lockout
from core.accounts.models import Subscriber
from core.staff.audit import CLI_ACTOR
from core.staff.service import StaffAccounts
from core.tickets.enums import TicketStatus
from core.tickets.models import Ticket
from tests.dialogs.test_flows_billing_support import USERNAME
from tests.fakes_twilio import twilio_fake  # noqa: F401  (fixtures)
from tests.handoff.test_agent_group import (  # noqa: F401  (fixtures)
    GROUP,
    REZA,
    ask_for_agent,
    bot_api,
    bot_settings,
    desk,
    logged_in_whatsapp,
    whatsapp_says,
)
from tests.staff.conftest import PASSWORD, Console

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60


@pytest.fixture
async def console_client(desk) -> AsyncIterator[TestClient]:
    """A browser of its own on the app's server. The public URL is https (Twilio signs it), so
    the console's cookies are Secure: this test browser keeps them over the test's plain http."""
    origin = URL(str(desk.client.make_url("/"))).origin()
    jar = CookieJar(unsafe=True, treat_as_secure_origin=[origin])
    client = TestClient(desk.client.server, cookie_jar=jar)
    await client.start_server()
    yield client
    await client.close()


async def console_of(client: TestClient, bot_settings, clock) -> Console:
    accounts = StaffAccounts(bot_settings, clock, Lockout(bot_settings, clock))
    await accounts.create(CLI_ACTOR, "mina", PASSWORD, "agent", full_name="Mina")
    console = Console(client, wiring=None)  # type: ignore[arg-type]
    assert (await console.log_in("mina")).status == 303
    return console


async def post(console: Console, path: str, **fields: str):
    token = await console.csrf("/staff/tickets")
    return await console.client.post(path, data={"csrf": token, **fields}, allow_redirects=False)


async def test_an_answer_from_either_side_shows_in_both(
    desk, services, bot_settings, clock, console_client
):
    chat = await logged_in_whatsapp(desk, services, bot_settings)
    ticket = await ask_for_agent(chat)
    thread = await desk.topic_of(ticket)
    console = await console_of(console_client, bot_settings, clock)

    await post(console, f"/staff/tickets/{ticket.number}/answer", body="Please restart the modem")

    await whatsapp_says(desk, chat, "Please restart the modem")
    assert "Mina" in chat.text
    await desk.mirror()
    assert desk.api.in_topic(GROUP, thread)[-1] == (
        "Mina (console, sent to the subscriber):\nPlease restart the modem"
    )
    await post(console, f"/staff/tickets/{ticket.number}/answer", body="Checked the port", note="1")
    await desk.mirror()
    assert desk.api.in_topic(GROUP, thread)[-1] == "Mina (console, note):\nChecked the port"

    await desk.write(thread, REZA, "Is it better now?")
    await whatsapp_says(desk, chat, "Is it better now?")
    await chat.write("Yes, it works again")  # during Reza's live hand-off: to the ticket
    page = await (await console.client.get(f"/staff/tickets/{ticket.number}")).text()
    assert "Is it better now?" in page and "agents' group" in page
    assert "Yes, it works again" in page

    closed = await post(console, f"/staff/tickets/{ticket.number}/close")
    assert closed.status == 303
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.CLOSED
    await whatsapp_says(desk, chat, "How would you rate our help?")
    await desk.mirror()
    assert desk.api.in_topic(GROUP, thread)[-1] == "Mina (console, note):\n/close"
    assert thread in desk.api.closed_topics
    # Mirrored once: another pass posts nothing again.
    posted = len(desk.api.in_topic(GROUP, thread))
    await desk.mirror()
    assert len(desk.api.in_topic(GROUP, thread)) == posted


async def test_documents_reviewed_in_the_console_are_told_on_the_subscriber_s_channel(
    desk, services, bot_settings, clock, console_client
):
    chat = await logged_in_whatsapp(desk, services, bot_settings)
    sara = await Subscriber.get(username=USERNAME)
    reviews = services.document_reviews
    first = await reviews.upload_document(sara.id, "lease", "lease.jpg", "image/jpeg", JPEG)
    console = await console_of(console_client, bot_settings, clock)

    await post(
        console,
        f"/staff/documents/{first.id}/review",
        decision="reject",
        reason="name_mismatch",
        note="The lease names someone else",
    )

    await whatsapp_says(desk, chat, "was not accepted")
    assert "Reason: the name on it is not the subscriber's" in chat.text
    assert "The lease names someone else" in chat.text and "within 7 days" in chat.text

    await Subscriber.filter(id=sara.id).update(line_status=LineStatus.DOCUMENTS_SUSPENDED)
    second = await reviews.upload_document(sara.id, "lease", "lease2.jpg", "image/jpeg", JPEG)
    await post(console, f"/staff/documents/{second.id}/review", decision="approve")
    assert (await Subscriber.get(id=sara.id)).line_status is LineStatus.IN_OPERATION
    history = await (await console.client.get("/staff/documents?state=rejected")).text()
    assert '<td dir="auto">mina</td>' in history  # the reviewer, by username
