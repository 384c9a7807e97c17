"""Histories: services, bills, campaign charges, payments (orders) and the wallet.

A submenu; each choice shows its latest lines and the submenu again, until the subscriber
goes back to the main menu.
"""

from __future__ import annotations

from bot.dialogs.billing_words import KIND_LABELS, STATUS_LABELS, item_name
from bot.dialogs.contract import Link
from bot.dialogs.flow import Context, Flow, Step
from bot.dialogs.receipts import receipt_replies
from bot.i18n import N_
from core.billing.enums import OrderStatus, SubscriptionSource, SubscriptionStatus, WalletEntryKind
from core.billing.jobs import CAMPAIGN_APPLIED
from core.billing.receipts import latest_receipts
from core.billing.units import mb_to_bytes

# The lines shown of each history, newest first.
SHOWN_LINES = 10
SECTIONS: list[tuple[str, str]] = [
    ("services", N_("Service history")),
    ("bills", N_("Bill history")),
    ("campaigns", N_("Campaign charges")),
    ("orders", N_("Payments and orders")),
    ("wallet", N_("Wallet")),
    ("receipts", N_("Receipts")),
]
# Receipts sent again from the history, newest first.
SHOWN_RECEIPTS = 3
SOURCE_LABELS: dict[str, str] = {
    SubscriptionSource.ONLINE: N_("bought online"),
    SubscriptionSource.ADMIN: N_("given by our office"),
    SubscriptionSource.SALES_AGENT: N_("bought from a sales agent"),
    SubscriptionSource.FREE_CHARGE: N_("free charge"),
}
SUBSCRIPTION_STATUS_LABELS: dict[str, str] = {
    SubscriptionStatus.ACTIVE: N_("active"),
    SubscriptionStatus.RESERVED: N_("bought ahead"),
    SubscriptionStatus.ENDED: N_("ended"),
    SubscriptionStatus.REPLACED: N_("replaced"),
}
WALLET_LABELS: dict[str, str] = {
    WalletEntryKind.PRORATION_CREDIT: N_("credit left over from a change of service"),
    WalletEntryKind.ORDER_PAYMENT: N_("used for an order"),
    WalletEntryKind.REFUND: N_("payment returned to the wallet"),
    WalletEntryKind.ADJUSTMENT: N_("correction by our office"),
    WalletEntryKind.TOPUP: N_("wallet top-up"),
    WalletEntryKind.PAUSE_FEE: N_("fee for pausing the service"),
}


class HistoryFlow(Flow):
    name = "history"
    menu_label = N_("History")
    menu_order = 35

    async def begin(self, ctx: Context) -> None:
        # Asked for in words ("send me my receipt"): that section, then the sections.
        if ctx.data.pop("section", None) == "receipts":
            await say_receipts(ctx)
        await ctx.goto(self.first_step)

    async def ask_section(self, ctx: Context) -> None:
        options = [ctx.option(f"history:{key}", ctx._(label)) for key, label in SECTIONS]
        options.append(ctx.option("cmd:menu", ctx._("Main menu")))
        ctx.say(ctx._("Which history would you like to see?"), options=options)

    async def on_section(self, ctx: Context) -> None:
        choice = ctx.input.choice or ""
        key = choice.removeprefix("history:") if choice.startswith("history:") else None
        show = {
            "services": services_text,
            "bills": bills_text,
            "campaigns": campaigns_text,
            "orders": orders_text,
            "wallet": wallet_text,
        }.get(key or "")
        if key == "receipts":
            await say_receipts(ctx)
        elif show is None:
            ctx.say(ctx._("Please choose one of the histories below."))
        else:
            links = await pending_payment_links(ctx) if key == "orders" else []
            ctx.say(await show(ctx), links=links)
        await ctx.stay()

    # ---- the steps ---------------------------------------------------------------------------
    SECTION = Step("section", ask_section, on_section)
    first_step = SECTION


async def say_receipts(ctx: Context) -> None:
    """The latest paid orders' receipts again, each as it was sent when the order was applied."""
    paid = await latest_receipts(ctx.subscriber_id, SHOWN_RECEIPTS)
    if not paid:
        ctx.say(ctx._("%(title)s: nothing yet.", title=ctx._("Receipts")))
    for receipt in paid:
        for reply in await receipt_replies(ctx.t, receipt):
            ctx.say(reply.text, attachment=reply.attachment)


def _tracking(ctx: Context, number: int | None) -> str:
    if number is None:
        return ""
    return " " + ctx._("(order %(tracking)s)", tracking=ctx.t.digits(str(number)))


def _titled(ctx: Context, title: str, lines: list[str]) -> str:
    if not lines:
        return ctx._("%(title)s: nothing yet.", title=title)
    return "\n".join([ctx._("%(title)s:", title=title), *lines])


async def services_text(ctx: Context) -> str:
    rows = await ctx.services.billing_queries.service_history(ctx.subscriber_id, SHOWN_LINES)
    lines = [
        ctx._(
            "• %(start)s to %(end)s: %(plan)s, %(source)s, %(status)s",
            start=ctx.t.day(row.starts_at),
            end=ctx.t.day(row.ends_at),
            plan=ctx.t.plan_name(row.plan),
            source=ctx._(SOURCE_LABELS.get(row.source, row.source)),
            status=ctx._(SUBSCRIPTION_STATUS_LABELS.get(row.status, row.status)),
        )
        + _tracking(ctx, row.tracking_number)
        for row in rows
    ]
    return _titled(ctx, ctx._("Service history"), lines)


async def bills_text(ctx: Context) -> str:
    rows = await ctx.services.billing_queries.bill_history(ctx.subscriber_id, SHOWN_LINES)
    lines = [
        ctx._(
            "• %(start)s to %(end)s: %(plan)s, %(days)s, %(amount)s",
            start=ctx.t.day(row.starts_at),
            end=ctx.t.day(row.ends_at),
            plan=ctx.t.plan_name(row.plan),
            days=ctx.t.ngettext("%(n)s day", "%(n)s days", row.days),
            amount=ctx.t.money(row.amount, row.currency),
        )
        + _tracking(ctx, row.tracking_number)
        for row in rows
    ]
    return _titled(ctx, ctx._("Bill history"), lines)


async def campaigns_text(ctx: Context) -> str:
    rows = await ctx.services.billing_queries.campaign_history(ctx.subscriber_id, SHOWN_LINES)
    lines = [
        ctx._(
            "• %(when)s: %(plan)s, %(traffic)s, %(result)s",
            when=ctx.t.datetime(row.charged_at),
            plan=ctx.t.plan_name(row.plan),
            traffic=ctx.t.traffic(mb_to_bytes(row.megabytes), "MB"),
            result=ctx._("added")
            if row.result == CAMPAIGN_APPLIED
            else ctx._("not added: the line is closed"),
        )
        for row in rows
    ]
    return _titled(ctx, ctx._("Campaign charges"), lines)


async def orders_text(ctx: Context) -> str:
    rows = await ctx.services.billing_queries.orders(ctx.subscriber_id, limit=SHOWN_LINES)
    lines = []
    for row in rows:
        line = ctx._(
            "• %(tracking)s, %(when)s: %(kind)s, %(plan)s, %(amount)s, %(status)s",
            tracking=ctx.t.digits(str(row.tracking_number)),
            when=ctx.t.datetime(row.created_at),
            kind=ctx._(KIND_LABELS[row.kind]),
            plan=item_name(ctx.t, row.kind, row.plan),
            amount=ctx.t.money(row.payable, row.currency),
            status=ctx._(STATUS_LABELS[row.status]),
        )
        if row.refunded:
            line += " " + ctx._(
                "(not applied: %(amount)s went to your wallet)",
                amount=ctx.t.money(row.refunded, row.currency),
            )
        lines.append(line)
    return _titled(ctx, ctx._("Payments and orders"), lines)


async def pending_payment_links(ctx: Context) -> list[Link]:
    """Orders still waiting for payment: their links again, for whoever lost the first one."""
    rows = await ctx.services.billing_queries.orders(
        ctx.subscriber_id, status=OrderStatus.PENDING, limit=SHOWN_LINES
    )
    return [
        Link(
            row.pay_url,
            ctx._(
                "Pay order %(tracking)s (%(amount)s)",
                tracking=ctx.t.digits(str(row.tracking_number)),
                amount=ctx.t.money(row.payable, row.currency),
            ),
        )
        for row in rows
        if row.pay_url
    ]


async def wallet_text(ctx: Context) -> str:
    queries = ctx.services.billing_queries
    balance = await queries.wallet_balance(ctx.subscriber_id)
    rows = await queries.wallet_history(ctx.subscriber_id, SHOWN_LINES)
    currency = ctx.subscriber.currency if ctx.subscriber else ctx.services.settings.currency
    lines = [ctx._("Wallet credit: %(amount)s", amount=ctx.t.money(balance, currency))]
    for row in rows:
        amount = ctx.t.money(abs(row.amount), row.currency)
        lines.append(
            ctx._(
                "• %(when)s: %(sign)s%(amount)s, %(what)s",
                when=ctx.t.datetime(row.created_at),
                sign="+" if row.amount > 0 else "-",
                amount=amount,
                what=ctx._(WALLET_LABELS.get(row.kind, row.kind)),
            )
            + _tracking(ctx, row.tracking_number)
        )
    return "\n".join(lines)


FLOWS = [HistoryFlow()]
