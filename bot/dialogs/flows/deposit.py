"""Pay the deposit: a new line stays isolated until what it owes at installation (the deposit and
the installation fee staff set) is paid; paid through a link like any order, it opens the line.

Offered in the menu only while something is owed; chosen anyway (typed, or an old button), the
flow says there is nothing to pay. The pre-invoice is asked once, then the link is given.
"""

from __future__ import annotations

from bot.dialogs.flow import Context, Flow, Step
from bot.dialogs.flows.planless_order import ask_to_confirm, place_when_confirmed
from bot.i18n import N_
from core.accounts.enums import LineStatus
from core.billing.enums import OrderKind
from core.errors import DomainError

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
        ask_to_confirm(ctx, lines, quote, CONFIRM_CHOICE)

    async def on_confirm(self, ctx: Context) -> None:
        await place_when_confirmed(
            ctx,
            CONFIRM_CHOICE,
            OrderKind.DEPOSIT,
            ctx.services.orders.quote_deposit,
            ctx.services.orders.place_deposit_order,
            lambda tracking, amount: ctx._(
                "Your order is placed. Tracking number: %(tracking)s\n"
                "Amount to pay: %(amount)s\n"
                "Open the payment link to pay. As soon as the payment goes through, your line "
                "is opened and I will let you know.",
                tracking=tracking,
                amount=amount,
            ),
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
