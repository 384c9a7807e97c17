"""The one-time free charge: 2 days if the days ran out, 100 MB if the traffic ran out.

Offered in the menu only when it can be taken; chosen anyway (typed, or an old button), the
flow says why not. Taking it asks once, then shows what was granted and until when.
"""

from __future__ import annotations

from bot.dialogs.errors import error_text
from bot.dialogs.flow import Context, Flow, Step
from bot.i18n import N_, Texts
from core.billing.read_models import FreeChargeOffer
from core.billing.units import mb_to_bytes
from core.errors import DomainError

TAKE = "free:take"


class FreeChargeFlow(Flow):
    name = "free_charge"
    menu_label = N_("Free charge")
    menu_order = 25

    async def offered(self, ctx: Context) -> bool:
        if ctx.subscriber is None:
            return False
        # Read once per turn: "My service" asked the same for its text just before the menu.
        return await ctx.reads.free_charge_available(ctx.subscriber)

    async def begin(self, ctx: Context) -> None:
        offer = await ctx.services.billing_queries.free_charge_offer(ctx.logged_in)
        if not offer.available:
            await ctx.finish(refusal(ctx, offer))
            return
        await ctx.goto(self.first_step)

    async def ask_confirm(self, ctx: Context) -> None:
        offer = await ctx.services.billing_queries.free_charge_offer(ctx.logged_in)
        if not offer.available:  # taken meanwhile from another chat
            await ctx.finish(refusal(ctx, offer))
            return
        ctx.say(
            ctx._(
                "You can take a one-time free charge of %(grant)s, so that you can connect and "
                "pay online. It can be used only once. Take it now?",
                grant=grant_text(ctx.t, offer.days, offer.megabytes),
            ),
            options=[
                ctx.option(TAKE, ctx._("Yes, take it")),
                ctx.option("cmd:cancel", ctx._("Not now")),
            ],
        )

    async def on_confirm(self, ctx: Context) -> None:
        if ctx.input.choice != TAKE:
            await ctx.refuse(ctx._("Please choose Yes to take the free charge, or Not now."))
            return
        try:
            grant = await ctx.services.free_charges.take(ctx.subscriber_id)
        except DomainError as error:
            ctx.reads.forget()  # taken meanwhile, or the service changed
            offer = await ctx.services.billing_queries.free_charge_offer(ctx.logged_in)
            if offer.available:
                await ctx.finish(error_text(ctx.t, error))
            else:
                await ctx.finish(refusal(ctx, offer))
            return
        ctx.reads.forget()
        await ctx.finish(
            ctx._(
                "Done! You got %(grant)s, until %(until)s. Please renew your service before "
                "then, or your line will be suspended.",
                grant=grant_text(ctx.t, grant.days, grant.megabytes),
                until=ctx.t.datetime(grant.expires_at),
            )
        )

    # ---- the steps ---------------------------------------------------------------------------
    CONFIRM = Step("confirm", ask_confirm, on_confirm)
    first_step = CONFIRM


def grant_text(t: Texts, days: int, megabytes: int) -> str:
    """A free charge in words ("2 days and 100 MB"), as the flow, SMS and agents' notice say it."""
    parts = []
    if days:
        parts.append(t.ngettext("%(n)s day", "%(n)s days", days))
    if megabytes:
        parts.append(t.traffic(mb_to_bytes(megabytes), "MB"))
    if len(parts) == 2:
        return t.gettext("%(days)s and %(traffic)s", days=parts[0], traffic=parts[1])
    return parts[0] if parts else ""


def refusal(ctx: Context, offer: FreeChargeOffer) -> str:
    """Why the free charge cannot be taken now, in words."""
    if offer.reason == "already_used":
        return ctx._(
            "You have already used your one-time free charge. It can be used only once. "
            "To connect again, choose Buy or renew."
        )
    if offer.reason == "service_remaining":
        if offer.remaining_bytes is None:
            traffic = ctx._("unlimited traffic")
        else:
            traffic = ctx.t.traffic(offer.remaining_bytes)
        left = ctx.t.ngettext(
            "%(n)s day and %(traffic)s",
            "%(n)s days and %(traffic)s",
            offer.remaining_days,
            traffic=traffic,
        )
        return ctx._(
            "The free charge is only for when your days or your traffic have run out. You still "
            "have %(left)s, so you do not need it now.",
            left=left,
        )
    if offer.reason == "no_service":
        return ctx._(
            "The free charge is for subscribers whose service has run out. You have no service "
            "yet: choose Buy or renew to get one."
        )
    if offer.reason == "line_closed":
        return ctx._("This line is closed, so the free charge is not available.")
    return ctx._("The free charge is not available at the moment.")


FLOWS = [FreeChargeFlow()]
