"""Pause my service (My account): stop the service for some days within the ISP's limits instead
of cancelling it; the days and traffic left are kept and it resumes on the day chosen, or earlier
when asked (core/billing/pauses.py). A paused line is offered Resume now instead."""

from __future__ import annotations

from datetime import datetime

from bot.dialogs.errors import error_text
from bot.dialogs.flow import Context, Flow, Step
from bot.dialogs.normalize import parse_int
from bot.i18n import N_, Texts
from core.billing.pauses import PauseLimits
from core.errors import DomainError

DAYS_PREFIX = "pause:days:"
CONFIRM, RESUME = "pause:confirm", "pause:resume"
# Lengths offered as buttons (within the limits); any other is typed.
OFFERED_DAYS = (7, 14, 30, 60)
# Refusals that a different number of days answers: the question is put again.
ASK_AGAIN = {"pause_too_short", "pause_too_long", "invalid_pause_days"}


class PauseFlow(Flow):
    name = "pause"
    menu_label = N_("Pause my service")
    menu_group = "account"
    menu_order = 37

    async def offered(self, ctx: Context) -> bool:
        return ctx.services.settings.pause_times_a_year > 0

    async def begin(self, ctx: Context) -> None:
        pauses = ctx.services.pauses
        seen = await pauses.state(ctx.subscriber_id)
        if seen.current is not None:
            await ctx.goto(self.RESUME_STEP)
            return
        try:
            # Whatever refuses every length (no service, the year's pauses used, a blocked
            # line, a short wallet) is said before the days are asked.
            await pauses.quote(ctx.subscriber_id, seen.limits.min_days)
        except DomainError as refused:
            await ctx.finish(pause_refusal_text(ctx.t, refused))
            return
        await ctx.goto(self.DAYS)

    # ---- how many days ---------------------------------------------------------------------

    async def ask_days(self, ctx: Context) -> None:
        seen = await ctx.services.pauses.state(ctx.subscriber_id)
        limits = seen.limits
        lines = [
            ctx._(
                "You can pause your service for %(min)s to %(max)s days. Your line cannot "
                "connect while paused; the days and traffic you have left are kept, and it "
                "resumes by itself on the day you choose (or earlier, when you ask).",
                min=limits.min_days,
                max=limits.max_days,
            ),
            fee_text(ctx.t, limits),
            ctx._(
                "Pauses left in the last 12 months: %(left)s of %(times)s.",
                left=seen.left_this_year,
                times=limits.times_a_year,
            ),
            ctx._("How many days? Choose or type a number."),
        ]
        days = sorted({d for d in OFFERED_DAYS if limits.min_days <= d <= limits.max_days})
        options = [
            ctx.option(f"{DAYS_PREFIX}{d}", ctx.t.ngettext("%(n)s day", "%(n)s days", d))
            for d in days
        ]
        options.append(ctx.option("cmd:cancel", ctx._("Cancel")))
        ctx.say("\n".join(lines), options=options, numbered=False)

    async def on_days(self, ctx: Context) -> None:
        choice = ctx.input.choice or ""
        if choice.startswith(DAYS_PREFIX):
            days = parse_int(choice.removeprefix(DAYS_PREFIX))
        else:
            days = parse_int(ctx.input.text or "")
        if days is None:
            await ctx.refuse(ctx._("Please send the number of days in figures, for example 14."))
            return
        try:
            await ctx.services.pauses.quote(ctx.subscriber_id, days)
        except DomainError as refused:
            await self._refused(ctx, refused)
            return
        ctx.data["days"] = days
        await ctx.goto(self.CONFIRM_STEP)

    # ---- what it does, then Confirm ------------------------------------------------------

    async def ask_confirm(self, ctx: Context) -> None:
        try:
            quote = await ctx.services.pauses.quote(ctx.subscriber_id, int(ctx.data["days"]))
        except DomainError as refused:  # changed since the days were chosen (an SMS, staff)
            await ctx.finish(pause_refusal_text(ctx.t, refused))
            return
        t = ctx.t
        lines = [
            t.ngettext(
                "Pause for %(n)s day: from now until %(resume)s.",
                "Pause for %(n)s days: from now until %(resume)s.",
                quote.days,
                resume=t.datetime(quote.resume_at),
            ),
            ctx._(
                "Your service then ends on %(end)s instead, with the traffic you have now.",
                end=t.day(quote.service_ends_at),
            ),
        ]
        if quote.fee:
            lines.append(
                ctx._(
                    "Fee: %(fee)s, from your wallet (it holds %(balance)s).",
                    fee=t.money(quote.fee, quote.currency),
                    balance=t.money(quote.wallet_balance, quote.currency),
                )
            )
        else:
            lines.append(ctx._("Pausing is free."))
        ctx.data["fee"] = quote.fee
        ctx.say(
            "\n".join(lines),
            options=[
                ctx.option(CONFIRM, ctx._("Confirm the pause")),
                ctx.option("cmd:cancel", ctx._("Cancel")),
            ],
        )

    async def on_confirm(self, ctx: Context) -> None:
        if ctx.input.choice != CONFIRM:
            await ctx.refuse(ctx._("Please choose Confirm the pause to go on, or Cancel."))
            return
        days = int(ctx.data["days"])
        pauses = ctx.services.pauses
        try:
            if (await pauses.quote(ctx.subscriber_id, days)).fee != ctx.data.get("fee"):
                await ctx.refuse(ctx._("The fee has changed since. Please check it again."))
                return
            pause = await pauses.pause(ctx.subscriber_id, days)
        except DomainError as refused:
            await self._refused(ctx, refused)
            return
        ctx.reads.forget()
        await ctx.finish(
            ctx._(
                "Your service is paused until %(resume)s. Your line cannot connect until then. "
                "To resume earlier, choose My account, then Pause my service.",
                resume=ctx.t.datetime(pause.resume_at),
            )
        )

    # ---- a paused line: resume now -------------------------------------------------------

    async def ask_resume(self, ctx: Context) -> None:
        seen = await ctx.services.pauses.state(ctx.subscriber_id)
        if seen.current is None:  # resumed meanwhile (its day came)
            await ctx.finish(ctx._("Your service is not paused."))
            return
        ctx.say(
            ctx._(
                "Your service is paused until %(resume)s; it resumes by itself then. Resume it "
                "now, and only the days it was paused are added to your service.",
                resume=ctx.t.datetime(seen.current.resume_at),
            ),
            options=[
                ctx.option(RESUME, ctx._("Resume now")),
                ctx.option("cmd:menu", ctx._("Main menu")),
            ],
        )

    async def on_resume(self, ctx: Context) -> None:
        if ctx.input.choice != RESUME:
            await ctx.refuse(ctx._("Please choose one of the options below."))
            return
        try:
            await ctx.services.pauses.resume(ctx.subscriber_id)
        except DomainError as refused:
            await ctx.finish(pause_refusal_text(ctx.t, refused))
            return
        ctx.reads.forget()
        status = await ctx.reads.status(ctx.logged_in)
        await ctx.finish(resumed_text(ctx.t, status.ends_at))

    async def _refused(self, ctx: Context, refused: DomainError) -> None:
        text = pause_refusal_text(ctx.t, refused)
        if refused.code in ASK_AGAIN:
            await ctx.refuse(text)
        else:
            await ctx.finish(text)

    # ---- the steps ---------------------------------------------------------------------------
    DAYS = Step("days", ask_days, on_days)
    CONFIRM_STEP = Step("confirm", ask_confirm, on_confirm)
    RESUME_STEP = Step("resume", ask_resume, on_resume)
    first_step = DAYS


def fee_text(t: Texts, limits: PauseLimits) -> str:
    if not limits.fee:
        return t.gettext("Pausing is free.")
    return t.gettext(
        "A pause costs %(fee)s, paid from your wallet.", fee=t.money(limits.fee, limits.currency)
    )


def resumed_text(t: Texts, ends_at: datetime | None) -> str:
    if ends_at is None:
        return t.gettext("Your service runs again.")
    return t.gettext("Your service runs again; it now ends on %(end)s.", end=t.day(ends_at))


def pause_refusal_text(t: Texts, error: DomainError) -> str:
    """Why a pause (or a resume) is refused, and what to do; the chat's and the SMS's."""
    details = error.details
    code = error.code
    if code == "pause_not_offered":
        return t.gettext(
            "Pausing the service is not offered for your line. If you need a break, please "
            "talk to an agent."
        )
    if code == "pause_too_short":
        return t.gettext(
            "A pause is at least %(min_days)s days. Please choose more days.",
            min_days=details["min_days"],
        )
    if code == "pause_too_long":
        return t.gettext(
            "A pause is at most %(max_days)s days. Please choose fewer days.",
            max_days=details["max_days"],
        )
    if code == "pause_limit_reached":
        return t.ngettext(
            "You have used your %(n)s pause of the last 12 months. You can pause again from "
            "%(date)s.",
            "You have used your %(n)s pauses of the last 12 months. You can pause again from "
            "%(date)s.",
            int(details["times"]),
            date=t.day(datetime.fromisoformat(details["next_at"])),
        )
    if code == "pause_already_paused":
        return t.gettext(
            "Your service is already paused until %(date)s. You can resume it earlier at any time.",
            date=t.datetime(datetime.fromisoformat(details["resume_at"])),
        )
    if code == "pause_no_service":
        return t.gettext(
            "There is no paid service in force to pause: a pause keeps the days and traffic of "
            "a service you bought. Buy or renew one first."
        )
    if code == "pause_order_pending":
        return t.gettext(
            "Your order %(tracking_number)s for your service is waiting for its payment, and "
            "paid during a pause it would start while your line cannot connect. Pay it first, "
            "or pause after its payment link runs out at %(time)s.",
            tracking_number=t.digits(str(details["tracking_number"])),
            time=t.datetime(datetime.fromisoformat(details["payable_until"])),
        )
    if code == "pause_card_charge_pending":
        return t.gettext(
            "Your order %(tracking_number)s for your service is being charged to your saved "
            "card, and paid during a pause it would start while your line cannot connect. "
            "Please pause once its payment is settled.",
            tracking_number=t.digits(str(details["tracking_number"])),
        )
    if code == "pause_wallet_short":
        currency = str(details["currency"])
        return t.gettext(
            "A pause costs %(fee)s from your wallet, which is short of %(short)s. Top up your "
            "wallet first (Buy or renew, then Top up my wallet), then pause.",
            fee=t.money(int(details["fee"]), currency),
            short=t.money(int(details["short"]), currency),
        )
    if code == "pause_not_paused":
        return t.gettext("Your service is not paused.")
    if code == "invalid_pause_days":
        return t.gettext("Please send the number of days in figures, for example 14.")
    return error_text(t, error)


FLOWS = [PauseFlow()]
