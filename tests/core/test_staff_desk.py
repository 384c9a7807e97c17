"""The console's desk in the core, on SQLite and PostgreSQL: the inbox's key survives its own
round trip and pages every ticket once even when they changed in the same microsecond; a
ticket's change and its audit entry are one (a refused change leaves neither); canned replies
are checked field by field and audited; a document's verdict names its reviewer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from core.accounts.document_reviews import DocumentReviews
from core.alerts import kinds
from core.clock import FixedClock
from core.config import Settings
from core.errors import FieldErrors, InvalidInput, NotFound
from core.handoff.service import Handoff
from core.inbox.models import OutboxMessage
from core.staff.audit import Actor
from core.staff.canned import CannedReplies, canned_replies
from core.staff.desk import StaffDesk
from core.staff.desk_queries import PageKey, StatusFilter, TicketFilters, ticket_inbox
from core.staff.models import AuditEntry, StaffMember
from core.tickets.enums import Priority
from core.tickets.models import Ticket, TicketMessage
from core.tickets.service import Tickets
from tests.conftest import NOW
from tests.core.test_accounts_support import make_subscriber
from tests.fakes import InMemoryFileStore

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60


def settings() -> Settings:
    return Settings(_env_file=None, argon2_memory_kib=1024, argon2_time_cost=1)


async def member(username: str = "mina", role: str = "agent") -> Actor:
    row = await StaffMember.create(
        username=username, full_name=username.title(), role=role, password_hash="-", created_at=NOW
    )
    return Actor(row.id, row.username)


def desk(clock: FixedClock, files: InMemoryFileStore | None = None) -> StaffDesk:
    files = files or InMemoryFileStore()
    tickets = Tickets(settings(), clock, files)
    handoff = Handoff(settings(), clock, tickets)
    return StaffDesk(clock, tickets, handoff, DocumentReviews(settings(), clock, files))


def test_a_page_key_reads_back_what_it_wrote(db):
    key = PageKey(datetime(2026, 11, 24, 7, 0, 0, 123456, tzinfo=UTC), 42)
    assert PageKey.parse(str(key)) == key
    for bad in ("1.x", "-1.2", "1", "99999999999999999999.1", "1.99999999999"):
        with pytest.raises(InvalidInput):
            PageKey.parse(bad)


async def test_the_inbox_pages_every_ticket_once_even_with_one_moment_shared(db):
    clock = FixedClock(NOW)
    subscriber = await make_subscriber()
    tickets = Tickets(settings(), clock, InMemoryFileStore())
    numbers = set()
    for n in range(12):
        if n % 4 == 0:
            clock.advance(timedelta(seconds=1))  # three tickets share each moment
        view = await tickets.open_ticket(subscriber.id, "technical", "low", f"Q{n}", "Body")
        numbers.add(view.number)
    seen: list[int] = []
    after = None
    filters = TicketFilters(status=StatusFilter.ALL)
    while True:
        page = await ticket_inbox(filters, clock.now(), after, limit=5)
        seen += [row.ticket.number for row in page.rows]
        if page.next_after is None:
            break
        after = PageKey.parse(str(page.next_after))
    assert sorted(seen) == sorted(numbers) and len(seen) == 12


async def test_a_refused_triage_leaves_neither_change_nor_entry(db):
    clock = FixedClock(NOW)
    subscriber = await make_subscriber()
    staff = desk(clock)
    view = await staff.tickets.open_ticket(subscriber.id, "technical", "low", "Slow", "Body")
    mina = await member()
    with pytest.raises(InvalidInput):
        await staff.triage(mina, view.number, "high", "legal")
    assert (await Ticket.get(number=view.number)).priority == Priority.LOW
    assert await AuditEntry.all().count() == 0
    assert await TicketMessage.filter(internal=True).count() == 0

    changed = await staff.triage(mina, view.number, "high", "technical")
    assert changed.priority == Priority.HIGH
    [entry] = await AuditEntry.all()
    assert entry.before == {"priority": "low", "department": "technical"}
    assert entry.after == {"priority": "high", "department": "technical"}


async def test_a_missing_ticket_is_not_found_and_writes_nothing(db):
    staff = desk(FixedClock(NOW))
    mina = await member()
    for act in (
        staff.answer(mina, 123, "Hello"),
        staff.close(mina, 123),
        staff.assign(mina, 123, "mina"),
    ):
        with pytest.raises(NotFound):
            await act
    assert await AuditEntry.all().count() == 0


async def test_canned_replies_are_checked_field_by_field_and_audited(db):
    clock = FixedClock(NOW)
    canned = CannedReplies(clock)
    mina = await member()
    with pytest.raises(FieldErrors) as refused:
        await canned.add(mina, "de", " ", "x" * 10_001)
    assert refused.value.details["fields"] == [
        ("language", "unknown_language"),
        ("title", "title_required"),
        ("body", "body_too_long"),
    ]
    added = await canned.add(mina, "id", "Restart", "Silakan nyalakan ulang modem.")
    clock.advance(timedelta(minutes=1))
    same = await canned.edit(mina, added.id, "id", "Restart", "Silakan nyalakan ulang modem.")
    assert same.updated_at == NOW  # nothing changed, nothing written
    await canned.retire(mina, added.id)
    await canned.retire(mina, added.id)
    assert await canned_replies("id") == []
    assert [r.active for r in await canned_replies("id", include_retired=True)] == [False]
    actions = await AuditEntry.all().order_by("id").values_list("action", flat=True)
    assert actions == ["canned_reply.add", "canned_reply.retire"]


async def test_a_verdict_from_the_console_names_its_reviewer(db):
    clock = FixedClock(NOW)
    files = InMemoryFileStore()
    staff = desk(clock, files)
    subscriber = await make_subscriber()
    copy = await staff.reviews.upload_document(
        subscriber.id, "lease", "lease.jpg", "image/jpeg", JPEG
    )
    mina = await member()
    reviewed = await staff.review_document(mina, copy.id, False, "expired", "Ended in 2024")
    assert (reviewed.reviewed_by, reviewed.reject_code, reviewed.reject_reason) == (
        "mina",
        "expired",
        "Ended in 2024",
    )


async def test_two_members_closing_at_once_close_and_note_it_once(pg):
    clock = FixedClock(NOW)
    subscriber = await make_subscriber()
    staff = desk(clock)
    view = await staff.tickets.open_ticket(subscriber.id, "billing", "low", "Refund", "Body")
    mina, reza = await member("mina"), await member("reza")

    await asyncio.gather(staff.close(mina, view.number), staff.close(reza, view.number))

    assert await TicketMessage.filter(internal=True, body="/close").count() == 1
    assert await AuditEntry.filter(action="ticket.close").count() == 1
    assert await OutboxMessage.filter(kind=kinds.TICKET_CLOSED).count() == 1
