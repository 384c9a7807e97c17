"""Pay the deposit: a new line stays isolated until what it owes at installation (the deposit and
the installation fee staff set) is paid; paid through a link like any order, it opens the line.

Offered in the menu only while something is owed; chosen anyway (typed, or an old button), the
flow says there is nothing to pay. The pre-invoice is asked once, then the link is given.
"""

from __future__ import annotations

from bot.dialogs.billing_words import what_was_added
from bot.dialogs.contract import Link
from bot.dialogs.flow import Context, Flow, Step
from bot.i18n import N_
from core.accounts.enums import LineStatus
from core.billing.enums import OrderKind, OrderStatus
from core.errors import DomainError
from core.ports import ChatRef

CONFIRM_CHOICE = "deposit:confirm"


class DepositFlow(Flow):
    name = "deposit"
    menu_label = N_("Pay the deposit")
    menu_order = 12

    async def offered(self, ctx: Context) -> bool:
        line = ctx.subscriber
        if line is None or line.line_status == LineStatus.CLOSED:
            return False
        return line.deposit_due + line.installation_fee_due > 0

    async def ask_confirm(self, ctx: Context) -> None:
        quote = await ctx.services.orders.quote_deposit(ctx.subscriber_id)
        ctx.data["payable"] = quote.payable
        line, t, currency = ctx.logged_in, ctx.t, quote.currency
        lines = [ctx._("Your new line is opened as soon as these are paid:")]
        if line.deposit_due:
            lines.append(ctx._("Deposit: %(amount)s", amount=t.money(line.deposit_due, currency)))
        if line.installation_fee_due:
            lines.append(
                ctx._(
                    "Installation fee: %(amount)s",
                    amount=t.money(line.installation_fee_due, currency),
                )
            )
        if quote.wallet_used:
            lines.append(
                ctx._("From your wallet: -%(amount)s", amount=t.money(quote.wallet_used, currency))
            )
        lines.append(ctx._("To pay: %(amount)s", amount=t.money(quote.payable, currency)))
        label = ctx._("Confirm and pay") if quote.payable else ctx._("Confirm")
        ctx.say(
            "\n".join(lines),
            options=[ctx.option(CONFIRM_CHOICE, label), ctx.option("cmd:cancel", ctx._("Cancel"))],
        )

    async def on_confirm(self, ctx: Context) -> None:
        if ctx.input.choice != CONFIRM_CHOICE:
            await ctx.refuse(ctx._("Please choose Confirm to go on, or Cancel."))
            return
        quote = await ctx.services.orders.quote_deposit(ctx.subscriber_id)
        if quote.payable != ctx.data.get("payable"):
            await ctx.refuse(ctx._("The amounts have changed since. Please check them again."))
            return
        order = await ctx.services.orders.place_deposit_order(
            ctx.subscriber_id, chat=ChatRef(ctx.turn.channel, ctx.turn.chat_id)
        )
        ctx.reads.forget()
        tracking = ctx.t.digits(str(order.tracking_number))
        if order.status == OrderStatus.APPLIED:
            await ctx.finish(
                ctx._(
                    "Done! Order %(tracking)s is paid from your credit and applied.\n"
                    "Added to your account: %(what)s",
                    tracking=tracking,
                    what=what_was_added(ctx.t, OrderKind.DEPOSIT, None, 1),
                )
            )
            return
        amount = ctx.t.money(order.payable, order.currency)
        await ctx.finish(
            ctx._(
                "Your order is placed. Tracking number: %(tracking)s\n"
                "Amount to pay: %(amount)s\n"
                "Open the payment link to pay. As soon as the payment goes through, your line "
                "is opened and I will let you know.",
                tracking=tracking,
                amount=amount,
            ),
            links=[Link(order.pay_url or "", ctx._("Pay %(amount)s", amount=amount))],
        )

    async def begin(self, ctx: Context) -> None:
        line = ctx.logged_in
        if line.deposit_due + line.installation_fee_due <= 0:
            raise DomainError("no_deposit_due")
        await ctx.goto(self.CONFIRM)

    # ---- the steps ---------------------------------------------------------------------------
    CONFIRM = Step("confirm", ask_confirm, on_confirm)
    first_step = CONFIRM


FLOWS = [DepositFlow()]
