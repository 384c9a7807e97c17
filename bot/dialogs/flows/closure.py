"""Closing the line: the reason, a confirmation, then a Billing ticket and how to return the
modem (it belongs to the ISP). One open request at a time: a second one is explained.

```mermaid
flowchart LR
    start{{open request?}} -->|yes| explained([ticket number])
    start -->|no| reason --> confirm -->|yes| done([ticket, modem return])
    confirm -->|no| kept([nothing changed])
```
"""

from __future__ import annotations

from bot.dialogs.errors import error_text
from bot.dialogs.flow import Context, Flow, Step
from bot.i18n import N_
from core.accounts.enums import LineStatus
from core.errors import Conflict, DomainError, InvalidInput
from core.tickets.closures import pending_closure

REASON_MAX_LENGTH = 2000
# What the billing team reads when the subscriber prefers not to say (not shown to them).
_NO_REASON = "(no reason given)"


class ClosureFlow(Flow):
    name = "closure"
    menu_label = N_("Close my line")
    menu_group = "account"
    menu_order = 80

    async def offered(self, ctx: Context) -> bool:
        return ctx.subscriber is not None and ctx.subscriber.line_status != LineStatus.CLOSED

    async def begin(self, ctx: Context) -> None:
        if ctx.subscriber is not None and ctx.subscriber.line_status == LineStatus.CLOSED:
            await ctx.finish(ctx._("Your line is already closed."))
            return
        pending = await pending_closure(ctx.subscriber_id)
        if pending is not None:
            already = Conflict("closure_already_requested", ticket_number=pending.number)
            await ctx.finish(error_text(ctx.t, already))
            return
        await ctx.goto(self.first_step)

    async def ask_reason(self, ctx: Context) -> None:
        ctx.say(
            ctx._(
                "We are sorry to see you go. May we ask why you want to close your line? "
                "Write it in a few words, or choose below."
            ),
            options=[ctx.option("no_reason", ctx._("I prefer not to say"))],
        )

    async def on_reason(self, ctx: Context) -> None:
        if ctx.input.choice == "no_reason":
            reason = _NO_REASON
        else:
            reason = ctx.input.text.strip()
            if not reason:
                await ctx.refuse(ctx._("Please write the reason in a few words, or choose below."))
                return
            if len(reason) > REASON_MAX_LENGTH:
                raise InvalidInput("reason_too_long", max_length=REASON_MAX_LENGTH)
        ctx.data["reason"] = reason
        await ctx.goto(self.CONFIRM)

    async def ask_confirm(self, ctx: Context) -> None:
        username = ctx.subscriber.username if ctx.subscriber else ""
        ctx.say(
            ctx._(
                "Do you really want to close line %(username)s? The service stops once our "
                "billing team has processed the request.",
                username=ctx.t.digits(username),
            ),
            options=[
                ctx.option("yes", ctx._("Yes, close my line")),
                ctx.option("no", ctx._("No, keep it")),
            ],
        )

    async def on_confirm(self, ctx: Context) -> None:
        if ctx.input.choice == "no":
            await ctx.finish(ctx._("Good to hear! Your line stays as it is."))
            return
        if ctx.input.choice != "yes":
            await ctx.refuse(ctx._("Please choose Yes or No."))
            return
        try:
            ticket = await ctx.services.closures.request_closure(
                ctx.subscriber_id,
                ctx.data["reason"],
                channel=ctx.turn.channel,
                chat_external_id=ctx.turn.chat_id,
            )
        except DomainError as error:
            if error.code == "closure_already_requested":  # sent meanwhile from another chat
                await ctx.finish(error_text(ctx.t, error))
                return
            raise
        await ctx.finish(
            ctx._(
                "We received your closure request (ticket %(ticket_number)s). Our billing team "
                "will contact you to settle the account.\n"
                "The modem belongs to us: please return it with its power adapter to our office, "
                "or hand it to our technician, and mention your ticket number.",
                ticket_number=ctx.t.digits(str(ticket.number)),
            )
        )

    # ---- the steps ---------------------------------------------------------------------------
    REASON = Step("reason", ask_reason, on_reason)
    CONFIRM = Step("confirm", ask_confirm, on_confirm)
    first_step = REASON


FLOWS = [ClosureFlow()]
