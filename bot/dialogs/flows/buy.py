"""Buying: a service (new or renewal), traffic, timed traffic, a change of service, a static IP.

Every purchase is an order paid through a payment link; the core applies it when the payment
is confirmed and the outbox tells the subscriber (bot/dialogs/notices/billing.py). Nothing is
written until the subscriber confirms the pre-invoice.

```mermaid
flowchart LR
    kind -->|service, traffic, change| plan
    kind -->|static IP| plan_ip[plan] --> months
    plan --> confirm
    months --> confirm
    confirm -->|confirm| link[payment link + tracking number]
    confirm -->|cancel| menu
```
"""

from __future__ import annotations

from bot.dialogs.billing_words import KIND_LABELS, listing, plan_bytes, what_was_added
from bot.dialogs.contract import Link, Option
from bot.dialogs.errors import error_text
from bot.dialogs.flow import Context, Flow, Step
from bot.dialogs.normalize import parse_int
from bot.i18n import N_
from core.billing.enums import OrderKind, OrderStatus, PlanKind
from core.billing.pricing import Quote
from core.billing.quotes import MAX_MONTHS, MIN_MONTHS, refuse_blocked_line
from core.billing.read_models import PlanInfo, ServiceStatus
from core.errors import DomainError
from core.ports import ChatRef

SERVICE = "service"
TOPUP = "topup"
KINDS: list[tuple[str, str]] = [
    (SERVICE, N_("Buy or renew service")),
    (OrderKind.BUY_TRAFFIC.value, N_("Buy traffic")),
    (OrderKind.BUY_TIMED_TRAFFIC.value, N_("Buy timed traffic")),
    (OrderKind.CHANGE_SERVICE.value, N_("Change service")),
    (OrderKind.STATIC_IP.value, N_("Static IP")),
    (TOPUP, N_("Top up my wallet")),
]
MONTH_CHOICES = (1, 3, 6, 12)
CONFIRM_CHOICE = "buy:confirm"
SERVICE_KINDS = (OrderKind.BUY_SERVICE, OrderKind.RENEW_SERVICE)


class BuyFlow(Flow):
    name = "buy"
    menu_label = N_("Buy or renew")
    menu_order = 20

    async def begin(self, ctx: Context) -> None:
        # A line no purchase would open hears what it needs first, before choosing anything.
        refuse_blocked_line(ctx.logged_in)
        # Asked for in words ("buy traffic", "renew"): straight to its plans, still to be
        # chosen and confirmed; when that kind cannot be bought, why, and the kinds.
        asked = ctx.data.pop("asked", None)
        if asked in {kind for kind, _ in KINDS}:
            try:
                if await self._take_kind(ctx, asked):
                    return
                ctx.say(ctx._("Nothing of this kind is on sale right now."))
            except DomainError as error:
                ctx.say(error_text(ctx.t, error))
        await ctx.goto(self.first_step)

    # ---- what to buy -----------------------------------------------------------------------

    async def ask_kind(self, ctx: Context) -> None:
        status = await _status(ctx)
        options = []
        for kind, label in KINDS:
            if kind == OrderKind.STATIC_IP and status.static_ip:
                label = N_("Renew static IP")
            elif kind == OrderKind.STATIC_IP and not ctx.services.orders.sells_static_ips:
                continue
            options.append(ctx.option(f"kind:{kind}", ctx._(label)))
        ctx.say(ctx._("What would you like to buy?"), options=options)

    async def on_kind(self, ctx: Context) -> None:
        choice = ctx.input.choice or ""
        picked = choice.removeprefix("kind:") if choice.startswith("kind:") else None
        if picked not in {kind for kind, _ in KINDS}:
            await ctx.refuse(ctx._("Please choose one of the options below."))
            return
        if not await self._take_kind(ctx, picked):
            await ctx.refuse(ctx._("Nothing of this kind is on sale right now."))

    async def _take_kind(self, ctx: Context, picked: str) -> bool:
        """Go on to the plans of kind ``picked``; False when none is on sale."""
        if picked == TOPUP:
            await ctx.start("topup")
            return True
        status = await _status(ctx)
        paid_service = status.plan is not None and not status.on_free_charge
        if picked == SERVICE:
            kind = OrderKind.RENEW_SERVICE if paid_service else OrderKind.BUY_SERVICE
        else:
            kind = OrderKind(picked)
        if kind in (OrderKind.BUY_TRAFFIC, OrderKind.BUY_TIMED_TRAFFIC):
            if status.plan is None:
                raise DomainError("no_active_service")
            if status.unlimited:
                raise DomainError("service_unlimited")
        if kind == OrderKind.CHANGE_SERVICE and not paid_service:
            raise DomainError("no_active_service")
        if kind == OrderKind.STATIC_IP:
            await ctx.services.orders.check_static_ip(ctx.logged_in.id)
        plans = await _plans(ctx, kind, status)
        if not plans:
            return False
        ctx.data.update(kind=kind.value)
        if kind == OrderKind.STATIC_IP and len(plans) == 1:
            ctx.data.update(plan=plans[0].code, months=1)
            await ctx.goto(self.MONTHS)
            return True
        await ctx.goto(self.PLAN)
        return True

    # ---- which plan ------------------------------------------------------------------------

    async def ask_plan(self, ctx: Context) -> None:
        kind = OrderKind(ctx.data["kind"])
        status = await _status(ctx)
        plans = await _plans(ctx, kind, status)
        if not plans:
            await ctx.finish(ctx._("Nothing of this kind is on sale right now."))
            return
        current = status.plan.code if status.plan and not status.on_free_charge else None
        lines = [_plan_question(ctx, kind)]
        for plan in plans:
            line = ctx._(
                "%(name)s: %(details)s",
                name=ctx.t.plan_name(plan),
                details=plan_details(ctx, plan),
            )
            if plan.code == current and kind in SERVICE_KINDS:
                line = ctx._("%(plan)s (your current plan)", plan=line)
            lines.append("• " + line)
        ctx.say("\n".join(lines), options=[plan_option(ctx, plan) for plan in plans])

    async def on_plan(self, ctx: Context) -> None:
        kind = OrderKind(ctx.data["kind"])
        choice = ctx.input.choice or ""
        code = choice.removeprefix("plan:") if choice.startswith("plan:") else None
        status = await _status(ctx)
        plans = await _plans(ctx, kind, status)
        if code not in {plan.code for plan in plans}:
            await ctx.refuse(ctx._("Please choose one of the plans below."))
            return
        if kind in (OrderKind.BUY_SERVICE, OrderKind.RENEW_SERVICE):
            # Renewing is buying the plan in force again; another plan is a new service.
            current = status.plan.code if status.plan and not status.on_free_charge else None
            kind = OrderKind.RENEW_SERVICE if code == current else OrderKind.BUY_SERVICE
            ctx.data["kind"] = kind.value
            ctx.data["after_current"] = current is not None
        ctx.data.update(plan=code, months=1)
        if kind == OrderKind.STATIC_IP:
            await ctx.goto(self.MONTHS)
            return
        await _quote(ctx)  # a refusal (no service to add to...) is said here, at the plan
        await ctx.goto(self.CONFIRM)

    # ---- how many months (static IP) -------------------------------------------------------

    async def ask_months(self, ctx: Context) -> None:
        options = [
            ctx.option(f"months:{n}", ctx.t.ngettext("%(n)s month", "%(n)s months", n))
            for n in MONTH_CHOICES
        ]
        ctx.say(
            ctx._(
                "For how many months? Choose below or write a number from %(min)s to %(max)s.",
                min=MIN_MONTHS,
                max=MAX_MONTHS,
            ),
            options=options,
            numbered=False,
        )

    async def on_months(self, ctx: Context) -> None:
        choice = ctx.input.choice or ""
        if choice.startswith("months:"):
            months = parse_int(choice.removeprefix("months:"))
        else:
            months = parse_int(ctx.input.text)
        if months is None or not MIN_MONTHS <= months <= MAX_MONTHS:
            raise DomainError("invalid_months", min=MIN_MONTHS, max=MAX_MONTHS)
        ctx.data["months"] = months
        await _quote(ctx)
        await ctx.goto(self.CONFIRM)

    # ---- the pre-invoice -------------------------------------------------------------------

    async def ask_confirm(self, ctx: Context) -> None:
        try:
            quote = await _quote(ctx)
        except DomainError as error:  # things changed since the plan was chosen
            await ctx.finish(error_text(ctx.t, error))
            return
        ctx.data["payable"] = quote.payable
        plan = await ctx.services.billing_queries.plan(ctx.data["plan"])
        assert plan is not None
        kind = OrderKind(ctx.data["kind"])
        label = ctx._("Confirm and pay") if quote.payable else ctx._("Confirm")
        ctx.say(
            pre_invoice(
                ctx,
                kind,
                plan,
                int(ctx.data.get("months", 1)),
                quote,
                after_current=bool(ctx.data.get("after_current")),
            ),
            options=[ctx.option(CONFIRM_CHOICE, label), ctx.option("cmd:cancel", ctx._("Cancel"))],
        )

    async def on_confirm(self, ctx: Context) -> None:
        if ctx.input.choice != CONFIRM_CHOICE:
            await ctx.refuse(ctx._("Please choose Confirm to go on, or Cancel."))
            return
        quote = await _quote(ctx)
        if quote.payable != ctx.data.get("payable"):
            await ctx.refuse(ctx._("The amounts have changed since. Please check them again."))
            return
        kind = OrderKind(ctx.data["kind"])
        order = await ctx.services.orders.place_order(
            ctx.subscriber_id,
            kind,
            ctx.data["plan"],
            int(ctx.data.get("months", 1)),
            chat=ChatRef(ctx.turn.channel, ctx.turn.chat_id),
        )
        ctx.reads.forget()  # paid from the wallet, it is applied already
        tracking = ctx.t.digits(str(order.tracking_number))
        if order.status == OrderStatus.APPLIED:
            added = what_was_added(ctx.t, kind, order.plan, order.months)
            await ctx.finish(
                ctx._(
                    "Done! Order %(tracking)s is paid from your credit and applied.\n"
                    "Added to your account: %(what)s",
                    tracking=tracking,
                    what=added,
                )
            )
            return
        amount = ctx.t.money(order.payable, order.currency)
        await ctx.finish(
            ctx._(
                "Your order is placed. Tracking number: %(tracking)s\n"
                "Amount to pay: %(amount)s\n"
                "Open the payment link to pay. As soon as the payment goes through, your "
                "purchase is applied and I will let you know.",
                tracking=tracking,
                amount=amount,
            ),
            links=[Link(order.pay_url or "", ctx._("Pay %(amount)s", amount=amount))],
        )

    # ---- the steps ---------------------------------------------------------------------------
    KIND = Step("kind", ask_kind, on_kind)
    PLAN = Step("plan", ask_plan, on_plan)
    MONTHS = Step("months", ask_months, on_months)
    CONFIRM = Step("confirm", ask_confirm, on_confirm)
    first_step = KIND


# ---- helpers -------------------------------------------------------------------------------


# A step that reads the answer and the question it moves to run in one turn and read the same
# status, catalogue and quote: the turn's reads (ctx.reads) read each once (nothing is written
# before the order).
async def _status(ctx: Context) -> ServiceStatus:
    return await ctx.reads.status(ctx.logged_in)


async def _plans(ctx: Context, kind: OrderKind, status: ServiceStatus) -> list[PlanInfo]:
    currency = ctx.subscriber.currency if ctx.subscriber else ctx.services.settings.currency
    plans = await ctx.reads.catalogue(kind, currency)
    if kind == OrderKind.CHANGE_SERVICE and status.plan is not None:
        plans = [plan for plan in plans if plan.code != status.plan.code]
    return plans


async def _quote(ctx: Context) -> Quote:
    kind, code, months = (
        OrderKind(ctx.data["kind"]),
        ctx.data["plan"],
        int(ctx.data.get("months", 1)),
    )
    return await ctx.reads.quote(ctx.subscriber_id, kind, code, months)


def _plan_question(ctx: Context, kind: OrderKind) -> str:
    if kind == OrderKind.BUY_TRAFFIC:
        return ctx._("Which traffic pack would you like?")
    if kind == OrderKind.BUY_TIMED_TRAFFIC:
        return ctx._("Which timed pack would you like? It can be used only for its days.")
    if kind == OrderKind.CHANGE_SERVICE:
        return ctx._(
            "Which service would you like instead? What is left of your current service is "
            "taken off the price."
        )
    if kind == OrderKind.STATIC_IP:
        return ctx._("Static IP:")
    return ctx._("Which service would you like?")


def plan_option(ctx: Context, plan: PlanInfo) -> Option:
    """A plan as a choice: its name and price (the id is ``plan:<code>``)."""
    return ctx.option(
        f"plan:{plan.code}",
        ctx._(
            "%(name)s, %(price)s",
            name=ctx.t.plan_name(plan),
            price=ctx.t.money(plan.price, plan.currency),
        ),
    )


def plan_details(ctx: Context, plan: PlanInfo) -> str:
    """What a plan gives, in a few words: days, traffic, speed (or the monthly fee)."""
    t = ctx.t
    if plan.kind == PlanKind.STATIC_IP:
        return ctx._("%(price)s a month", price=t.money(plan.price, plan.currency))
    parts = []
    if plan.kind in (PlanKind.SERVICE, PlanKind.TIMED_TRAFFIC):
        parts.append(t.ngettext("%(n)s day", "%(n)s days", plan.duration_days))
    parts.append(ctx._("unlimited traffic") if plan.unlimited else t.traffic(plan_bytes(plan)))
    if plan.bonus_percent:
        parts.append(ctx._("%(percent)s%% extra included", percent=plan.bonus_percent))
    if plan.speed_kbps:
        parts.append(ctx._("%(speed)s kbit/s", speed=plan.speed_kbps))
    description = t.catalogue(plan.description_in(ctx.language))
    if description:
        parts.append(description)
    return listing(t, parts)


def pre_invoice(
    ctx: Context,
    kind: OrderKind,
    plan: PlanInfo,
    months: int,
    quote: Quote,
    *,
    after_current: bool = False,
) -> str:
    t, currency = ctx.t, quote.currency
    name = t.plan_name(plan)
    if kind == OrderKind.STATIC_IP:
        name = t.ngettext("%(n)s month", "%(n)s months", months)
    lines = [
        ctx._("Pre-invoice: %(what)s, %(plan)s", what=ctx._(KIND_LABELS[kind]), plan=name),
        ctx._("Price: %(amount)s", amount=t.money(quote.subtotal, currency)),
        ctx._(
            "VAT %(percent)s%%: %(amount)s",
            percent=ctx.services.settings.vat_percent.normalize(),
            amount=t.money(quote.vat, currency),
        ),
    ]
    if quote.subscription_fee:
        lines.append(
            ctx._("Subscription fee: %(amount)s", amount=t.money(quote.subscription_fee, currency))
        )
    if quote.proration_credit:
        lines.append(
            ctx._(
                "Credit for the rest of your current service: -%(amount)s",
                amount=t.money(quote.proration_credit, currency),
            )
        )
    if quote.wallet_used:
        lines.append(
            ctx._("From your wallet: -%(amount)s", amount=t.money(quote.wallet_used, currency))
        )
    lines.append(ctx._("To pay: %(amount)s", amount=t.money(quote.payable, currency)))
    if quote.wallet_credit:
        lines.append(
            ctx._(
                "Nothing to pay: %(amount)s left over goes to your wallet.",
                amount=t.money(quote.wallet_credit, currency),
            )
        )
    elif quote.payable == 0:
        lines.append(ctx._("Nothing to pay: your credit covers it."))
    if after_current and kind in SERVICE_KINDS:
        lines.append(ctx._("It starts when your current service ends."))
    elif kind == OrderKind.CHANGE_SERVICE and quote.payable == 0:
        lines.append(ctx._("The new service starts as soon as you confirm."))
    elif kind == OrderKind.CHANGE_SERVICE:
        lines.append(ctx._("The new service starts as soon as the order is paid."))
    return "\n".join(lines)


FLOWS = [BuyFlow()]
