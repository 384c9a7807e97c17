"""A new ticket, the steps the tickets flow (ticket_thread.py) takes from its list's "New
ticket": the team (technical offers the connection check first), the priority, the service it
is about (the current plan, or none; skipped without a service), a subject, the message, then
files until Done.

```mermaid
flowchart LR
    list -->|New ticket| department --> priority --> related_service --> subject
    priority -->|technical: check first| check([connection_check])
    subject --> message --> files
    files -->|a file| files
    files -->|Done| created([number shown])
```
"""

from __future__ import annotations

from bot.dialogs.flow import Context, Step
from bot.dialogs.flows.tickets import (
    DEPARTMENT_LABELS,
    PRIORITY_LABELS,
    agents_back_at,
    files_note,
    keep_file,
    kept_files,
    limits_text,
    ticket_code,
)
from bot.dialogs.menu import flow_choice
from core.errors import InvalidInput
from core.tickets.enums import Department
from core.tickets.limits import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH


class NewTicketSteps:
    """The steps of a new ticket; the flow that has them starts them with
    ``ctx.goto(self.DEPARTMENT)``."""

    async def ask_department(self, ctx: Context) -> None:
        options = [ctx.option(f"dept:{d}", ctx._(label)) for d, label in DEPARTMENT_LABELS.items()]
        ctx.say(ctx._("Which team is your question for?"), options=options)

    async def on_department(self, ctx: Context) -> None:
        choice = ctx.input.choice or ""
        if not choice.startswith("dept:"):
            await ctx.refuse(ctx._("Please choose one of the teams below."))
            return
        ctx.data["department"] = choice.removeprefix("dept:")
        await ctx.goto(self.PRIORITY)

    async def ask_priority(self, ctx: Context) -> None:
        options = [ctx.option(f"prio:{p}", ctx._(label)) for p, label in PRIORITY_LABELS.items()]
        text = ctx._(
            "How urgent is it? Please keep High for emergencies, such as no Internet at all."
        )
        if ctx.data.get("department") == Department.TECHNICAL:
            # Offered first in words, last among the options: the priorities keep their numbers.
            text = (
                ctx._(
                    "Is your Internet down? The connection check finds most reasons in one step "
                    "(your service, the line, known outages, the modem's last login) and opens "
                    "the ticket for you if it finds none: choose Check my connection first."
                )
                + "\n\n"
                + text
            )
            options.append(
                ctx.option(flow_choice("connection_check"), ctx._("Check my connection first"))
            )
        ctx.say(text, options=options)

    async def on_priority(self, ctx: Context) -> None:
        choice = ctx.input.choice or ""
        if not choice.startswith("prio:"):
            await ctx.refuse(ctx._("Please choose one of the priorities below."))
            return
        ctx.data["priority"] = choice.removeprefix("prio:")
        status = await ctx.services.billing_queries.service_status(ctx.subscriber_id)
        if status.plan is None:
            ctx.data["related_service"] = None
            await ctx.goto(self.SUBJECT)
            return
        await ctx.goto(self.RELATED_SERVICE)

    async def ask_related_service(self, ctx: Context) -> None:
        status = await ctx.services.billing_queries.service_status(ctx.subscriber_id)
        options = []
        if status.plan is not None:
            label = ctx._(
                "%(plan)s (line %(username)s)",
                plan=ctx.t.plan_name(status.plan),
                username=ctx.t.digits(ctx.subscriber.username if ctx.subscriber else ""),
            )
            options.append(ctx.option(f"service:{status.plan.code}", label))
        options.append(ctx.option("service:", ctx._("None in particular")))
        ctx.say(ctx._("Which of your services is it about?"), options=options)

    async def on_related_service(self, ctx: Context) -> None:
        choice = ctx.input.choice or ""
        if not choice.startswith("service:"):
            await ctx.refuse(ctx._("Please choose one of the services below."))
            return
        ctx.data["related_service"] = choice.removeprefix("service:") or None
        await ctx.goto(self.SUBJECT)

    async def ask_subject(self, ctx: Context) -> None:
        ctx.say(ctx._("Write a short subject for your ticket, in one line."))

    async def on_subject(self, ctx: Context) -> None:
        subject = ctx.input.raw.strip()
        if not subject:
            raise InvalidInput("subject_required")
        if len(subject) > SUBJECT_MAX_LENGTH:
            raise InvalidInput("subject_too_long", max_length=SUBJECT_MAX_LENGTH)
        ctx.data["subject"] = subject
        await ctx.goto(self.MESSAGE)

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
        await ctx.goto(self.FILES)

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
            related_service=ctx.data.get("related_service"),
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

    # ---- the steps ---------------------------------------------------------------------------
    DEPARTMENT = Step("department", ask_department, on_department)
    PRIORITY = Step("priority", ask_priority, on_priority)
    RELATED_SERVICE = Step("related_service", ask_related_service, on_related_service)
    SUBJECT = Step("subject", ask_subject, on_subject)
    MESSAGE = Step("message", ask_message, on_message)
    FILES = Step("files", ask_files, on_files)
