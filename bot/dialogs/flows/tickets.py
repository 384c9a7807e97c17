"""The words and helpers the ticket screens share (ticket_new.py, ticket_thread.py), and with
them the notices, the agent flow and the SMS keywords: labels, a ticket's number as a code, the
thank-you for a rating, and the files a chat collects one by one before it sends them.

Files arrive one message at a time: each is checked by the core's rules as it comes, kept in the
FileStore, and sent with the ticket or the reply when the subscriber is done.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.dialogs.contract import Attachment, Option
from bot.dialogs.errors import size_limit_mb
from bot.dialogs.flow import Context
from bot.dialogs.normalize import parse_int
from bot.i18n import N_, Texts
from core.errors import InvalidInput
from core.handoff.office_hours import office_hours_of
from core.tickets import queries
from core.tickets.enums import AuthorKind, Department, Priority, TicketStatus
from core.tickets.limits import MAX_ATTACHMENTS

DEPARTMENT_LABELS: dict[str, str] = {
    Department.TECHNICAL: N_("Technical support"),
    Department.BILLING: N_("Billing & payments"),
    Department.SALES: N_("Sales & marketing"),
}
PRIORITY_LABELS: dict[str, str] = {
    Priority.LOW: N_("Low"),
    Priority.MEDIUM: N_("Medium"),
    Priority.HIGH: N_("High (emergencies only)"),
    Priority.VERY_HIGH: N_("Very high"),
}
STATUS_LABELS: dict[str, str] = {
    TicketStatus.OPEN: N_("Open"),
    TicketStatus.ANSWERED: N_("Answered"),
    TicketStatus.CUSTOMER_REPLY: N_("Your reply, waiting for us"),
    TicketStatus.CLOSED: N_("Closed"),
}
# How many tickets the list offers, and how many messages of a thread are shown.
LISTED = 10
THREAD_SHOWN = 10
# A subject longer than this is cut in an option's label.
LABEL_SUBJECT = 32


# ---- words shared with the notices and the agent flow ----------------------------------------


def thanks_for_rating(t: Texts, number: int) -> str:
    return t.gettext(
        "Thank you for rating ticket %(number)s! It helps us serve you better.",
        number=t.digits(str(number)),
    )


def ticket_code(ctx: Context, number: int) -> str:
    """A ticket number as a code: the language's digits, no grouping."""
    return ctx.t.digits(str(number))


def short(text: str, length: int = LABEL_SUBJECT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def agents_back_at(ctx: Context) -> datetime | None:
    """When the agents start work next: None while they are at work (or no hours are set)."""
    hours = office_hours_of(ctx.services.settings)
    return hours.next_opening(ctx.services.clock.now()) if hours else None


def status_label(ctx: Context, status: str) -> str:
    return ctx._(STATUS_LABELS[status])


async def service_label(ctx: Context, code: str | None) -> str:
    """The related service in words: the plan's name, or "none in particular"."""
    if code is None:
        return ctx._("none in particular")
    plan = await ctx.services.billing_queries.plan(code)
    return ctx.t.plan_name(plan) if plan is not None else code


def ticket_option(ctx: Context, row: queries.TicketRow) -> Option:
    label = ctx._(
        "%(number)s: %(subject)s",
        number=ticket_code(ctx, row.number),
        subject=short(row.subject),
    )
    return ctx.option(f"t:{row.number}", label)


# ---- files collected one by one --------------------------------------------------------------


async def keep_file(ctx: Context, attachment: Attachment) -> None:
    """Check a file as the core would and keep it until the ticket or reply is sent."""
    files: list[dict[str, Any]] = ctx.data.setdefault("files", [])
    if len(files) >= MAX_ATTACHMENTS:
        raise InvalidInput("too_many_attachments", count=len(files) + 1, max_count=MAX_ATTACHMENTS)
    item = (attachment.filename, attachment.content_type, attachment.data)
    ctx.services.tickets.check_attachments([item])
    key = await ctx.services.files.put(
        attachment.data, attachment.content_type, attachment.filename
    )
    files.append(
        {"key": key, "filename": attachment.filename, "content_type": attachment.content_type}
    )


async def kept_files(ctx: Context) -> list[tuple[str, str, bytes]]:
    return [
        (item["filename"], item["content_type"], await ctx.services.files.get(item["key"]))
        for item in ctx.data.get("files", [])
    ]


def files_note(ctx: Context) -> str:
    names = [item["filename"] for item in ctx.data.get("files", [])]
    if not names:
        return ""
    return ctx._("Files so far (%(count)s): %(names)s", count=len(names), names=", ".join(names))


def limits_text(ctx: Context) -> str:
    return ctx._(
        "Pictures or PDF files, up to %(max_mb)s MB each, at most %(max_count)s files.",
        max_mb=size_limit_mb(ctx.services.settings.attachment_max_bytes),
        max_count=MAX_ATTACHMENTS,
    )


def message_text(ctx: Context, message: queries.ThreadMessage) -> str:
    when = ctx.t.datetime(message.created_at)
    if message.author_kind == AuthorKind.AGENT:
        head = ctx._("Support (%(name)s), %(when)s:", name=message.author_name, when=when)
    elif message.author_kind == AuthorKind.SYSTEM:
        head = ctx._("Notice, %(when)s:", when=when)
    else:
        head = ctx._("You, %(when)s:", when=when)
    text = f"{head}\n{message.body}"
    if message.attachments:
        names = ", ".join(a.filename for a in message.attachments)
        text += "\n" + ctx._("Files: %(names)s", names=names)
    return text


def ticket_number_of(choice: str) -> int | None:
    if choice.startswith("t:"):
        return parse_int(choice.removeprefix("t:"))
    return None
