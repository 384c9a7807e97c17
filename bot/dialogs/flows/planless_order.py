"""The end of a pre-invoice and the order it places, for what is bought without a plan (a new
line's deposit, a postpaid bill): the wallet's part and the total, then Confirm; confirmed, the
order is placed and either applied from the credit or given its payment link."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.dialogs.billing_words import what_was_added
from bot.dialogs.contract import Link
from bot.dialogs.flow import Context
from core.billing.enums import OrderKind, OrderStatus
from core.billing.pricing import Quote
from core.billing.read_models import OrderView
from core.ports import ChatRef


def ask_to_confirm(ctx: Context, lines: list[str], quote: Quote, confirm_choice: str) -> None:
    """Say the pre-invoice (``lines``, then the wallet's part and what is left to pay) and keep
    the amount, so that a change before Confirm is noticed."""
    t, currency = ctx.t, quote.currency
    ctx.data["payable"] = quote.payable
    if quote.wallet_used:
        lines.append(
            ctx._("From your wallet: -%(amount)s", amount=t.money(quote.wallet_used, currency))
        )
    lines.append(ctx._("To pay: %(amount)s", amount=t.money(quote.payable, currency)))
    label = ctx._("Confirm and pay") if quote.payable else ctx._("Confirm")
    ctx.say(
        "\n".join(lines),
        options=[ctx.option(confirm_choice, label), ctx.option("cmd:cancel", ctx._("Cancel"))],
    )


async def place_when_confirmed(
    ctx: Context,
    confirm_choice: str,
    kind: OrderKind,
    quote: Callable[[int], Awaitable[Quote]],
    place: Callable[..., Awaitable[OrderView]],
    to_pay: Callable[[str, str], str],
) -> None:
    """Place the order once Confirm is chosen and the amount is still the one shown, then say
    it was applied from the credit, or give its link with ``to_pay(tracking, amount)``, the
    flow's own words for what follows the payment."""
    if ctx.input.choice != confirm_choice:
        await ctx.refuse(ctx._("Please choose Confirm to go on, or Cancel."))
        return
    if (await quote(ctx.subscriber_id)).payable != ctx.data.get("payable"):
        await ctx.refuse(ctx._("The amounts have changed since. Please check them again."))
        return
    order = await place(ctx.subscriber_id, chat=ChatRef(ctx.turn.channel, ctx.turn.chat_id))
    ctx.reads.forget()
    tracking = ctx.t.digits(str(order.tracking_number))
    if order.status == OrderStatus.APPLIED:
        await ctx.finish(
            ctx._(
                "Done! Order %(tracking)s is paid from your credit and applied.\n"
                "Added to your account: %(what)s",
                tracking=tracking,
                what=what_was_added(ctx.t, kind, None, 1),
            )
        )
        return
    amount = ctx.t.money(order.payable, order.currency)
    await ctx.finish(
        to_pay(tracking, amount),
        links=[Link(order.pay_url or "", ctx._("Pay %(amount)s", amount=amount))],
    )
