"""Bills: a postpaid line's bills, newest first, with their state and last day to pay; the
oldest unpaid one is paid through a link like any order (kind ``bill``), which settles it and
opens a line it isolated.

Offered in the menu only to a postpaid line; chosen anyway (typed, or an old button), the flow
says there is nothing to see. The pre-invoice is asked once, then the link is given.
"""

from __future__ import annotations

from bot.dialogs.flow import Context, Flow, Step
from bot.dialogs.flows.planless_order import ask_to_confirm, place_when_confirmed
from bot.i18n import N_
from core.billing.enums import BillState, OrderKind
from core.billing.read_models import BillView

PAY_CHOICE = "bills:pay"
CONFIRM_CHOICE = "bills:confirm"
# The bills shown, newest first.
SHOWN_BILLS = 6
STATE_LABELS: dict[str, str] = {
    BillState.OPEN: N_("to pay"),
    BillState.PAID: N_("paid"),
    BillState.OVERDUE: N_("overdue"),
}


class BillsFlow(Flow):
    name = "bills"
    menu_label = N_("Bills")
    menu_order = 14

    async def offered(self, ctx: Context) -> bool:
        # Read with the turn's status (TurnReads.summary): the menu asks on every turn.
        return ctx.subscriber is not None and await ctx.reads.postpaid(ctx.subscriber)

    async def ask_list(self, ctx: Context) -> None:
        bills = await ctx.services.bills.bills_of(ctx.subscriber_id, SHOWN_BILLS)
        if not bills:
            text = ctx._(
                "No bill yet. Your first bill comes after your first full month of service."
            )
        else:
            text = "\n".join([ctx._("Your bills:"), *(bill_line(ctx, b) for b in bills)])
        options = []
        if any(b.payable for b in bills):
            options.append(ctx.option(PAY_CHOICE, ctx._("Pay the open bill")))
        options.append(ctx.option("cmd:menu", ctx._("Main menu")))
        ctx.say(text, options=options)

    async def on_list(self, ctx: Context) -> None:
        if ctx.input.choice != PAY_CHOICE:
            await ctx.refuse(ctx._("Please choose Pay the open bill, or Main menu."))
            return
        await ctx.goto(self.CONFIRM)

    async def ask_confirm(self, ctx: Context) -> None:
        bill = await ctx.services.bills.open_bill(ctx.subscriber_id)
        quote = await ctx.services.orders.quote_bill(ctx.subscriber_id)
        t, currency = ctx.t, quote.currency
        lines = []
        if bill is not None:
            lines.append(
                ctx._(
                    "Bill for %(start)s to %(end)s (%(days)s)",
                    start=t.date(bill.starts_on),
                    end=t.date(bill.ends_on),
                    days=t.ngettext("%(n)s day", "%(n)s days", bill.days),
                )
            )
        lines.append(ctx._("Amount: %(amount)s", amount=t.money(quote.subtotal, currency)))
        lines.append(ctx._("VAT: %(amount)s", amount=t.money(quote.vat, currency)))
        ask_to_confirm(ctx, lines, quote, CONFIRM_CHOICE)

    async def on_confirm(self, ctx: Context) -> None:
        await place_when_confirmed(
            ctx,
            CONFIRM_CHOICE,
            OrderKind.BILL,
            ctx.services.orders.quote_bill,
            ctx.services.orders.place_bill_order,
            lambda tracking, amount: ctx._(
                "Your order is placed. Tracking number: %(tracking)s\n"
                "Amount to pay: %(amount)s\n"
                "Open the payment link to pay. As soon as the payment goes through, your bill "
                "is settled and I will send you the receipt.",
                tracking=tracking,
                amount=amount,
            ),
        )

    # ---- the steps ---------------------------------------------------------------------------
    LIST = Step("list", ask_list, on_list)
    CONFIRM = Step("confirm", ask_confirm, on_confirm)
    first_step = LIST


def bill_line(ctx: Context, bill: BillView) -> str:
    t = ctx.t
    line = ctx._(
        "• %(start)s to %(end)s (%(days)s): %(total)s, %(state)s, last day to pay %(due)s",
        start=t.date(bill.starts_on),
        end=t.date(bill.ends_on),
        days=t.ngettext("%(n)s day", "%(n)s days", bill.days),
        total=t.money(bill.total, bill.currency),
        state=ctx._(STATE_LABELS[bill.state]),
        due=t.date(bill.due_on),
    )
    if bill.carried_days:
        line += " " + t.ngettext(
            "(with %(n)s day from the activation)",
            "(with %(n)s days from the activation)",
            bill.carried_days,
        )
    return line


FLOWS = [BillsFlow()]
