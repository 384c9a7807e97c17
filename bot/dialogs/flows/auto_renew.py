"""Automatic renewal (My account): on, the service is renewed from the wallet in its last hours
(core/billing/auto_renew.py); the subscriber sees what it would cost and whether the wallet holds
it, and turns it on or off. Where the line's currency is paid by card (Stripe), a card may be
saved for what the wallet lacks (core/billing/saved_cards.py), and removed here at any time."""

from __future__ import annotations

from bot.dialogs.contract import Link
from bot.dialogs.flow import Context, Flow, Step
from bot.i18n import N_
from core.billing.enums import OrderKind
from core.errors import DomainError

ON, OFF = "auto_renew:on", "auto_renew:off"
SAVE_CARD, REMOVE_CARD = "auto_renew:save_card", "auto_renew:remove_card"


class AutoRenewFlow(Flow):
    name = "auto_renew"
    menu_label = N_("Automatic renewal")
    menu_group = "account"
    menu_order = 35

    async def ask_switch(self, ctx: Context) -> None:
        line = ctx.logged_in
        setting = await ctx.services.auto_renewals.setting(line.id)
        status = await ctx.reads.status(line)
        plan = status.plan if status.plan and not status.on_free_charge else None
        lines = []
        if setting.enabled:
            lines.append(ctx._("Automatic renewal is on."))
        else:
            lines.append(ctx._("Automatic renewal is off."))
        if plan is None:
            lines.append(
                ctx._(
                    "It renews a paid service from your wallet in its last hours; you have none "
                    "in force now."
                )
            )
        else:
            lines.append(
                ctx._(
                    "When %(plan)s ends, it is renewed from your wallet, so the new period starts "
                    "without a break. If the wallet is short, I tell you at once.",
                    plan=ctx.t.plan_name(plan),
                )
            )
            try:
                quote = await ctx.services.orders.quote(
                    line.id, OrderKind.RENEW_SERVICE, setting.plan_code or plan.code
                )
            except DomainError:
                quote = None
            if quote is not None:
                money = ctx.t.money
                lines.append(
                    ctx._("A renewal costs %(total)s.", total=money(quote.total, quote.currency))
                )
                if quote.payable:
                    lines.append(
                        ctx._(
                            "Your wallet is short of %(short)s for it: top up your wallet first.",
                            short=money(quote.payable, quote.currency),
                        )
                    )
        options = [ctx.option(OFF, ctx._("Turn it off"))] if setting.enabled else []
        if not setting.enabled:
            options.append(ctx.option(ON, ctx._("Turn it on")))
        cards = ctx.services.saved_cards
        if await cards.has_card(line.id):
            lines.append(
                ctx._(
                    "A card is saved: when your wallet is short at a renewal, the card is "
                    "charged what it lacks. You are told the amount and the time before each "
                    "charge."
                )
            )
            options.append(ctx.option(REMOVE_CARD, ctx._("Remove my saved card")))
        elif setting.enabled and await cards.offered(line.id):
            options.append(ctx.option(SAVE_CARD, ctx._("Save a card for renewals")))
        options.append(ctx.option("cmd:menu", ctx._("Main menu")))
        ctx.say("\n".join(lines), options=options)

    async def on_switch(self, ctx: Context) -> None:
        choice = ctx.input.choice
        if choice == SAVE_CARD:
            await self._save_card(ctx)
            return
        if choice == REMOVE_CARD:
            await ctx.services.saved_cards.remove(ctx.subscriber_id)
            await ctx.finish(
                ctx._("Your saved card is removed. Renewals are made from your wallet only.")
            )
            return
        if choice not in (ON, OFF):
            await ctx.refuse(ctx._("Please choose one of the options below."))
            return
        await ctx.services.auto_renewals.set(ctx.subscriber_id, choice == ON)
        if choice == ON:
            await ctx.finish(
                ctx._(
                    "Automatic renewal is on. Keep enough in your wallet: choose Buy or renew, "
                    "then Top up my wallet."
                )
            )
        else:
            await ctx.finish(ctx._("Automatic renewal is off. Your service ends on its date."))

    async def _save_card(self, ctx: Context) -> None:
        """The provider's page where the card is entered (only its ids are kept here)."""
        url = await ctx.services.saved_cards.start(ctx.subscriber_id)
        await ctx.finish(
            ctx._(
                "Open the link to save your card with our payment provider. It is charged only "
                "when your wallet is short at an automatic renewal, and I tell you before each "
                "charge. Remove it here at any time."
            ),
            links=[Link(url, ctx._("Save my card"))],
        )

    # ---- the steps ---------------------------------------------------------------------------
    SWITCH = Step("switch", ask_switch, on_switch)
    first_step = SWITCH


FLOWS = [AutoRenewFlow()]
