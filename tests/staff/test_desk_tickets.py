"""The console's tickets: the inbox's filters and pages, the thread with its notes and files
(through the guard), an answer signed by the member that the subscriber is told of, a note
they are not, triage, assignment and closing, each audited and kept in the thread as the
agents' group keeps its commands; canned replies kept per language and offered by the
ticket's; roles, CSRF, bad numbers and bad filters in words."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core.alerts import kinds
from core.billing.models import Plan
from core.inbox.models import OutboxMessage
from core.staff.models import AuditEntry, CannedReply
from core.tickets.enums import TicketStatus
from core.tickets.models import Ticket, TicketMessage
from tests.core.test_accounts_support import make_subscriber

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


async def opened(console, subject="Internet drops every evening", **extra):
    subscriber = await make_subscriber()
    values = {"department": "technical", "priority": "medium", **extra}
    view = await console.wiring.services.tickets.open_ticket(
        subscriber.id,
        subject=subject,
        body="It drops at 9 pm",
        channel="web",
        chat_external_id="web-chat-1",
        **values,
    )
    return view.number


async def post(console, path: str, **fields: str):
    token = await console.csrf("/staff/tickets")
    return await console.client.post(path, data={"csrf": token, **fields}, allow_redirects=False)


async def test_an_answer_is_signed_by_the_member_and_the_subscriber_is_told(console):
    number = await opened(console)
    await console.log_in("agent")

    done = await post(console, f"/staff/tickets/{number}/answer", body="Please restart the modem")

    assert (
        done.status == 303 and done.headers["Location"] == f"/staff/tickets/{number}?done=answered"
    )
    ticket = await Ticket.get(number=number)
    assert ticket.status == TicketStatus.ANSWERED
    answer = await TicketMessage.get(ticket_id=ticket.id, author_kind="agent")
    staff_id = (await console.wiring.staff.accounts.authenticate("agent", "console-pass-1")).id
    assert (answer.author_name, answer.staff_member_id, answer.internal) == (
        "Agent",
        staff_id,
        False,
    )
    [notice] = await OutboxMessage.filter(kind=kinds.TICKET_ANSWERED)
    assert notice.params["agent_name"] == "Agent"
    assert (notice.params["channel"], notice.params["chat_external_id"]) == ("web", "web-chat-1")
    [entry] = await AuditEntry.filter(action="ticket.answer")
    assert (entry.actor_name, entry.target_id) == ("agent", str(number))
    assert entry.before == {"status": "open"} and entry.after["status"] == "answered"
    page = await (await console.client.get(done.headers["Location"])).text()
    assert "The answer was sent to the subscriber." in page and "Please restart the modem" in page


async def test_a_note_is_kept_for_staff_and_tells_no_one(console):
    number = await opened(console)
    await console.log_in("operator")
    await post(console, f"/staff/tickets/{number}/answer", body="Line card replaced", note="1")
    note = await TicketMessage.get(internal=True)
    assert note.body == "Line card replaced"
    assert (await Ticket.get(number=number)).status == TicketStatus.OPEN
    assert await OutboxMessage.filter(kind=kinds.TICKET_ANSWERED).count() == 0
    page = await (await console.client.get(f"/staff/tickets/{number}")).text()
    assert "internal note" in page and "Line card replaced" in page


async def test_an_empty_answer_is_refused_next_to_the_field_and_nothing_is_written(console):
    number = await opened(console)
    await console.log_in("agent")
    refused = await post(console, f"/staff/tickets/{number}/answer", body="   ")
    assert refused.status == 422
    assert re.search(r'id="body-error">Write the text first.', await refused.text())
    assert await TicketMessage.filter(author_kind="agent").count() == 0
    assert await AuditEntry.filter(action="ticket.answer").count() == 0


async def test_triage_assignment_and_closing_are_audited_and_noted_for_the_group(console):
    number = await opened(console)
    await console.log_in("admin")

    await post(console, f"/staff/tickets/{number}/triage", priority="high", department="billing")
    unchanged = await post(
        console, f"/staff/tickets/{number}/triage", priority="high", department="billing"
    )
    await post(console, f"/staff/tickets/{number}/assign", assignee="agent")
    closed = await post(console, f"/staff/tickets/{number}/close")

    assert unchanged.headers["Location"].endswith("done=unchanged")
    assert closed.headers["Location"].endswith("done=closed")
    ticket = await Ticket.get(number=number)
    assert (ticket.priority, ticket.department, ticket.assigned_to, ticket.status) == (
        "high",
        "billing",
        "agent",
        TicketStatus.CLOSED,
    )
    notes = await TicketMessage.filter(ticket_id=ticket.id, internal=True).order_by("id")
    assert [n.body for n in notes] == [
        "/priority high\n/department billing",
        "/assign agent",
        "/close",
    ]
    assert all(n.author_name == "Admin" and n.staff_member_id for n in notes)
    actions = (
        await AuditEntry.filter(target_type="ticket")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["ticket.triage", "ticket.assign", "ticket.close"]
    [closing] = await OutboxMessage.filter(kind=kinds.TICKET_CLOSED)
    assert closing.params["agent_name"] == "Admin"


async def test_a_ticket_opened_by_the_connection_check_shows_its_diagnosis(console):
    subscriber = await make_subscriber()
    await Plan.create(code="std-1m", names={"en": "Standard"}, price=500_000, traffic_mb=5120)
    await console.wiring.services.subscriptions.grant_service(subscriber.id, "std-1m")
    ticket, _ = await console.wiring.services.connection_checks.open_ticket(
        subscriber.id, "My Internet does not work", lambda d: "Down since noon"
    )
    await console.log_in("agent")
    page = await (await console.client.get(f"/staff/tickets/{ticket.number}")).text()
    assert "Connection check: nothing explains it" in page
    assert "RADIUS: not configured" in page
    plain = await console.wiring.services.tickets.open_ticket(
        subscriber.id, "technical", "low", "Slow", "Slow"
    )
    other = await (await console.client.get(f"/staff/tickets/{plain.number}")).text()
    assert "Connection check" not in other


@pytest.mark.parametrize(
    ("form", "field", "words"),
    [
        (
            {"priority": "urgent", "department": "technical"},
            "priority",
            "Choose one of the priorities.",
        ),
        (
            {"priority": "low", "department": "legal"},
            "department",
            "Choose one of the departments.",
        ),
    ],
)
async def test_a_bad_triage_is_refused_next_to_its_field(console, form, field, words):
    number = await opened(console)
    await console.log_in("agent")
    refused = await post(console, f"/staff/tickets/{number}/triage", **form)
    assert refused.status == 422
    assert re.search(rf'id="{field}-error">{words}', await refused.text())
    ticket = await Ticket.get(number=number)
    assert (ticket.priority, ticket.department) == ("medium", "technical")


async def test_a_ticket_is_assigned_only_to_staff_who_handle_tickets(console):
    number = await opened(console)
    await console.log_in("agent")
    for who in ("billing", "nobody-here"):
        refused = await post(console, f"/staff/tickets/{number}/assign", assignee=who)
        assert refused.status == 422
        assert "Choose a member of staff who handles tickets." in await refused.text()
    assert (await Ticket.get(number=number)).assigned_to is None
    await post(console, f"/staff/tickets/{number}/assign", assignee="Operator")
    assert (await Ticket.get(number=number)).assigned_to == "operator"


async def test_the_inbox_filters_and_pages_by_key(console, clock):
    subscriber = await make_subscriber()
    tickets = console.wiring.services.tickets
    numbers = []
    now = clock.now()
    clock.advance(timedelta(hours=-3))  # opened three hours ago, a minute apart
    for n in range(30):
        clock.advance(timedelta(minutes=1))
        view = await tickets.open_ticket(
            subscriber.id, "billing" if n % 2 else "technical", "low", f"Question {n}", "Body"
        )
        numbers.append(view.number)
    await tickets.set_priority(numbers[0], "very_high")
    await tickets.answer_as_agent(numbers[1], "Reza", "Done")
    await tickets.assign(numbers[2], "reza")
    clock.set(now)
    await console.log_in("agent")

    async def shown(query: str) -> tuple[set[int], str]:
        page = await (await console.client.get(f"/staff/tickets?{query}")).text()
        return {int(n) for n in re.findall(r'href="/staff/tickets/(\d+)" class', page)}, page

    first, page = await shown("")
    [after] = re.findall(r"after=([0-9.]+)", page)
    second, last = await shown(f"after={after}")
    assert first | second == set(numbers) - {numbers[1]}  # waiting: not the answered one
    assert len(first) == 25 and "Next page" not in last
    assert (await shown("status=answered"))[0] == {numbers[1]}
    assert (await shown("priority=very_high"))[0] == {numbers[0]}
    assert (await shown("assigned=reza"))[0] == {numbers[2]}
    assert len((await shown("department=billing&status=all"))[0]) == 15
    assert len((await shown("age=1h&status=all"))[0]) == 25
    assert (await shown("age=1d&status=all"))[0] == set()


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("status=lost", "Choose one of the states."),
        ("department=legal", "Choose one of the departments."),
        ("age=forever", "Choose one of the ages."),
        ("after=12.abc", "That page link is not valid"),
    ],
)
async def test_a_bad_filter_is_a_page_in_words(console, query, words):
    await console.log_in("agent")
    answer = await console.client.get(f"/staff/tickets?{query}")
    assert answer.status == 400 and words in await answer.text()


async def test_files_of_the_thread_come_through_the_guard(console):
    number = await opened(console, attachments=[("shot.png", "image/png", PNG)])
    await console.log_in("agent")
    page = await (await console.client.get(f"/staff/tickets/{number}")).text()
    [path] = set(re.findall(rf'"(/staff/tickets/{number}/files/\d+)"', page))
    file = await console.client.get(path)
    assert file.status == 200 and await file.read() == PNG
    assert file.headers["Content-Type"] == "image/png"
    assert (await console.client.get(f"/staff/tickets/{number}/files/999999")).status == 404
    await console.client.post("/staff/logout", data={"csrf": await console.csrf("/staff/")})
    assert (await console.client.get(path, allow_redirects=False)).status == 303


@pytest.mark.parametrize(("role", "status"), [("billing", 403), ("agent", 200), ("operator", 200)])
async def test_only_the_desk_s_roles_open_the_tickets(console, role, status):
    number = await opened(console)
    await console.log_in(role)
    for path in ("/staff/tickets", f"/staff/tickets/{number}", "/staff/canned-replies"):
        assert (await console.client.get(path)).status == status
    nav = await (await console.client.get("/staff/")).text()
    assert ('href="/staff/tickets"' in nav) is (status == 200)
    assert ('href="/staff/documents"' in nav) is (status == 200)


async def test_an_answer_without_its_csrf_token_changes_nothing(console):
    number = await opened(console)
    await console.log_in("agent")
    refused = await console.client.post(f"/staff/tickets/{number}/answer", data={"body": "Hi"})
    assert refused.status == 403
    assert await TicketMessage.filter(author_kind="agent").count() == 0


async def test_a_missing_ticket_is_a_page_in_words(console):
    await console.log_in("agent")
    for path in ("/staff/tickets/123", "/staff/tickets/99999999999"):
        answer = await console.client.get(path)
        assert answer.status == 404 and "There is no" in await answer.text()
    refused = await post(console, "/staff/tickets/123/close")
    assert refused.status == 404 and "There is no such ticket." in await refused.text()


async def test_canned_replies_are_kept_per_language_and_offered_by_the_ticket_s(console):
    number = await opened(console)  # the seed's subscriber speaks Persian
    await console.log_in("agent")

    refused = await post(console, "/staff/canned-replies", language="xx", title="", body="Hi")
    page = await refused.text()
    assert refused.status == 422
    assert re.search(r'id="new-language-error">Choose one of the languages.', page)
    assert re.search(r'id="new-title-error">Give the reply a short title.', page)
    assert await CannedReply.all().count() == 0

    await post(
        console,
        "/staff/canned-replies",
        language="fa",
        title="Restart",
        body="مودم را خاموش و روشن کنید.",
    )
    await post(
        console, "/staff/canned-replies", language="en", title="Restart", body="Restart the modem."
    )
    persian = await CannedReply.get(language="fa")
    await post(
        console,
        f"/staff/canned-replies/{persian.id}",
        language="fa",
        title="Restart the modem",
        body="لطفاً مودم را یک بار خاموش و روشن کنید.",
    )
    ticket_page = await (await console.client.get(f"/staff/tickets/{number}")).text()
    assert "Restart the modem" in ticket_page and "Restart the modem." not in ticket_page
    filled = await (await console.client.get(f"/staff/tickets/{number}?reply={persian.id}")).text()
    assert "لطفاً مودم را یک بار خاموش و روشن کنید.</textarea>" in filled

    await post(console, f"/staff/canned-replies/{persian.id}/retire")
    assert (
        "Restart the modem"
        not in await (await console.client.get(f"/staff/tickets/{number}")).text()
    )
    listing = await (await console.client.get("/staff/canned-replies")).text()
    assert "retired" in listing
    actions = (
        await AuditEntry.filter(target_type="canned_reply")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "canned_reply.add",
        "canned_reply.add",
        "canned_reply.edit",
        "canned_reply.retire",
    ]
    assert (await post(console, "/staff/canned-replies/999/retire")).status == 404


@pytest.mark.parametrize(("role", "masked"), [("agent", True), ("operator", False)])
async def test_a_lead_s_phone_is_masked_for_a_role_without_personal_data(console, role, masked):
    lead = await console.wiring.services.leads.open_lead(
        "Reza Ahmadi", "+989121234567", "Tehran, Valiasr St", None, "fa", None, None
    )
    await console.log_in(role)
    page = await (await console.client.get("/staff/tickets")).text()
    assert f"/staff/tickets/{lead.number}" in page and "Reza Ahmadi" in page
    assert ("+98912***4567" in page) is masked
    assert ("+989121234567" in page) is not masked
