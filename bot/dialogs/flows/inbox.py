"""The message box: every notification sent, newest first, with when, where and why."""

from __future__ import annotations

from typing import Any

from bot.dialogs.flow import Context, Flow, Step
from bot.dialogs.normalize import digits_of
from bot.i18n import N_
from core.inbox.queries import InboxRow

# Why a message was sent, per kind; the parameter named second, when the kind has it, fills the
# reason's %(number)s (a ticket or tracking number).
REASONS: dict[str, tuple[str, str | None]] = {
    "ticket_answered": (N_("Your ticket %(number)s was answered"), "ticket_number"),
    "ticket_closed": (N_("Your ticket %(number)s was closed"), "ticket_number"),
    "order_applied": (N_("Your purchase %(number)s was applied"), "tracking_number"),
    "order_not_applied": (
        N_("Your payment %(number)s was received but not applied"),
        "tracking_number",
    ),
}
OTHER_REASON = N_("A message from us")
CHANNEL_NAMES: dict[str, str] = {
    "telegram": N_("Telegram"),
    "whatsapp": N_("WhatsApp"),
    "sms": N_("SMS"),
    "web": N_("Web chat"),
}
# Channels whose address is a phone number worth showing (a chat id means nothing to people).
PHONE_CHANNELS = {"sms", "whatsapp"}
PAGE_SIZE = 10


def reason_text(ctx: Context, kind: str, params: dict[str, Any]) -> str:
    message, number_param = REASONS.get(kind, (OTHER_REASON, None))
    if number_param is not None:
        number = params.get(number_param)
        if number is None:
            return ctx._(OTHER_REASON)
        return ctx._(message, number=ctx.t.digits(str(number)))
    return ctx._(message)


def where_text(ctx: Context, row: InboxRow) -> str:
    label = CHANNEL_NAMES.get(row.channel)
    channel = ctx._(label) if label else row.channel
    if row.channel in PHONE_CHANNELS:
        phone = digits_of(row.address.removeprefix("whatsapp:"))
        if phone:
            return ctx._("%(channel)s to %(phone)s", channel=channel, phone=ctx.t.digits(phone))
    return channel


def row_text(ctx: Context, row: InboxRow) -> str:
    return ctx._(
        "%(when)s, %(where)s\n%(reason)s",
        when=ctx.t.datetime(row.sent_at),
        where=where_text(ctx, row),
        reason=reason_text(ctx, row.kind, row.params),
    )


class InboxFlow(Flow):
    name = "inbox"
    menu_label = N_("Message box")
    menu_order = 55

    async def begin(self, ctx: Context) -> None:
        ctx.data["offset"] = 0
        rows = await ctx.services.inbox.list(ctx.subscriber_id, limit=1)
        if not rows:
            await ctx.finish(ctx._("Your message box is empty: we have not sent you any messages."))
            return
        await ctx.goto(self.first_step)

    async def ask_page(self, ctx: Context) -> None:
        offset = int(ctx.data.get("offset", 0))
        rows = await ctx.services.inbox.list(ctx.subscriber_id, limit=PAGE_SIZE + 1, offset=offset)
        shown, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
        if offset == 0:
            title = ctx._("Messages we sent you, newest first:")
        else:
            title = ctx._("Older messages:")
        if not shown:
            title = ctx._("There are no older messages.")
        text = "\n\n".join([title, *(row_text(ctx, row) for row in shown)])
        options = []
        if more:
            options.append(ctx.option("more", ctx._("More")))
        options.append(ctx.option("cmd:menu", ctx._("Main menu")))
        ctx.say(text, options=options)

    async def on_page(self, ctx: Context) -> None:
        if ctx.input.choice == "more":
            ctx.data["offset"] = int(ctx.data.get("offset", 0)) + PAGE_SIZE
            await ctx.stay()
            return
        await ctx.refuse(ctx._("Please choose one of the options below."))

    # ---- the steps ---------------------------------------------------------------------------
    PAGE = Step("page", ask_page, on_page)
    first_step = PAGE


FLOWS = [InboxFlow()]
