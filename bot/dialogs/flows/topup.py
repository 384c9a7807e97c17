"""Top up the wallet: money put in ahead of purchases (a renewal, traffic), paid through a link
like any order and credited to the wallet when paid, exactly once, with its receipt.

Offered from *Buy or renew*; the amounts offered are what the next renewal still needs and the
plan's price once and twice, and any other amount may be typed in the unit amounts are shown in
(toman where the bot shows toman).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from bot.dialogs.flow import Context, Flow, Step
from bot.dialogs.flows.planless_order import ask_to_confirm, place_when_confirmed
from bot.dialogs.normalize import normalize_text
from bot.i18n import currency_exponent
from core.billing.enums import OrderKind, PlanKind
from core.billing.quotes import topup_limits
from core.errors import DomainError, InvalidInput

CONFIRM_CHOICE = "topup:confirm"
AMOUNT_PREFIX = "topup:"
# Offered amounts at most; the rest is typed.
OFFERED = 3


class TopUpFlow(Flow):
    name = "topup"

    async def begin(self, ctx: Context) -> None:
        # An alert's "Top up my wallet" names what the wallet lacks: straight to its
        # pre-invoice. Any other amount a client sends is asked again, like a typed one.
        amount = ctx.data.pop("amount", None)
        if isinstance(amount, int) and not isinstance(amount, bool):
            low, high = topup_limits(ctx.services.settings, ctx.logged_in.currency)
            if low <= amount <= high:
                ctx.data["amount"] = amount
                await ctx.goto(self.CONFIRM)
                return
        await ctx.goto(self.first_step)

    # ---- how much --------------------------------------------------------------------------

    async def ask_amount(self, ctx: Context) -> None:
        line, t = ctx.logged_in, ctx.t
        balance = await ctx.services.billing_queries.wallet_balance(line.id)
        amounts = await offered_amounts(ctx)
        options = [
            ctx.option(f"{AMOUNT_PREFIX}{amount}", t.money(amount, line.currency))
            for amount in amounts
        ]
        ctx.say(
            ctx._(
                "Your wallet holds %(balance)s. How much would you like to add? Choose an amount "
                "or type one.",
                balance=t.money(balance, line.currency),
            ),
            options=options,
            numbered=False,
        )

    async def on_amount(self, ctx: Context) -> None:
        line = ctx.logged_in
        choice = ctx.input.choice or ""
        if choice.startswith(AMOUNT_PREFIX) and choice[len(AMOUNT_PREFIX) :].isdigit():
            amount: int | None = int(choice[len(AMOUNT_PREFIX) :])
        else:
            amount = typed_amount(ctx, ctx.input.text or "", line.currency)
        if amount is None:
            await ctx.refuse(ctx._("Please type the amount in figures, for example 500000."))
            return
        low, high = topup_limits(ctx.services.settings, line.currency)
        if not low <= amount <= high:
            raise InvalidInput(
                "invalid_topup_amount",
                field="amount",
                min_amount=low,
                max_amount=high,
                currency=line.currency,
            )
        ctx.data["amount"] = amount
        await ctx.goto(self.CONFIRM)

    # ---- the pre-invoice -------------------------------------------------------------------

    async def ask_confirm(self, ctx: Context) -> None:
        amount = int(ctx.data["amount"])
        quote = await ctx.services.orders.quote_topup(ctx.subscriber_id, amount)
        lines = [
            ctx._(
                "Top up your wallet: %(amount)s",
                amount=ctx.t.money(quote.subtotal, quote.currency),
            )
        ]
        ask_to_confirm(ctx, lines, quote, CONFIRM_CHOICE)

    async def on_confirm(self, ctx: Context) -> None:
        amount = int(ctx.data["amount"])
        orders = ctx.services.orders

        async def quote(subscriber_id: int):
            return await orders.quote_topup(subscriber_id, amount)

        async def place(subscriber_id: int, **kwargs):
            return await orders.place_topup_order(subscriber_id, amount, **kwargs)

        await place_when_confirmed(
            ctx,
            CONFIRM_CHOICE,
            OrderKind.WALLET_TOPUP,
            quote,
            place,
            lambda tracking, to_pay: ctx._(
                "Your order is placed. Tracking number: %(tracking)s\n"
                "Amount to pay: %(amount)s\n"
                "Open the payment link to pay. As soon as the payment goes through, the amount "
                "is in your wallet and I will let you know.",
                tracking=tracking,
                amount=to_pay,
            ),
        )

    # ---- the steps ---------------------------------------------------------------------------
    AMOUNT = Step("amount", ask_amount, on_amount)
    CONFIRM = Step("confirm", ask_confirm, on_confirm)
    first_step = AMOUNT


async def offered_amounts(ctx: Context) -> list[int]:
    """What the next renewal still needs (when the wallet falls short of it), then the price of
    the plan in force (or of the cheapest on sale) once and twice: within the limits, each
    once, smallest first."""
    line = ctx.logged_in
    status = await ctx.reads.status(line)
    amounts: list[int] = []
    price = None
    if status.plan is not None and not status.on_free_charge:
        try:
            renewal = await ctx.services.orders.quote(
                line.id, OrderKind.RENEW_SERVICE, status.plan.code
            )
        except DomainError:
            renewal = None
        if renewal is not None:
            price = renewal.total
            if renewal.payable:
                amounts.append(renewal.payable)
    if price is None:
        plans = await ctx.reads.catalogue(OrderKind.BUY_SERVICE, line.currency)
        services = [plan for plan in plans if plan.kind == PlanKind.SERVICE]
        if services:
            cheapest = min(services, key=lambda plan: plan.price)
            try:
                price = (
                    await ctx.services.orders.quote(line.id, OrderKind.BUY_SERVICE, cheapest.code)
                ).total
            except DomainError:
                price = None
    if price:
        amounts += [price, 2 * price]
    low, high = topup_limits(ctx.services.settings, line.currency)
    return sorted({amount for amount in amounts if low <= amount <= high})[:OFFERED]


def typed_amount(ctx: Context, text: str, currency: str) -> int | None:
    """An amount typed in the unit amounts are shown in, in minor units: toman for rials when
    the bot shows toman, else the currency's major unit ("12.50" dollars is 1250 cents)."""
    cleaned = re.sub(r"[\s,٬']", "", normalize_text(text)).replace("٫", ".")
    if not cleaned or not re.fullmatch(r"\d+(\.\d+)?", cleaned):
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if ctx.t.money_in_toman and currency == "IRR":
        minor = value * 10
    else:
        minor = value.scaleb(currency_exponent(currency))
    if minor != minor.to_integral_value():
        return None
    return int(minor)


FLOWS = [TopUpFlow()]
