"""Support tickets: the seed's departments, priorities, statuses and thread, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.accounts.models import Subscriber
from core.errors import DomainError
from core.inbox.models import OutboxMessage
from core.tickets import queries
from core.tickets.closures import Closures, pending_closure
from core.tickets.enums import AuthorKind, Department, Priority, TicketKind, TicketStatus
from core.tickets.leads import Leads
from core.tickets.models import Ticket, TicketAttachment, TicketMessage
from core.tickets.service import ByAgent, BySubscriber, Tickets
from tests.fakes import InMemoryFileStore

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64

# The seed's two tickets (partak-crm-customer-panel.fa.txt, "لیست تیکت ها").
SEED_SUBJECT = "لطفا اینترنت ما یک هفته مشکل فنی دارد بررسی فرمایید"


async def make_subscriber(username: str = "3132239700", **extra) -> Subscriber:
    values = {
        "customer_number": f"C{username}",
        "username": username,
        "password_hash": "-",
        "full_name": "کمال نصیری",
        "language": "fa",
        **extra,
    }
    return await Subscriber.create(**values)


@pytest.fixture
def files() -> InMemoryFileStore:
    return InMemoryFileStore()


@pytest.fixture
def tickets(settings, clock, files) -> Tickets:
    return Tickets(settings, clock, files)


@pytest.fixture
def leads(clock) -> Leads:
    return Leads(clock)


@pytest.fixture
def closures(clock) -> Closures:
    return Closures(clock)


async def open_seed_ticket(tickets: Tickets, subscriber: Subscriber, **extra) -> Ticket:
    values = {
        "department": Department.TECHNICAL,
        "priority": Priority.VERY_HIGH,
        "subject": SEED_SUBJECT,
        "body": "از هفته پیش اینترنت قطع و وصل می شود",
        **extra,
    }
    return await tickets.open_ticket(subscriber.id, **values)


async def error_of(awaitable) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await awaitable
    return caught.value


# -- opening -----------------------------------------------------------------------------------


async def test_opening_a_ticket_gives_a_six_digit_number_and_a_first_message_by_the_subscriber(
    db, tickets, clock
):
    kamal = await make_subscriber()
    ticket = await open_seed_ticket(tickets, kamal, channel="telegram", chat_external_id="42")

    assert 100_000 <= ticket.number <= 999_999
    assert ticket.status == TicketStatus.OPEN
    assert ticket.kind == TicketKind.SUPPORT
    assert ticket.language == "fa"
    assert (ticket.channel, ticket.chat_external_id) == ("telegram", "42")
    thread = await queries.thread(ticket.number, kamal.id)
    assert thread.subject == SEED_SUBJECT
    assert thread.department == Department.TECHNICAL
    assert thread.priority == Priority.VERY_HIGH
    [first] = thread.messages
    assert first.author_kind == AuthorKind.SUBSCRIBER
    assert first.author_name == "کمال نصیری"
    assert first.created_at == clock.now()


# Each of U+202A-U+202E and U+2066-U+2069 around a Persian subject, an English word and a name.
REVERSING = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


async def test_direction_controls_typed_in_a_ticket_are_not_stored(db, tickets, leads):
    kamal = await make_subscriber()
    ticket = await open_seed_ticket(
        tickets,
        kamal,
        subject="\u202e" + SEED_SUBJECT + "\u202c",
        body="\u2067router\u2069 " + REVERSING + "قطع است",
    )
    await tickets.reply_as_subscriber(ticket.number, kamal.id, "\u202dok\u202c\u200f")
    lead = await leads.open_lead(
        contact_name="\u202eBudi Santoso",
        contact_phone="0812-3456-7890",
        address="Jl. Merdeka\u2066 10\u2069",
        plan_wanted="\u202bRumah 10 Mbps",
        language="id",
        channel="whatsapp",
        chat_external_id="+6281234567890",
    )

    thread = await queries.thread(ticket.number, kamal.id)
    assert thread.subject == SEED_SUBJECT
    assert [m.body for m in thread.messages] == ["router قطع است", "ok\u200f"]  # a mark stays
    assert lead.contact_name == "Budi Santoso"
    [message] = (await queries.thread(lead.number, None)).messages
    assert "Jl. Merdeka 10" in message.body and "\u202b" not in message.body
    error = await error_of(open_seed_ticket(tickets, kamal, subject=REVERSING))
    assert error.code == "subject_required"  # nothing but controls is nothing


async def test_a_ticket_number_already_taken_is_drawn_again(db, settings, clock, files):
    kamal = await make_subscriber()
    draws = iter([469627, 469627, 469627, 512340])
    tickets = Tickets(settings, clock, files, numbers=lambda: next(draws))

    first = await open_seed_ticket(tickets, kamal)
    second = await open_seed_ticket(tickets, kamal)

    assert (first.number, second.number) == (469627, 512340)
    assert await Ticket.all().count() == 2
    assert await TicketMessage.all().count() == 2


async def test_when_every_number_drawn_is_taken_the_ticket_is_refused_whole(
    db, settings, clock, files
):
    kamal = await make_subscriber()
    tickets = Tickets(settings, clock, files, numbers=lambda: 111111)
    await open_seed_ticket(tickets, kamal)

    error = await error_of(open_seed_ticket(tickets, kamal))

    assert error.code == "ticket_number_unavailable"
    assert await Ticket.all().count() == 1
    assert await TicketMessage.all().count() == 1


@pytest.mark.parametrize(
    ("field", "value", "code", "details"),
    [
        ("subject", "", "subject_required", {}),
        ("subject", "   ", "subject_required", {}),
        ("subject", "x" * 201, "subject_too_long", {"max_length": 200, "length": 201}),
        ("body", "", "body_required", {}),
        ("body", "x" * 10_001, "body_too_long", {"max_length": 10_000, "length": 10_001}),
        ("department", "legal", "department_invalid", {"value": "legal"}),
        ("priority", "urgent", "priority_invalid", {"value": "urgent"}),
    ],
)
async def test_a_bad_ticket_form_is_refused_with_a_code_and_nothing_is_written(
    db, tickets, field, value, code, details
):
    kamal = await make_subscriber()

    error = await error_of(open_seed_ticket(tickets, kamal, **{field: value}))

    assert error.code == code
    assert details.items() <= error.details.items()
    assert await Ticket.all().count() == 0


async def test_department_and_priority_are_accepted_by_their_codes(db, tickets):
    kamal = await make_subscriber()
    ticket = await open_seed_ticket(tickets, kamal, department="billing", priority="low")
    assert (ticket.department, ticket.priority) == (Department.BILLING, Priority.LOW)


async def test_a_ticket_for_an_unknown_subscriber_is_refused(db, tickets):
    error = await error_of(
        tickets.open_ticket(999, Department.TECHNICAL, Priority.LOW, "subject", "body")
    )
    assert (error.code, error.details) == ("subscriber_not_found", {"subscriber_id": 999})


# -- attachments -------------------------------------------------------------------------------


async def test_attachments_are_stored_through_the_file_store_and_listed_in_the_thread(
    db, tickets, files
):
    kamal = await make_subscriber()
    ticket = await open_seed_ticket(
        tickets,
        kamal,
        attachments=[("modem.png", "image/png", PNG), ("receipt.pdf", "application/pdf", PDF)],
    )

    [message] = (await queries.thread(ticket.number, kamal.id)).messages
    assert [(a.filename, a.content_type, a.size) for a in message.attachments] == [
        ("modem.png", "image/png", len(PNG)),
        ("receipt.pdf", "application/pdf", len(PDF)),
    ]
    assert sorted(data for data, _, _ in files.files.values()) == sorted([PNG, PDF])
    got = await tickets.open_attachment(ticket.number, kamal.id, message.attachments[1].id)
    assert (got.filename, got.content_type, got.data) == ("receipt.pdf", "application/pdf", PDF)


async def test_an_attachment_over_the_size_limit_is_refused_before_anything_is_stored(
    db, settings, clock, files
):
    kamal = await make_subscriber()
    small = settings.model_copy(update={"attachment_max_bytes": 50})
    tickets = Tickets(small, clock, files)

    error = await error_of(
        open_seed_ticket(tickets, kamal, attachments=[("modem.png", "image/png", PNG)])
    )

    assert error.code == "attachment_too_large"
    assert error.details == {"filename": "modem.png", "size": len(PNG), "max_bytes": 50}
    assert files.files == {}
    assert await Ticket.all().count() == 0


@pytest.mark.parametrize(
    ("attachment", "code"),
    [
        (("setup.exe", "application/x-msdownload", b"MZ\x90\x00"), "attachment_type_not_allowed"),
        # Declared a screenshot, but the bytes are not a PNG.
        (("modem.png", "image/png", b"MZ\x90\x00" * 8), "attachment_type_not_allowed"),
        (("empty.png", "image/png", b""), "attachment_empty"),
    ],
)
async def test_an_attachment_of_a_type_not_allowed_is_refused(db, tickets, files, attachment, code):
    kamal = await make_subscriber()

    error = await error_of(open_seed_ticket(tickets, kamal, attachments=[attachment]))

    assert error.code == code
    assert error.details["filename"] == attachment[0]
    assert files.files == {}


async def test_a_type_with_parameters_is_judged_by_its_media_type(db, tickets):
    kamal = await make_subscriber()
    ticket = await open_seed_ticket(
        tickets, kamal, attachments=[("r.pdf", "Application/PDF; name=r.pdf", PDF)]
    )
    [message] = (await queries.thread(ticket.number, kamal.id)).messages
    assert message.attachments[0].content_type == "application/pdf"


async def test_more_than_five_attachments_are_refused(db, tickets):
    kamal = await make_subscriber()
    error = await error_of(
        open_seed_ticket(tickets, kamal, attachments=[("a.png", "image/png", PNG)] * 6)
    )
    assert (error.code, error.details) == ("too_many_attachments", {"count": 6, "max_count": 5})


# -- leads and closure ---------------------------------------------------------------------------


async def test_a_registration_request_is_a_sales_ticket_without_a_subscriber(db, leads):
    lead = await leads.open_lead(
        contact_name="Budi Santoso",
        contact_phone="0812-3456-7890",
        address="Jl. Merdeka 10, Bandung",
        plan_wanted="Rumah 10 Mbps",
        language="id",
        channel="whatsapp",
        chat_external_id="+6281234567890",
    )

    assert lead.kind == TicketKind.REGISTRATION
    assert lead.department == Department.SALES
    assert lead.subscriber_id is None  # type: ignore[attr-defined]
    assert (lead.contact_name, lead.contact_phone) == ("Budi Santoso", "+6281234567890")
    assert lead.language == "id"
    assert 100_000 <= lead.number <= 999_999
    [message] = (await queries.thread(lead.number, None)).messages
    assert "Jl. Merdeka 10, Bandung" in message.body
    assert "Rumah 10 Mbps" in message.body


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"contact_name": " "}, "contact_name_required"),
        ({"contact_phone": "12"}, "contact_phone_invalid"),
        ({"address": ""}, "address_required"),
        ({"language": "de"}, "language_not_supported"),
    ],
)
async def test_a_bad_registration_request_is_refused(db, leads, changes, code):
    values = {
        "contact_name": "Budi",
        "contact_phone": "+6281234567890",
        "address": "Bandung",
        "plan_wanted": None,
        "language": "id",
        "channel": "web",
        "chat_external_id": "abc",
        **changes,
    }
    error = await error_of(leads.open_lead(**values))
    assert error.code == code
    assert await Ticket.all().count() == 0


async def test_a_lead_is_visible_to_no_subscriber(db, leads):
    kamal = await make_subscriber()
    lead = await leads.open_lead("Budi", "+6281234567890", "Bandung", None, "id", None, None)

    error = await error_of(queries.thread(lead.number, kamal.id))

    assert error.code == "ticket_not_found"
    assert await queries.list_tickets(kamal.id) == []


async def test_a_closure_request_is_a_billing_ticket_and_a_second_waits_for_the_first(
    db, tickets, closures
):
    kamal = await make_subscriber()
    closure = await closures.request_closure(kamal.id, "Moving to another city")

    assert (closure.kind, closure.department) == (TicketKind.CLOSURE, Department.BILLING)
    error = await error_of(closures.request_closure(kamal.id, "again"))
    assert (error.code, error.details) == (
        "closure_already_requested",
        {"ticket_number": closure.number},
    )

    await tickets.close(closure.number, ByAgent("Sara"))
    again = await closures.request_closure(kamal.id, "Still moving")
    assert again.number != closure.number


async def test_a_closure_request_needs_a_reason(db, closures):
    kamal = await make_subscriber()
    assert (await error_of(closures.request_closure(kamal.id, ""))).code == "reason_required"


async def test_the_pending_closure_request_is_the_one_not_closed_yet(db, tickets, closures):
    kamal = await make_subscriber()
    assert await pending_closure(kamal.id) is None

    closure = await closures.request_closure(kamal.id, "Moving to another city")

    pending = await pending_closure(kamal.id)
    assert pending is not None
    assert (pending.number, pending.status) == (closure.number, TicketStatus.OPEN)
    await tickets.close(closure.number, ByAgent("Sara"))
    assert await pending_closure(kamal.id) is None


# -- the thread --------------------------------------------------------------------------------


async def test_an_agent_answer_marks_the_ticket_answered_and_tells_the_subscriber(
    db, tickets, clock
):
    kamal = await make_subscriber()
    ticket = await open_seed_ticket(tickets, kamal, channel="telegram", chat_external_id="42")
    clock.advance(timedelta(hours=2))

    answer = await tickets.answer_as_agent(ticket.number, "Sara", "Please restart the modem.")

    thread = await queries.thread(ticket.number, kamal.id)
    assert thread.status == TicketStatus.ANSWERED
    assert thread.updated_at == clock.now()
    assert [(m.author_kind, m.author_name) for m in thread.messages] == [
        (AuthorKind.SUBSCRIBER, "کمال نصیری"),
        (AuthorKind.AGENT, "Sara"),
    ]
    [notice] = await OutboxMessage.all()
    assert notice.subscriber_id == kamal.id  # type: ignore[attr-defined]
    assert notice.kind == "ticket_answered"
    assert notice.dedup_key == f"ticket_answered:{answer.id}"
    assert notice.params["ticket_number"] == ticket.number
    assert notice.params["agent_name"] == "Sara"
    assert notice.params["channel"] == "telegram"
    assert notice.sent_at is None


async def test_every_agent_answer_tells_the_subscriber_once(db, tickets):
    kamal = await make_subscriber()
    ticket = await open_seed_ticket(tickets, kamal)
    first = await tickets.answer_as_agent(ticket.number, "Sara", "First")
    second = await tickets.answer_as_agent(ticket.number, "Sara", "Second")

    keys = await OutboxMessage.all().order_by("id").values_list("dedup_key", flat=True)
    assert keys == [f"ticket_answered:{first.id}", f"ticket_answered:{second.id}"]


async def test_an_internal_note_is_hidden_from_the_subscriber_and_tells_no_one(db, tickets):
    kamal = await make_subscriber()
    ticket = await open_seed_ticket(tickets, kamal)

    await tickets.answer_as_agent(ticket.number, "Sara", "Line is on DSLAM 4", internal=True)

    mine = await queries.thread(ticket.number, kamal.id, include_internal=True)
    assert mine.status == TicketStatus.OPEN
    assert [m.author_kind for m in mine.messages] == [AuthorKind.SUBSCRIBER]
    staff = await queries.thread(ticket.number, None, include_internal=True)
    assert [m.internal for m in staff.messages] == [False, True]
    assert await OutboxMessage.all().count() == 0


async def test_an_internal_notes_file_is_not_reachable_by_the_subscriber(db, tickets):
    kamal = await make_subscriber()
    ticket = await open_seed_ticket(tickets, kamal)
    await tickets.answer_as_agent(
        ticket.number, "Sara", "trace", attachments=[("t.png", "image/png", PNG)], internal=True
    )
    attachment = await TicketAttachment.get()

    error = await error_of(tickets.open_attachment(ticket.number, kamal.id, attachment.id))

    assert error.code == "attachment_not_found"
    staff = await tickets.open_attachment(ticket.number, None, attachment.id)
    assert staff.data == PNG


async def test_answering_a_lead_writes_no_notification(db, tickets, leads):
    lead = await leads.open_lead("Budi", "+6281234567890", "Bandung", None, "id", None, None)
    await tickets.answer_as_agent(lead.number, "Sales", "We will call you tomorrow")
    assert (await Ticket.get(number=lead.number)).status == TicketStatus.ANSWERED
    assert await OutboxMessage.all().count() == 0


async def test_a_subscriber_reply_puts_the_ticket_back_to_the_agents(db, tickets):
    kamal = await make_subscriber()
    ticket = await open_seed_ticket(tickets, kamal)
    await tickets.answer_as_agent(ticket.number, "Sara", "Restart the modem")

    await tickets.reply_as_subscriber(
        ticket.number, kamal.id, "Still down", attachments=[("m.png", "image/png", PNG)]
    )

    thread = await queries.thread(ticket.number, kamal.id)
    assert thread.status == TicketStatus.CUSTOMER_REPLY
    assert thread.messages[-1].body == "Still down"
    assert thread.messages[-1].attachments[0].filename == "m.png"


async def test_replying_to_a_closed_ticket_reopens_it(db, tickets):
    kamal = await make_subscriber()
    ticket = await open_seed_ticket(tickets, kamal)
    await tickets.close(ticket.number, BySubscriber(kamal.id))

    await tickets.reply_as_subscriber(ticket.number, kamal.id, "It broke again")

    reopened = await Ticket.get(number=ticket.number)
    assert reopened.status == TicketStatus.CUSTOMER_REPLY
    assert reopened.closed_at is None


async def test_an_agent_needs_a_name_and_a_body(db, tickets):
    kamal = await make_subscriber()
    ticket = await open_seed_ticket(tickets, kamal)
    assert (await error_of(tickets.answer_as_agent(ticket.number, " ", "x"))).code == (
        "agent_name_required"
    )
    assert (await error_of(tickets.answer_as_agent(ticket.number, "Sara", ""))).code == (
        "body_required"
    )


async def test_the_open_ticket_of_a_chat_is_its_latest_one_not_closed(db, tickets, clock):
    kamal = await make_subscriber()
    sms = {"channel": "sms", "chat_external_id": "+989121234567"}
    older = await open_seed_ticket(tickets, kamal, **sms)
    clock.advance(timedelta(minutes=1))
    newer = await open_seed_ticket(tickets, kamal, **sms)
    clock.advance(timedelta(minutes=1))
    await open_seed_ticket(tickets, kamal, channel="telegram", chat_external_id="42")

    found = await queries.open_ticket_in_chat(kamal.id, **sms)
    assert found is not None
    assert found.number == newer.number

    await tickets.close(newer.number, BySubscriber(kamal.id))
    found = await queries.open_ticket_in_chat(kamal.id, **sms)
    assert found is not None
    assert found.number == older.number
    await tickets.close(older.number, BySubscriber(kamal.id))
    assert await queries.open_ticket_in_chat(kamal.id, **sms) is None
    other = await make_subscriber("3132239701")
    assert await queries.open_ticket_in_chat(other.id, "telegram", "42") is None


async def test_a_notices_files_are_read_from_the_ticket_and_never_from_an_internal_note(
    db, tickets, files
):
    kamal = await make_subscriber()
    ticket = await open_seed_ticket(tickets, kamal)
    answer = await tickets.answer_as_agent(
        ticket.number, "Sara", "See these", attachments=[("a.png", "image/png", PNG)]
    )
    note = await tickets.answer_as_agent(
        ticket.number,
        "Sara",
        "trace",
        attachments=[("t.pdf", "application/pdf", PDF)],
        internal=True,
    )
    ids = [answer.attachments[0].id, note.attachments[0].id]

    found = await queries.attachment_files(files, ticket.number, ids)

    assert [(f.filename, f.content_type, f.data) for f in found] == [("a.png", "image/png", PNG)]
    other = await open_seed_ticket(tickets, kamal)
    assert await queries.attachment_files(files, other.number, ids) == []


# -- someone else's ticket ---------------------------------------------------------------------


async def test_another_subscribers_ticket_answers_exactly_like_a_missing_one(db, tickets):
    kamal = await make_subscriber()
    other = await make_subscriber("3132239701", full_name="Other")
    ticket = await open_seed_ticket(tickets, kamal)
    await tickets.close(ticket.number, ByAgent("Sara"))

    attempts = [
        queries.thread(ticket.number, other.id),
        tickets.reply_as_subscriber(ticket.number, other.id, "hi"),
        tickets.close(ticket.number, BySubscriber(other.id)),
        tickets.reopen(ticket.number, BySubscriber(other.id)),
        tickets.rate(ticket.number, other.id, 5),
        tickets.open_attachment(ticket.number, other.id, 1),
    ]
    for attempt in attempts:
        error = await error_of(attempt)
        assert (error.code, error.details) == ("ticket_not_found", {"ticket_number": ticket.number})
    missing = await error_of(queries.thread(123, other.id))
    assert (missing.code, missing.details) == ("ticket_not_found", {"ticket_number": 123})
    assert await queries.list_tickets(other.id) == []
    unchanged = await Ticket.get(number=ticket.number)
    assert (unchanged.status, unchanged.satisfaction) == (TicketStatus.CLOSED, None)
    assert await TicketMessage.all().count() == 1


# -- closing, reopening, the survey --------------------------------------------------------------


async def test_an_agent_closing_a_ticket_tells_the_subscriber_and_asks_for_a_rating(
    db, tickets, clock
):
    kamal = await make_subscriber()
    ticket = await open_seed_ticket(tickets, kamal)

    closed = await tickets.close(ticket.number, ByAgent("Sara"))
    again = await tickets.close(ticket.number, ByAgent("Sara"))

    assert closed.status == again.status == TicketStatus.CLOSED
    assert closed.closed_at == clock.now()
    [notice] = await OutboxMessage.all()
    assert notice.kind == "ticket_closed"
    assert notice.params["ticket_number"] == ticket.number


async def test_a_subscriber_closing_their_own_ticket_needs_no_notification(db, tickets):
    kamal = await make_subscriber()
    ticket = await open_seed_ticket(tickets, kamal)
    await tickets.close(ticket.number, BySubscriber(kamal.id))
    assert (await Ticket.get(number=ticket.number)).status == TicketStatus.CLOSED
    assert await OutboxMessage.all().count() == 0


async def test_a_closed_ticket_can_be_reopened_and_an_open_one_stays_as_it_is(db, tickets):
    kamal = await make_subscriber()
    ticket = await open_seed_ticket(tickets, kamal)
    await tickets.answer_as_agent(ticket.number, "Sara", "Done")

    assert (await tickets.reopen(ticket.number, ByAgent("Sara"))).status == TicketStatus.ANSWERED
    await tickets.close(ticket.number, BySubscriber(kamal.id))
    reopened = await tickets.reopen(ticket.number, BySubscriber(kamal.id))

    assert reopened.status == TicketStatus.OPEN
    assert (await Ticket.get(number=ticket.number)).closed_at is None


async def test_a_ticket_is_rated_once_it_is_closed_and_only_once(db, tickets):
    kamal = await make_subscriber()
    ticket = await open_seed_ticket(tickets, kamal)

    early = await error_of(tickets.rate(ticket.number, kamal.id, 5))
    assert (early.code, early.details) == (
        "ticket_not_closed",
        {"ticket_number": ticket.number, "status": "open"},
    )

    await tickets.close(ticket.number, ByAgent("Sara"))
    assert (await tickets.rate(ticket.number, kamal.id, 4)).satisfaction == 4
    assert (await tickets.rate(ticket.number, kamal.id, 4)).satisfaction == 4  # a double tap
    changed = await error_of(tickets.rate(ticket.number, kamal.id, 1))
    assert (changed.code, changed.details) == (
        "ticket_already_rated",
        {"ticket_number": ticket.number, "score": 4},
    )
    assert (await Ticket.get(number=ticket.number)).satisfaction == 4


@pytest.mark.parametrize("score", [0, 6, -1, True, 4.5])
async def test_a_rating_outside_one_to_five_is_refused(db, tickets, score):
    kamal = await make_subscriber()
    ticket = await open_seed_ticket(tickets, kamal)
    await tickets.close(ticket.number, ByAgent("Sara"))

    error = await error_of(tickets.rate(ticket.number, kamal.id, score))

    assert (error.code, error.details) == (
        "rating_out_of_range",
        {"score": score, "min": 1, "max": 5},
    )


# -- triage ------------------------------------------------------------------------------------


async def test_agents_change_priority_and_department_and_assign_the_ticket(db, tickets, clock):
    kamal = await make_subscriber()
    ticket = await open_seed_ticket(tickets, kamal)
    clock.advance(timedelta(minutes=5))

    await tickets.set_priority(ticket.number, "high")
    await tickets.set_department(ticket.number, Department.BILLING)
    await tickets.assign(ticket.number, "Sara")

    stored = await Ticket.get(number=ticket.number)
    assert (stored.priority, stored.department, stored.assigned_to) == (
        Priority.HIGH,
        Department.BILLING,
        "Sara",
    )
    assert stored.updated_at == clock.now()
    assert (await tickets.assign(ticket.number, None)).assigned_to is None
    bad = await error_of(tickets.set_priority(ticket.number, "urgent"))
    assert bad.code == "priority_invalid"
    assert (await error_of(tickets.set_department(999, "billing"))).code == "ticket_not_found"


# -- the list ----------------------------------------------------------------------------------


async def test_the_list_shows_the_subscribers_own_tickets_most_recently_active_first(
    db, tickets, clock
):
    kamal = await make_subscriber()
    other = await make_subscriber("3132239701")
    older = await open_seed_ticket(tickets, kamal, subject="Slow at night", priority="low")
    clock.advance(timedelta(hours=1))
    newer = await open_seed_ticket(tickets, kamal)
    await open_seed_ticket(tickets, other, subject="Not mine")
    clock.advance(timedelta(hours=1))
    await tickets.answer_as_agent(older.number, "Sara", "Fixed")

    rows = await queries.list_tickets(kamal.id)

    assert [(r.number, r.subject, r.priority, r.status) for r in rows] == [
        (older.number, "Slow at night", Priority.LOW, TicketStatus.ANSWERED),
        (newer.number, SEED_SUBJECT, Priority.VERY_HIGH, TicketStatus.OPEN),
    ]
    assert rows[0].department == Department.TECHNICAL
    assert rows[0].created_at < rows[1].created_at
    assert [r.number for r in await queries.list_tickets(kamal.id, limit=1)] == [older.number]
