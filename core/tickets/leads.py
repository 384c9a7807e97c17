"""Leads: a registration request from someone who is not a subscriber yet. It is a Sales ticket
without a subscriber, whose number is the lead number the person is given, so the sales team
answers it in the agents' group like any other ticket."""

from __future__ import annotations

from collections.abc import Callable

from tortoise.transactions import in_transaction

from core.accounts.phones import normalise_phone
from core.errors import InvalidInput
from core.ports import Clock
from core.tickets.enums import AuthorKind, Department, Priority, TicketKind
from core.tickets.limits import ADDRESS_MAX_LENGTH, NAME_MAX_LENGTH, SUBJECT_MAX_LENGTH
from core.tickets.queries import TicketView
from core.tickets.records import add_message, create_ticket, random_number, text_field
from core.typed_text import without_direction_controls

LANGUAGES = ("fa", "id", "en")


class Leads:
    def __init__(self, clock: Clock, *, numbers: Callable[[], int] = random_number) -> None:
        self.clock = clock
        self._numbers = numbers

    async def open_lead(
        self,
        contact_name: str,
        contact_phone: str,
        address: str,
        plan_wanted: str | None,
        language: str,
        channel: str | None,
        chat_external_id: str | None,
    ) -> TicketView:
        """The request as a Sales ticket of kind REGISTRATION, its details in the first message."""
        if language not in LANGUAGES:
            raise InvalidInput("language_not_supported", language=language, allowed=list(LANGUAGES))
        name = text_field(contact_name, field="contact_name", max_length=NAME_MAX_LENGTH)
        phone = _phone(contact_phone, language)
        address = text_field(address, field="address", max_length=ADDRESS_MAX_LENGTH)
        plan = without_direction_controls(plan_wanted or "").strip()
        if len(plan) > SUBJECT_MAX_LENGTH:
            raise InvalidInput(
                "plan_wanted_too_long", max_length=SUBJECT_MAX_LENGTH, length=len(plan)
            )
        lines = [f"Name: {name}", f"Phone: {phone}", f"Address: {address}"]
        if plan:
            lines.append(f"Plan wanted: {plan}")
        async with in_transaction() as conn:
            ticket = await create_ticket(
                conn,
                self.clock,
                self._numbers,
                subscriber_id=None,
                kind=TicketKind.REGISTRATION,
                department=Department.SALES,
                priority=Priority.MEDIUM,
                subject=f"Registration: {name}"[:SUBJECT_MAX_LENGTH],
                channel=channel,
                chat_external_id=chat_external_id,
                language=language,
                contact_name=name,
                contact_phone=phone,
            )
            await add_message(
                conn, self.clock, ticket, AuthorKind.SUBSCRIBER, name, "\n".join(lines), ()
            )
        return TicketView.of(ticket)


def _phone(value: str | None, language: str) -> str:
    """The lead's number in E.164; a national form is read as the language's country's."""
    country = {"fa": "IR", "id": "ID"}.get(language)
    phone = normalise_phone(value or "", country)
    if phone is None:
        raise InvalidInput("contact_phone_invalid")
    return phone
