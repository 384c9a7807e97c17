"""The desk's words: the labels of a ticket's and a line's vocabularies, and a refusal of the
core as a sentence, in the agents' language (``ISPBOT_AGENT_LANGUAGE``).

The labels are the subscriber side's where one fits, so the desk and the subscriber name a
department or a priority alike; a refusal reads as the subscriber's message for the same code,
or as one of the few the desk alone meets.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from bot.dialogs.errors import MESSAGES, error_text
from bot.dialogs.flows.inbox import CHANNEL_NAMES
from bot.dialogs.flows.line_status import STATUS_NAMES
from bot.dialogs.flows.tickets import DEPARTMENT_LABELS, PRIORITY_LABELS, STATUS_LABELS
from bot.i18n import N_, Texts
from core.errors import DomainError
from core.tickets.enums import Priority, TicketKind, TicketStatus

KIND_LABELS: dict[str, str] = {
    TicketKind.SUPPORT: N_("Support"),
    TicketKind.COMPLAINT: N_("Complaint"),
    TicketKind.REGISTRATION: N_("Registration"),
    TicketKind.CLOSURE: N_("Line closure"),
    TicketKind.AGENT_REQUEST: N_("Agent request"),
}
# The subscriber's "Your reply, waiting for us" is the subscriber speaking; the desk reads who
# wrote last. The other states are the subscriber side's labels.
DESK_STATUS_LABELS: dict[str, str] = {
    **STATUS_LABELS,
    TicketStatus.CUSTOMER_REPLY: N_("Subscriber replied"),
}
# A priority in a topic's name: the words without the subscriber's "(emergencies only)".
SHORT_PRIORITY_LABELS: dict[str, str] = {**PRIORITY_LABELS, Priority.HIGH: N_("High")}
# Refusals only an agent's command meets; the rest are the subscriber's messages.
DESK_MESSAGES: dict[str, str] = {
    "priority_invalid": N_("Write one of the priorities: %(allowed)s."),
    "department_invalid": N_("Write one of the departments: %(allowed)s."),
    "ticket_without_subscriber": N_("This ticket has no subscriber."),
    "no_service_in_force": N_("The subscriber has no service in force to extend."),
    "subscriber_not_found": N_("The ticket's subscriber no longer exists."),
}


def department(t: Texts, value: str) -> str:
    return t.gettext(DEPARTMENT_LABELS[value])


def priority(t: Texts, value: str) -> str:
    return t.gettext(SHORT_PRIORITY_LABELS[value])


def status(t: Texts, value: str) -> str:
    return t.gettext(DESK_STATUS_LABELS[value])


def kind(t: Texts, value: str) -> str:
    return t.gettext(KIND_LABELS[value])


def line_status(t: Texts, value: str) -> str:
    return t.gettext(STATUS_NAMES[value])


def channel(t: Texts, value: str | None) -> str:
    return t.gettext(CHANNEL_NAMES[value]) if value in CHANNEL_NAMES else (value or "-")


def language(t: Texts, code: str) -> str:
    """The subscriber's language by its name in the desk's language ("Persian", "فارسی")."""
    try:
        return Locale.parse(code).get_display_name(t.language) or code
    except (ValueError, UnknownLocaleError):
        return code


def refusal(t: Texts, error: DomainError) -> str:
    """Why a command was not done: the desk's own sentence, or "Not done:" and the reason."""
    if error.code in DESK_MESSAGES:
        return reason(t, error)
    return t.gettext("Not done: %(why)s", why=reason(t, error))


def reason(t: Texts, error: DomainError) -> str:
    """A refusal in words where the code has them, else the code and its details."""
    message = DESK_MESSAGES.get(error.code)
    if message is not None:
        allowed = error.details.get("allowed")
        if isinstance(allowed, list):
            return t.gettext(message, allowed=", ".join(str(a) for a in allowed))
        return t.gettext(message)
    if error.code in MESSAGES or error.code.endswith("_too_long"):
        return error_text(t, error)
    details = ", ".join(f"{key}={value}" for key, value in error.details.items())
    return f"{error.code} ({details})" if details else error.code
