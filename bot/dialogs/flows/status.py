"""My service, the panel's main page: the line's status and, with RADIUS configured, whether it
is online; the active plan, days and traffic left, what is bought ahead, static and route IP,
wallet."""

from __future__ import annotations

from bot.dialogs.flow import Context, Flow
from bot.dialogs.flows.line_status import paused_text, status_name
from bot.i18n import N_
from core.accounts.enums import LineStatus
from core.radius.presence import LinePresence

# The line status's name on this page: an isolated line's cause (a deposit, a bill) is said by
# the line under it, so its name here does not guess one.
ISOLATED = N_("Isolated")


class StatusFlow(Flow):
    name = "status"
    menu_label = N_("My service")
    menu_order = 10

    async def begin(self, ctx: Context) -> None:
        await ctx.finish(await status_text(ctx))


async def status_text(ctx: Context) -> str:
    # The turn's reads: the menu under this text asks whether the free charge is available too.
    status = await ctx.reads.status(ctx.logged_in)
    free_charge_available = await ctx.reads.free_charge_available(ctx.logged_in)
    balance = await ctx.reads.wallet_balance(ctx.logged_in)
    currency = ctx.subscriber.currency if ctx.subscriber else ctx.services.settings.currency
    t = ctx.t
    line_status = (
        ctx._(ISOLATED)
        if status.line_status == LineStatus.ISOLATED
        else status_name(ctx, status.line_status)
    )
    lines = [ctx._("Line status: %(status)s", status=line_status)]
    paused = paused_text(ctx)
    if paused is not None:
        lines.append(paused)
    presence: LinePresence | None = None
    radius = ctx.services.radius
    if radius is not None:
        presence = await radius.presence(ctx.logged_in.username, now=ctx.services.clock.now())
        lines.append(presence_text(ctx, presence))
    if status.plan is None:
        lines.append(ctx._("You have no active service at the moment."))
    else:
        lines.append(ctx._("Your service: %(plan)s", plan=ctx.t.plan_name(status.plan)))
        if status.on_free_charge:
            lines.append(ctx._("(This is your one-time free charge.)"))
        if status.ends_at is not None:
            lines.append(
                ctx._(
                    "Days left: %(days)s (until %(end)s)",
                    days=status.remaining_days,
                    end=t.datetime(status.ends_at),
                )
            )
    if status.unlimited:
        lines.append(ctx._("Traffic left: unlimited"))
    elif status.plan is not None or status.remaining_bytes:
        lines.append(
            ctx._("Traffic left: %(traffic)s", traffic=t.traffic(status.remaining_bytes or 0))
        )
    for ahead in status.ahead:
        lines.append(
            ctx._(
                "Bought ahead: %(plan)s, from %(start)s",
                plan=ctx.t.plan_name(ahead.plan),
                start=t.day(ahead.starts_at),
            )
        )
    if status.reserve_bytes:
        lines.append(ctx._("Reserve traffic: %(traffic)s", traffic=t.traffic(status.reserve_bytes)))
    if status.static_ip:
        if status.static_ip_until is not None:
            lines.append(
                ctx._(
                    "Static IP: %(ip)s, paid until %(until)s",
                    ip=status.static_ip,
                    until=t.day(status.static_ip_until),
                )
            )
        else:
            lines.append(ctx._("Static IP: %(ip)s", ip=status.static_ip))
    # The route the network gives the line is the truth; the subscriber's record is the fallback.
    route = (presence.route if presence else None) or status.route_ip
    if route:
        lines.append(ctx._("Route IP: %(route)s", route=route))
    lines.append(ctx._("Wallet credit: %(amount)s", amount=t.money(balance, currency)))

    blocked = blocked_line_text(ctx)
    if blocked is not None:
        # No purchase opens such a line: what it needs is said instead of "buy or renew".
        lines.append(blocked)
        return "\n".join(lines)

    days_out = status.plan is not None and status.days_ran_out
    traffic_out = status.plan is not None and status.traffic_ran_out
    if days_out and traffic_out:
        lines.append(ctx._("Your days and your traffic have run out."))
    elif days_out:
        lines.append(ctx._("Your days have run out."))
    elif traffic_out:
        lines.append(ctx._("Your traffic has run out."))
    if status.plan is None or days_out or traffic_out:
        if free_charge_available:
            lines.append(
                ctx._("To connect again, choose Buy or renew, or take your one-time Free charge.")
            )
        else:
            lines.append(ctx._("To connect again, choose Buy or renew."))
    return "\n".join(lines)


def presence_text(ctx: Context, presence: LinePresence | None) -> str:
    """Online (since when, at which address) or offline (since the last session ended)."""
    t = ctx.t
    if presence is None:
        return ctx._("Online or offline: cannot be checked right now. Please try again later.")
    if presence.online:
        if presence.since is None:
            return ctx._("Online now")
        if presence.ip:
            return ctx._(
                "Online since %(start)s, IP %(ip)s",
                start=t.datetime(presence.since),
                ip=presence.ip,
            )
        return ctx._("Online since %(start)s", start=t.datetime(presence.since))
    if presence.since is None:
        return ctx._("Offline: no connection yet")
    return ctx._("Offline since %(end)s", end=t.datetime(presence.since))


def blocked_line_text(ctx: Context) -> str | None:
    """Why the line is blocked whatever is bought, and what opens it; None when it is not."""
    line = ctx.logged_in
    status = LineStatus(line.line_status)
    if status == LineStatus.ISOLATED:
        owed = line.deposit_due + line.installation_fee_due
        if owed > 0:
            return ctx._(
                "Your line is isolated until its deposit and installation fee (%(owed)s) are "
                "paid. Choose Pay the deposit below: the line opens as soon as it is paid.",
                owed=ctx.t.money(owed, line.currency),
            )
        if line.unpaid_bills_due > 0:
            return ctx._(
                "Your line is isolated because a bill (%(owed)s) is unpaid. Choose Bills, then Pay "
                "the open bill: the line opens as soon as it is paid.",
                owed=ctx.t.money(line.unpaid_bills_due, line.currency),
            )
        return ctx._(
            "Your line is isolated. Please talk to an agent or open a support ticket to have it "
            "opened."
        )
    if status == LineStatus.DOCUMENTS_SUSPENDED:
        return ctx._(
            "Your line is cut because no valid document came in time. Please upload your "
            "documents (My documents): the line opens once they are approved."
        )
    if status == LineStatus.CLOSED:
        return ctx._("This line is closed. To open it again, please talk to an agent.")
    return None


FLOWS = [StatusFlow()]
