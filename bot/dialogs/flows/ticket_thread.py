"""Support tickets: the list, and one ticket's thread (read, reply with files, close, rate).
A new ticket's steps are in ticket_new.py.

Notices (a ticket answered, a ticket closed) lead back here with the ticket and the action in
the option's data (``engine.flow_choice``); without a ticket, the one that fits is taken, or
asked for.

```mermaid
flowchart LR
    list -->|New ticket| department[[ticket_new]]
    list -->|a ticket| view
    view -->|Reply| reply -->|text or Send| replied([reply added])
    view -->|Close| rate
    view -->|Rate| rate --> rated([thank you])
    entry[[notice: Reply / 1..5]] --> reply & rate
```
"""

from __future__ import annotations

from bot.dialogs.errors import error_text
from bot.dialogs.flow import Context, Flow, Step
from bot.dialogs.flows.ticket_new import NewTicketSteps
from bot.dialogs.flows.tickets import (
    DEPARTMENT_LABELS,
    LISTED,
    PRIORITY_LABELS,
    THREAD_SHOWN,
    files_note,
    keep_file,
    kept_files,
    message_text,
    service_label,
    status_label,
    thanks_for_rating,
    ticket_code,
    ticket_number_of,
    ticket_option,
)
from bot.dialogs.normalize import parse_int
from bot.i18n import N_
from core.errors import Conflict, InvalidInput
from core.tickets import queries
from core.tickets.enums import SATISFACTION_SCORES, TicketStatus
from core.tickets.limits import BODY_MAX_LENGTH
from core.tickets.service import BySubscriber


class TicketsFlow(NewTicketSteps, Flow):
    name = "tickets"
    menu_label = N_("Support tickets")
    menu_order = 50

    async def begin(self, ctx: Context) -> None:
        """From the menu: the list. From a notice's entry flow: ``action`` (reply or rate) on
        ``ticket``, or on the one ticket that fits (asked when several do)."""
        action = ctx.data.get("action")
        if action is None:
            await ctx.goto(self.first_step)
            return
        if action == "new":
            # Asked for in words ("I want to report a problem"): the new ticket's first step,
            # or its second when the words named the team (a connection problem: technical).
            ctx.data.pop("files", None)
            if ctx.data.get("department") in DEPARTMENT_LABELS:
                await ctx.goto(self.PRIORITY)
            else:
                await ctx.goto(self.DEPARTMENT)
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
                await ctx.goto(self.PICK)
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
                        "%(number)s: %(subject)s\n%(department)s, priority %(priority)s, "
                        "service: %(service)s\n%(status)s, last activity %(when)s",
                        number=ticket_code(ctx, row.number),
                        subject=row.subject,
                        department=ctx._(DEPARTMENT_LABELS[row.department]),
                        priority=ctx._(PRIORITY_LABELS[row.priority]),
                        service=await service_label(ctx, row.related_service),
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
            await ctx.goto(self.DEPARTMENT)
            return
        number = ticket_number_of(choice) or parse_int(ctx.input.text)
        if number is None:
            await ctx.refuse(ctx._("Please choose a ticket, or New ticket."))
            return
        await queries.ticket(number, ctx.subscriber_id)  # ticket_not_found: asked again
        ctx.data["ticket"] = number
        await ctx.goto(self.VIEW)

    # -- one thread ------------------------------------------------------------------------

    async def ask_view(self, ctx: Context) -> None:
        thread = await queries.thread(ctx.data["ticket"], ctx.subscriber_id)
        head = ctx._(
            "Ticket %(number)s: %(subject)s\n%(department)s, priority %(priority)s\n"
            "Service: %(service)s\nStatus: %(status)s",
            number=ticket_code(ctx, thread.number),
            subject=thread.subject,
            department=ctx._(DEPARTMENT_LABELS[thread.department]),
            priority=ctx._(PRIORITY_LABELS[thread.priority]),
            service=await service_label(ctx, thread.related_service),
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
            await ctx.goto(self.REPLY)
        elif choice == "close":
            await ctx.services.tickets.close(number, BySubscriber(ctx.subscriber_id))
            ctx.say(ctx._("Ticket %(number)s is closed.", number=ticket_code(ctx, number)))
            await ctx.goto(self.RATE)
        elif choice == "rate":
            await ctx.goto(self.RATE)
        elif choice == "list":
            await ctx.goto(self.LIST)
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
            await ctx.goto(self.LIST)
            return
        number = ticket_number_of(ctx.input.choice or "") or parse_int(ctx.input.text)
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
                await ctx.goto(self.RATE)
        else:
            await ctx.goto(self.REPLY)

    async def _rate(self, ctx: Context) -> None:
        try:
            await ctx.services.tickets.rate(
                ctx.data["ticket"], ctx.subscriber_id, ctx.data["score"]
            )
        except Conflict as error:
            await ctx.finish(error_text(ctx.t, error))
            return
        await ctx.finish(thanks_for_rating(ctx.t, ctx.data["ticket"]))

    # ---- the steps ---------------------------------------------------------------------------
    LIST = Step("list", ask_list, on_list)
    VIEW = Step("view", ask_view, on_view)
    REPLY = Step("reply", ask_reply, on_reply)
    RATE = Step("rate", ask_rate, on_rate)
    PICK = Step("pick", ask_pick, on_pick)
    first_step = LIST


FLOWS = [TicketsFlow()]
