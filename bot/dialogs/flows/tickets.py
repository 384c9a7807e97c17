"""Support tickets: the list, a new ticket, one thread (reply, close, rate).

Files arrive one message at a time: each is checked by the core's rules as it comes, kept in the
FileStore, and sent with the ticket or the reply when the subscriber is done. Notices (a ticket
answered, a ticket closed) lead back here with the ticket and the action in the option's data
(``engine.flow_choice``); without a ticket, the one that fits is taken, or asked for.

```mermaid
flowchart LR
    list -->|New ticket| department --> priority --> subject --> message --> files
    files -->|Done| created([number shown])
    list -->|a ticket| view
    view -->|Reply| reply -->|text or Send| replied([reply added])
    view -->|Close| rate
    view -->|Rate| rate --> rated([thank you])
    entry[[notice: Reply / 1..5]] --> reply & rate
```
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.dialogs.contract import Attachment, Option
from bot.dialogs.errors import error_text, size_limit_mb
from bot.dialogs.flow import Context, Flow
from bot.dialogs.normalize import parse_int
from bot.i18n import N_, Texts
from core.errors import Conflict, InvalidInput
from core.handoff.office_hours import office_hours_of
from core.tickets import queries
from core.tickets.enums import SATISFACTION_SCORES, AuthorKind, Department, Priority, TicketStatus
from core.tickets.limits import BODY_MAX_LENGTH, MAX_ATTACHMENTS, SUBJECT_MAX_LENGTH
from core.tickets.service import BySubscriber

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


# ---- the flow --------------------------------------------------------------------------------


class TicketsFlow(Flow):
    name = "tickets"
    first_step = "list"
    menu_label = N_("Support tickets")
    menu_order = 50

    async def begin(self, ctx: Context) -> None:
        """From the menu: the list. From a notice's entry flow: ``action`` (reply or rate) on
        ``ticket``, or on the one ticket that fits (asked when several do)."""
        action = ctx.data.get("action")
        if action is None:
            await ctx.goto(self.first_step)
            return
        if ctx.data.get("ticket") is not None:
            # From an option's data, which a client can forge: only the subscriber's own.
            await queries.ticket(int(ctx.data["ticket"]), ctx.subscriber_id)
        else:
            candidates = await self._candidates(ctx, action)
            if not candidates and action == "rate":
                await ctx.finish(ctx._("You have no closed ticket waiting for a rating."))
                return
            if not candidates:
                await ctx.goto(self.first_step)
                return
            if len(candidates) > 1:
                await ctx.goto("pick")
                return
            ctx.data["ticket"] = candidates[0].number
        await self._act(ctx)

    # -- the list --------------------------------------------------------------------------

    async def ask_list(self, ctx: Context) -> None:
        rows = await queries.list_tickets(ctx.subscriber_id, limit=LISTED)
        if rows:
            lines = [ctx._("Your tickets, most recent first:")]
            for row in rows:
                lines.append(
                    ctx._(
                        "%(number)s: %(subject)s\n%(status)s, last activity %(when)s",
                        number=ticket_code(ctx, row.number),
                        subject=row.subject,
                        status=status_label(ctx, row.status),
                        when=ctx.t.datetime(row.updated_at),
                    )
                )
            lines.append(ctx._("Choose a ticket to read it, or open a new one."))
            text = "\n\n".join(lines)
        else:
            text = ctx._("You have no support tickets yet. Would you like to open one?")
        options = [ctx.option("new", ctx._("New ticket"))]
        options += [ticket_option(ctx, row) for row in rows]
        options.append(ctx.option("cmd:menu", ctx._("Main menu")))
        ctx.say(text, options=options)

    async def on_list(self, ctx: Context) -> None:
        choice = ctx.input.choice or ""
        if choice == "new":
            ctx.data.pop("files", None)
            await ctx.goto("department")
            return
        number = _ticket_number(choice) or parse_int(ctx.input.text)
        if number is None:
            await ctx.refuse(ctx._("Please choose a ticket, or New ticket."))
            return
        await queries.ticket(number, ctx.subscriber_id)  # ticket_not_found: asked again
        ctx.data["ticket"] = number
        await ctx.goto("view")

    # -- a new ticket ----------------------------------------------------------------------

    async def ask_department(self, ctx: Context) -> None:
        options = [ctx.option(f"dept:{d}", ctx._(label)) for d, label in DEPARTMENT_LABELS.items()]
        ctx.say(ctx._("Which team is your question for?"), options=options)

    async def on_department(self, ctx: Context) -> None:
        choice = ctx.input.choice or ""
        if not choice.startswith("dept:"):
            await ctx.refuse(ctx._("Please choose one of the teams below."))
            return
        ctx.data["department"] = choice.removeprefix("dept:")
        await ctx.goto("priority")

    async def ask_priority(self, ctx: Context) -> None:
        options = [ctx.option(f"prio:{p}", ctx._(label)) for p, label in PRIORITY_LABELS.items()]
        ctx.say(
            ctx._(
                "How urgent is it? Please keep High for emergencies, such as no Internet at all."
            ),
            options=options,
        )

    async def on_priority(self, ctx: Context) -> None:
        choice = ctx.input.choice or ""
        if not choice.startswith("prio:"):
            await ctx.refuse(ctx._("Please choose one of the priorities below."))
            return
        ctx.data["priority"] = choice.removeprefix("prio:")
        await ctx.goto("subject")

    async def ask_subject(self, ctx: Context) -> None:
        ctx.say(ctx._("Write a short subject for your ticket, in one line."))

    async def on_subject(self, ctx: Context) -> None:
        subject = ctx.input.raw.strip()
        if not subject:
            raise InvalidInput("subject_required")
        if len(subject) > SUBJECT_MAX_LENGTH:
            raise InvalidInput("subject_too_long", max_length=SUBJECT_MAX_LENGTH)
        ctx.data["subject"] = subject
        await ctx.goto("message")

    async def ask_message(self, ctx: Context) -> None:
        text = ctx._("Now describe the problem in as much detail as you can.")
        note = files_note(ctx)
        ctx.say(f"{text}\n{note}" if note else text)

    async def on_message(self, ctx: Context) -> None:
        if ctx.input.attachment is not None:
            await keep_file(ctx, ctx.input.attachment)
        body = ctx.input.raw.strip()
        if not body:
            if ctx.input.attachment is not None:
                await ctx.refuse(ctx._("Thank you, I have the file."))
                return
            raise InvalidInput("body_required")
        if len(body) > BODY_MAX_LENGTH:
            raise InvalidInput("body_too_long", max_length=BODY_MAX_LENGTH)
        ctx.data["body"] = body
        await ctx.goto("files")

    async def ask_files(self, ctx: Context) -> None:
        lines = [
            ctx._(
                "You can send screenshots or receipts now, one per message. "
                "Choose Done when you have finished."
            ),
            limits_text(ctx),
        ]
        note = files_note(ctx)
        if note:
            lines.append(note)
        label = ctx._("Done") if note else ctx._("Done, no files")
        ctx.say("\n".join(lines), options=[ctx.option("done", label)])

    async def on_files(self, ctx: Context) -> None:
        if ctx.input.attachment is not None:
            await keep_file(ctx, ctx.input.attachment)
            await ctx.stay()
            return
        if ctx.input.choice != "done":
            await ctx.refuse(ctx._("Please send a file, or choose Done."))
            return
        ticket = await ctx.services.tickets.open_ticket(
            ctx.subscriber_id,
            ctx.data["department"],
            ctx.data["priority"],
            ctx.data["subject"],
            ctx.data["body"],
            attachments=await kept_files(ctx),
            channel=ctx.turn.channel,
            chat_external_id=ctx.turn.chat_id,
        )
        opening = agents_back_at(ctx)
        if opening is not None:
            await ctx.finish(
                ctx._(
                    "Your ticket is open. Its number is %(number)s. Our agents are away now; we "
                    "have kept your message and will answer you here from %(when)s.",
                    number=ticket_code(ctx, ticket.number),
                    when=ctx.t.datetime(opening),
                )
            )
            return
        await ctx.finish(
            ctx._(
                "Your ticket is open. Its number is %(number)s. We will answer you here, and "
                "you can follow it in Support tickets.",
                number=ticket_code(ctx, ticket.number),
            )
        )

    # -- one thread ------------------------------------------------------------------------

    async def ask_view(self, ctx: Context) -> None:
        thread = await queries.thread(ctx.data["ticket"], ctx.subscriber_id)
        head = ctx._(
            "Ticket %(number)s: %(subject)s\n%(department)s, priority %(priority)s\n"
            "Status: %(status)s",
            number=ticket_code(ctx, thread.number),
            subject=thread.subject,
            department=ctx._(DEPARTMENT_LABELS[thread.department]),
            priority=ctx._(PRIORITY_LABELS[thread.priority]),
            status=status_label(ctx, thread.status),
        )
        parts = [head]
        messages = thread.messages[-THREAD_SHOWN:]
        if len(thread.messages) > len(messages):
            parts.append(ctx._("The last %(count)s messages:", count=len(messages)))
        parts += [message_text(ctx, message) for message in messages]
        if thread.satisfaction is not None:
            parts.append(ctx._("You rated our help %(score)s of 5.", score=thread.satisfaction))
        options = [ctx.option("reply", ctx._("Reply"))]
        if thread.status == TicketStatus.CLOSED:
            if thread.satisfaction is None:
                options.append(ctx.option("rate", ctx._("Rate our help")))
        else:
            options.append(ctx.option("close", ctx._("Close the ticket")))
        options += [
            ctx.option("list", ctx._("My tickets")),
            ctx.option("cmd:menu", ctx._("Main menu")),
        ]
        ctx.say("\n\n".join(parts), options=options)

    async def on_view(self, ctx: Context) -> None:
        choice = ctx.input.choice
        number = ctx.data["ticket"]
        if choice == "reply":
            ctx.data.pop("files", None)
            await ctx.goto("reply")
        elif choice == "close":
            await ctx.services.tickets.close(number, BySubscriber(ctx.subscriber_id))
            ctx.say(ctx._("Ticket %(number)s is closed.", number=ticket_code(ctx, number)))
            await ctx.goto("rate")
        elif choice == "rate":
            await ctx.goto("rate")
        elif choice == "list":
            await ctx.goto("list")
        else:
            await ctx.refuse(ctx._("Please choose one of the options below."))

    # -- replying --------------------------------------------------------------------------

    async def ask_reply(self, ctx: Context) -> None:
        lines = [
            ctx._(
                "Write your reply to ticket %(number)s. To add pictures or PDF files, send them "
                "first, then write your message.",
                number=ticket_code(ctx, ctx.data["ticket"]),
            )
        ]
        note = files_note(ctx)
        options = []
        if note:
            lines.append(note)
            options.append(ctx.option("send", ctx._("Send the files without text")))
        ctx.say("\n".join(lines), options=options)

    async def on_reply(self, ctx: Context) -> None:
        if ctx.input.attachment is not None:
            await keep_file(ctx, ctx.input.attachment)
        body = ctx.input.raw.strip()
        if not body and ctx.input.choice == "send" and ctx.data.get("files"):
            count = len(ctx.data["files"])
            body = ctx._("(%(count)s files attached)", count=count)
        if not body:
            if ctx.input.attachment is None:
                raise InvalidInput("body_required")
            await ctx.stay()
            return
        if len(body) > BODY_MAX_LENGTH:
            raise InvalidInput("body_too_long", max_length=BODY_MAX_LENGTH)
        number = ctx.data["ticket"]
        before = await queries.thread(number, ctx.subscriber_id)
        await ctx.services.tickets.reply_as_subscriber(
            number, ctx.subscriber_id, body, attachments=await kept_files(ctx)
        )
        code = ticket_code(ctx, number)
        if before.status == TicketStatus.CLOSED:
            text = ctx._(
                "Your reply was added and ticket %(number)s is open again. We will answer you "
                "here.",
                number=code,
            )
        else:
            text = ctx._(
                "Your reply was added to ticket %(number)s. We will answer you here.", number=code
            )
        await ctx.finish(text)

    # -- the survey ------------------------------------------------------------------------

    async def ask_rate(self, ctx: Context) -> None:
        options = [ctx.option(f"score:{n}", ctx.t.number(n)) for n in SATISFACTION_SCORES]
        options.append(ctx.option("skip", ctx._("Not now")))
        ctx.say(
            ctx._(
                "How would you rate our help with ticket %(number)s? "
                "Choose from 1 (poor) to 5 (excellent).",
                number=ticket_code(ctx, ctx.data["ticket"]),
            ),
            options=options,
            numbered=False,
        )

    async def on_rate(self, ctx: Context) -> None:
        choice = ctx.input.choice or ""
        if choice == "skip":
            await ctx.finish(ctx._("All right. Thank you for contacting us."))
            return
        if choice.startswith("score:"):
            score = int(choice.removeprefix("score:"))
        else:
            score = parse_int(ctx.input.text)
        if score is None or score not in SATISFACTION_SCORES:
            raise InvalidInput("rating_out_of_range", min=1, max=5)
        ctx.data["score"] = score
        await self._rate(ctx)

    # -- which ticket a notice meant -------------------------------------------------------

    async def ask_pick(self, ctx: Context) -> None:
        candidates = await self._candidates(ctx, ctx.data["action"])
        if ctx.data["action"] == "rate":
            text = ctx._("Which ticket would you like to rate?")
        else:
            text = ctx._("Which ticket would you like to reply to?")
        options = [ticket_option(ctx, row) for row in candidates[:LISTED]]
        options.append(ctx.option("list", ctx._("My tickets")))
        ctx.say(text, options=options)

    async def on_pick(self, ctx: Context) -> None:
        if ctx.input.choice == "list":
            await ctx.goto("list")
            return
        number = _ticket_number(ctx.input.choice or "") or parse_int(ctx.input.text)
        if number is None:
            await ctx.refuse(ctx._("Please choose one of the tickets below."))
            return
        await queries.ticket(number, ctx.subscriber_id)  # ticket_not_found: asked again
        ctx.data["ticket"] = number
        await self._act(ctx)

    # -- helpers ---------------------------------------------------------------------------

    async def _candidates(self, ctx: Context, action: str) -> list[queries.TicketRow]:
        rows = await queries.list_tickets(ctx.subscriber_id)
        if action == "rate":
            return [
                row
                for row in rows
                if row.status == TicketStatus.CLOSED and row.satisfaction is None
            ]
        return [row for row in rows if row.status == TicketStatus.ANSWERED]

    async def _act(self, ctx: Context) -> None:
        if ctx.data.get("action") == "rate":
            if ctx.data.get("score") in SATISFACTION_SCORES:
                await self._rate(ctx)
            else:
                await ctx.goto("rate")
        else:
            await ctx.goto("reply")

    async def _rate(self, ctx: Context) -> None:
        try:
            await ctx.services.tickets.rate(
                ctx.data["ticket"], ctx.subscriber_id, ctx.data["score"]
            )
        except Conflict as error:
            await ctx.finish(error_text(ctx.t, error))
            return
        await ctx.finish(thanks_for_rating(ctx.t, ctx.data["ticket"]))


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


def _ticket_number(choice: str) -> int | None:
    if choice.startswith("t:"):
        return parse_int(choice.removeprefix("t:"))
    return None


FLOWS = [TicketsFlow()]
