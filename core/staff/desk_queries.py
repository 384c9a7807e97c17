"""The console's desk lists, paged by key (a page starts after the last row seen, so the
thousandth page costs what the first does): the tickets' inbox with its filters, and the
documents' review queue and history. Plain reads, frozen dataclasses out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise.expressions import Q

from core.accounts.enums import DocumentStatus
from core.accounts.models import Document
from core.accounts.queries import DocumentForReview
from core.errors import InvalidInput
from core.tickets.enums import Department, Priority, TicketStatus
from core.tickets.models import Ticket
from core.tickets.queries import TicketView
from core.tickets.records import enum_field

PAGE_SIZE = 25
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
MAX_ID = 2**31 - 1


# ---- the key a page starts after ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PageKey:
    """The last row of a page: its time and id, written ``<microseconds since 1970>.<id>``."""

    at: datetime
    id: int

    def __str__(self) -> str:
        return f"{(self.at - _EPOCH) // _MICROSECOND}.{self.id}"

    @classmethod
    def parse(cls, text: str | None) -> PageKey | None:
        """None for no key; ``invalid_page`` for one the console did not write."""
        if not text:
            return None
        moment, _, row = text.partition(".")
        if not (moment.isascii() and moment.isdigit() and row.isascii() and row.isdigit()):
            raise InvalidInput("invalid_page", field="after")
        if len(moment) > 17 or int(row) > MAX_ID:
            raise InvalidInput("invalid_page", field="after")
        return cls(_EPOCH + int(moment) * _MICROSECOND, int(row))


def _after(field: str, key: PageKey, *, descending: bool) -> Q:
    past = "lt" if descending else "gt"
    earlier: dict[str, Any] = {f"{field}__{past}": key.at}
    same: dict[str, Any] = {field: key.at, f"id__{past}": key.id}
    return Q(**earlier) | Q(**same)


# ---- tickets -----------------------------------------------------------------------------


class StatusFilter(StrEnum):
    # Open or with the subscriber's reply: what the team owes an answer.
    WAITING = "waiting"
    OPEN = "open"
    CUSTOMER_REPLY = "customer_reply"
    ANSWERED = "answered"
    CLOSED = "closed"
    ALL = "all"


_STATUSES = {
    StatusFilter.WAITING: (TicketStatus.OPEN, TicketStatus.CUSTOMER_REPLY),
    StatusFilter.OPEN: (TicketStatus.OPEN,),
    StatusFilter.CUSTOMER_REPLY: (TicketStatus.CUSTOMER_REPLY,),
    StatusFilter.ANSWERED: (TicketStatus.ANSWERED,),
    StatusFilter.CLOSED: (TicketStatus.CLOSED,),
    StatusFilter.ALL: (),
}

# "Waiting longer than": the time since the ticket last changed.
AGES = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "3d": timedelta(days=3),
        "7d": timedelta(days=7)}  # fmt: skip
UNASSIGNED = "-"
ASSIGNEE_MAX_LENGTH = 120


@dataclass(frozen=True, slots=True)
class TicketFilters:
    status: StatusFilter = StatusFilter.WAITING
    department: Department | None = None
    priority: Priority | None = None
    # A key of AGES, or None for any age.
    age: str | None = None
    # Whose the ticket is: a name, UNASSIGNED, or None for anyone's.
    assigned: str | None = None

    @classmethod
    def parse(
        cls,
        status: str = "",
        department: str = "",
        priority: str = "",
        age: str = "",
        assigned: str = "",
    ) -> TicketFilters:
        """From a query string: "" is "any". Codes: ``status_invalid``, ``department_invalid``,
        ``priority_invalid``, ``age_invalid``, ``assigned_too_long``."""
        if age and age not in AGES:
            raise InvalidInput("age_invalid", field="age")
        if len(assigned) > ASSIGNEE_MAX_LENGTH:
            raise InvalidInput("assigned_too_long", field="assigned")
        return cls(
            status=enum_field(StatusFilter, status or StatusFilter.WAITING.value, "status"),
            department=enum_field(Department, department, "department") if department else None,
            priority=enum_field(Priority, priority, "priority") if priority else None,
            age=age or None,
            assigned=assigned.strip() or None,
        )


@dataclass(frozen=True, slots=True)
class InboxRow:
    ticket: TicketView
    # Whose line it is (None for a lead's ticket).
    username: str | None
    full_name: str | None


@dataclass(frozen=True, slots=True)
class InboxPage:
    rows: tuple[InboxRow, ...]
    # Where the next page starts; None on the last one.
    next_after: PageKey | None


async def ticket_inbox(
    filters: TicketFilters, now: datetime, after: PageKey | None = None, limit: int = PAGE_SIZE
) -> InboxPage:
    """Tickets matching ``filters``, most recently changed first."""
    rows = Ticket.all().select_related("subscriber")
    statuses = _STATUSES[filters.status]
    if statuses:
        rows = rows.filter(status__in=statuses)
    if filters.department is not None:
        rows = rows.filter(department=filters.department)
    if filters.priority is not None:
        rows = rows.filter(priority=filters.priority)
    if filters.age is not None:
        rows = rows.filter(updated_at__lte=now - AGES[filters.age])
    if filters.assigned == UNASSIGNED:
        rows = rows.filter(assigned_to__isnull=True)
    elif filters.assigned is not None:
        rows = rows.filter(assigned_to=filters.assigned)
    if after is not None:
        rows = rows.filter(_after("updated_at", after, descending=True))
    found = await rows.order_by("-updated_at", "-id").limit(limit + 1)
    page = found[:limit]
    return InboxPage(
        rows=tuple(
            InboxRow(
                TicketView.of(t),
                t.subscriber.username if t.subscriber else None,
                t.subscriber.full_name if t.subscriber else None,
            )
            for t in page
        ),
        next_after=PageKey(page[-1].updated_at, page[-1].id) if len(found) > limit else None,
    )


async def assignees() -> list[str]:
    """The names tickets are assigned to now (the console's staff and the group's agents)."""
    names = (
        await Ticket.filter(assigned_to__isnull=False)
        .distinct()
        .order_by("assigned_to")
        .values_list("assigned_to", flat=True)
    )
    return [str(name) for name in names]


# ---- documents ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentPage:
    rows: tuple[DocumentForReview, ...]
    next_after: PageKey | None


async def document_queue(
    status: DocumentStatus, after: PageKey | None = None, limit: int = PAGE_SIZE
) -> DocumentPage:
    """Copies waiting for review oldest first (the queue); reviewed ones (approved or
    rejected) latest verdict first (the history)."""
    rows = Document.filter(status=status).select_related("subscriber")
    if status == DocumentStatus.PENDING:
        field, descending = "uploaded_at", False
    else:
        field, descending = "reviewed_at", True
        rows = rows.filter(reviewed_at__isnull=False)
    if after is not None:
        rows = rows.filter(_after(field, after, descending=descending))
    order = (f"-{field}", "-id") if descending else (field, "id")
    found = await rows.order_by(*order).limit(limit + 1)
    page = found[:limit]
    last = page[-1] if page else None
    return DocumentPage(
        rows=tuple(DocumentForReview.of(row) for row in page),
        next_after=PageKey(getattr(last, field), last.id)
        if last is not None and len(found) > limit
        else None,
    )
