"""The line's status: what it is now, what to do about it, and every change with its date."""

from __future__ import annotations

from bot.dialogs.flow import Context, Flow
from bot.i18n import N_
from core.accounts import queries
from core.accounts.enums import LineStatus

STATUS_NAMES: dict[str, str] = {
    LineStatus.IN_OPERATION: N_("In operation"),
    LineStatus.ISOLATED: N_("Isolated (deposit not paid)"),
    LineStatus.IN_COLLECTION_LIST: N_("In collection list"),
    LineStatus.DOCUMENTS_SUSPENDED: N_("Suspended for documents"),
    LineStatus.CLOSED: N_("Closed"),
}
ADVICE: dict[str, str] = {
    LineStatus.IN_OPERATION: N_("Your line is working normally."),
    LineStatus.ISOLATED: N_(
        "Your line is installed but blocked until the subscription deposit is paid. "
        "Once it is paid, the line is opened."
    ),
    LineStatus.IN_COLLECTION_LIST: N_(
        "Your service ran out and was not renewed, so the line is in the collection list. "
        "Buy or renew a service and the line works again straight away."
    ),
    LineStatus.DOCUMENTS_SUSPENDED: N_(
        "Your line is cut because a rejected document was not replaced in time. Send a valid "
        "copy from My documents; once it is approved, the line is opened again."
    ),
    LineStatus.CLOSED: N_(
        "Your line is closed. To use our service again, please contact our sales team."
    ),
}
# The newest changes the history shows (the seed's table can run for years).
_SHOWN = 15


def status_name(ctx: Context, status: str) -> str:
    return ctx._(STATUS_NAMES[status])


def paused_text(ctx: Context) -> str | None:
    """A paused service, said where the line's state is (My service, Line status): its line is
    in operation but does not connect until it resumes. None when not paused."""
    paused_until = ctx.logged_in.paused_until
    if paused_until is None or paused_until <= ctx.services.clock.now():
        return None
    return ctx._(
        "Paused until %(resume)s: the line cannot connect until then; your days and "
        "traffic are kept. To resume earlier: My account, Pause my service.",
        resume=ctx.t.datetime(paused_until),
    )


class LineStatusFlow(Flow):
    name = "line_status"
    menu_label = N_("Line status")
    menu_group = "account"
    menu_order = 45

    async def begin(self, ctx: Context) -> None:
        p = await queries.profile(ctx.subscriber_id)
        history = await queries.line_status_history(ctx.subscriber_id)
        lines = [
            ctx._("Your line is: %(status)s", status=status_name(ctx, p.line_status)),
            paused_text(ctx) or ctx._(ADVICE[p.line_status]),
        ]
        if history:
            lines += ["", ctx._("History of your line:")]
            if len(history) > _SHOWN:
                lines.append(ctx._("(the latest %(count)s changes)", count=_SHOWN))
            for change in history[-_SHOWN:]:
                lines.append(
                    ctx._(
                        "%(date)s: %(status)s",
                        date=ctx.t.datetime(change.changed_at),
                        status=status_name(ctx, change.status),
                    )
                )
        await ctx.finish("\n".join(lines))


FLOWS = [LineStatusFlow()]
