"""Check my connection ("my Internet does not work"), in one step: what the core's check found
(core/support/connection.py) and the one thing to do about it, offered as the flow that does it
(the free charge, a renewal, the deposit, documents, the internet password, resuming a paused
service). A known outage
offers "tell me when it is fixed"; when nothing explains it, a technical ticket that carries
the diagnosis. SMS gets the same finding in a short form (bot/dialogs/sms_connection.py).

```mermaid
flowchart LR
    check[diagnose] --> found{cause}
    found -->|days, traffic, line, paused, password, expired| fix([the flow that fixes it])
    found -->|outage| outage[ETA] -->|tell me| watch([told when repaired])
    outage -->|ticket anyway| ticket
    found -->|online / nothing| ticket([technical ticket with the diagnosis])
```
"""

from __future__ import annotations

from bot.dialogs.contract import Option
from bot.dialogs.errors import error_text
from bot.dialogs.flow import Context, Flow, Step
from bot.dialogs.flows.line_status import ADVICE, STATUS_NAMES
from bot.dialogs.flows.tickets import ticket_code
from bot.dialogs.menu import flow_choice
from bot.i18n import N_, Texts
from core.errors import DomainError
from core.radius.diagnosis import RadiusConnection
from core.support.connection import Block, Cause, ConnectionDiagnosis

WATCH = "cc:watch"
TICKET = "cc:ticket"
SUBJECT = N_("My Internet does not work (connection check)")


class ConnectionCheckFlow(Flow):
    name = "connection_check"
    menu_label = N_("Check my connection")
    # Beside Support tickets: what to try before writing one.
    menu_order = 52

    async def begin(self, ctx: Context) -> None:
        diagnosis = await ctx.services.connection_checks.diagnose(ctx.subscriber_id)
        # Kept as said: a resumed or repeated question shows the check it answers, not a new one.
        ctx.data["outage_id"] = diagnosis.outage.id if diagnosis.outage else None
        ctx.data["text"] = "\n\n".join(finding_lines(ctx.t, diagnosis))
        ctx.data["options"] = [[o.id, o.label] for o in next_steps(ctx, diagnosis)]
        await ctx.goto(self.NEXT)

    async def ask_next(self, ctx: Context) -> None:
        options = [ctx.option(option_id, label) for option_id, label in ctx.data["options"]]
        ctx.say(ctx.data["text"], options=options)

    async def on_next(self, ctx: Context) -> None:
        choice = ctx.input.choice
        if choice == WATCH and ctx.data.get("outage_id"):
            try:
                await ctx.services.connection_checks.watch_outage(
                    ctx.subscriber_id, int(ctx.data["outage_id"])
                )
            except DomainError as error:
                await ctx.finish(error_text(ctx.t, error))
                return
            await ctx.finish(
                ctx._("Done: we will tell you here as soon as the disruption is repaired.")
            )
        elif choice == TICKET and any(o[0] == TICKET for o in ctx.data["options"]):
            await self._open_ticket(ctx)
        else:
            await ctx.refuse(ctx._("Please choose one of the options below."))

    async def _open_ticket(self, ctx: Context) -> None:
        t = ctx.t
        try:
            ticket, _ = await ctx.services.connection_checks.open_ticket(
                ctx.subscriber_id,
                ctx._(SUBJECT),
                lambda d: ticket_body(t, d),
                channel=ctx.turn.channel,
                chat_external_id=ctx.turn.chat_id,
            )
        except DomainError as error:
            if error.code == "connection_check_explained":
                # Something changed since the check (the traffic ran out...): check again.
                await ctx.start(self.name)
                return
            await ctx.finish(error_text(ctx.t, error))
            return
        await ctx.finish(
            ctx._(
                "Your technical ticket is open. Its number is %(number)s. It already tells our "
                "team what the check found; we will answer you here.",
                number=ticket_code(ctx, ticket.number),
            )
        )

    NEXT = Step("next", ask_next, on_next)
    first_step = NEXT


def next_steps(ctx: Context, d: ConnectionDiagnosis) -> list[Option]:
    """The options under the finding: what fixes it first, the menu last."""
    options: list[tuple[str, str]] = []
    cause = d.cause
    if cause in (Cause.NO_SERVICE, Cause.OUT_OF_DAYS, Cause.OUT_OF_TRAFFIC):
        if d.free_charge:
            options.append((flow_choice("free_charge"), ctx._("Take the free charge")))
        if cause is Cause.OUT_OF_TRAFFIC:
            options.append((flow_choice("buy", asked="buy_traffic"), ctx._("Buy traffic")))
        options.append((flow_choice("buy", asked="service"), ctx._("Renew my service")))
    elif cause is Cause.LINE_BLOCKED:
        options += _line_fixes(ctx, d.block)
    elif cause is Cause.PAUSED:
        options.append((flow_choice("pause"), ctx._("Resume now")))
    elif cause is Cause.OUTAGE:
        options.append((WATCH, ctx._("Tell me when it is fixed")))
        options.append((TICKET, ctx._("Open a technical ticket anyway")))
    elif cause is Cause.WRONG_PASSWORD:
        options.append((flow_choice("internet_password"), ctx._("Set the internet password again")))
    elif cause in (Cause.ACCOUNT_EXPIRED, Cause.REFUSED_BLOCKED):
        options.append((TICKET, ctx._("Open a technical ticket")))
    else:
        options.append((TICKET, ctx._("Open a technical ticket")))
    options.append((flow_choice("agent"), ctx._("Talk to an agent")))
    options.append(("cmd:menu", ctx._("Main menu")))
    return [Option(option_id, label) for option_id, label in options]


def _line_fixes(ctx: Context, block: Block | None) -> list[tuple[str, str]]:
    if block is Block.DEPOSIT:
        return [(flow_choice("deposit"), ctx._("Pay the deposit"))]
    if block is Block.BILL:
        return [(flow_choice("bills"), ctx._("Bills"))]
    if block is Block.DOCUMENTS:
        return [(flow_choice("documents"), ctx._("My documents"))]
    if block is Block.COLLECTION:
        return [(flow_choice("buy", asked="service"), ctx._("Renew my service"))]
    return [(flow_choice("line_status"), ctx._("Line status"))]


def blocked_text(t: Texts, d: ConnectionDiagnosis) -> str:
    """Why the line is blocked and what opens it."""
    owed = t.money(d.owed, d.currency)
    if d.block is Block.DEPOSIT:
        return t.gettext(
            "Your line is isolated until its deposit and installation fee (%(owed)s) are paid. "
            "Pay them and the line opens at once.",
            owed=owed,
        )
    if d.block is Block.BILL:
        return t.gettext(
            "Your line is isolated because a bill (%(owed)s) is unpaid. Pay it under Bills and "
            "the line opens at once.",
            owed=owed,
        )
    if d.block is Block.ISOLATED:
        return t.gettext("Your line is isolated by our team. Please talk to an agent to open it.")
    return t.gettext(
        "Your line is: %(status)s. %(advice)s",
        status=t.gettext(STATUS_NAMES[d.line_status]),
        advice=t.gettext(ADVICE[d.line_status]),
    )


def ticket_body(t: Texts, d: ConnectionDiagnosis) -> str:
    """The ticket's first message, in the subscriber's words: what the check found, without
    the advice (the agents' card shows the diagnosis itself)."""
    lines = [t.gettext("My Internet does not work. The connection check found:")]
    return "\n\n".join(lines + finding_lines(t, d, advice=False))


def finding_lines(t: Texts, d: ConnectionDiagnosis, *, advice: bool = True) -> list[str]:
    """What the check found, in the subscriber's words: the cause and what to do, then what
    RADIUS saw (when it was read)."""
    cause = d.cause
    lines: list[str] = []
    if cause is Cause.LINE_BLOCKED:
        lines.append(blocked_text(t, d))
    elif cause is Cause.PAUSED and d.paused_until is not None:
        lines.append(
            t.gettext(
                "Your service is paused until %(resume)s, so the line cannot connect until then. "
                "Your days and traffic are kept. You can resume it now.",
                resume=t.datetime(d.paused_until),
            )
        )
    elif cause is Cause.NO_SERVICE:
        lines.append(
            t.gettext("You have no active service at the moment, so the line cannot connect.")
        )
    elif cause is Cause.OUT_OF_DAYS:
        lines.append(t.gettext("Your service has run out of days, so the line cannot connect."))
    elif cause is Cause.OUT_OF_TRAFFIC:
        lines.append(t.gettext("Your traffic has run out, so the line cannot connect."))
    elif cause is Cause.OUTAGE and d.outage is not None:
        lines.append(outage_text(t, d))
    elif cause is Cause.WRONG_PASSWORD and d.radius is not None:
        lines.append(
            t.gettext(
                "Your modem tried to connect at %(when)s with a wrong internet password. Set the "
                "password again here and enter the same one in the modem.",
                when=_when(t, d.radius),
            )
        )
    elif cause is Cause.ACCOUNT_EXPIRED and d.radius is not None:
        lines.append(
            t.gettext(
                "Your modem was refused at %(when)s because your service had ended then. It is "
                "in force now: restart the modem. If it still does not connect, open a technical "
                "ticket.",
                when=_when(t, d.radius),
            )
        )
    elif cause is Cause.REFUSED_BLOCKED and d.radius is not None:
        lines.append(
            t.gettext(
                "Your modem was refused at %(when)s because your line was blocked then. It is "
                "open now: restart the modem. If it still does not connect, open a technical "
                "ticket.",
                when=_when(t, d.radius),
            )
        )
    if cause in (Cause.ONLINE, Cause.UNEXPLAINED):
        lines.append(
            t.gettext(
                "Your service is active, your line is in operation and we know of no outage on it."
            )
        )
    radius = radius_line(t, d)
    if radius:
        lines.append(radius)
    if not advice:
        return lines
    if cause is Cause.ONLINE:
        lines.append(
            t.gettext(
                "Your line is connected, so the problem is likely between the modem and your "
                "device: check the Wi-Fi or the cable, and restart the modem. If it still does "
                "not work, open a technical ticket."
            )
        )
    elif cause is Cause.UNEXPLAINED:
        lines.append(
            t.gettext(
                "Restart the modem and check its cables. If it still does not connect, open a "
                "technical ticket: it will carry what this check found."
            )
        )
    return lines


def outage_text(t: Texts, d: ConnectionDiagnosis) -> str:
    assert d.outage is not None
    texts = d.outage.texts
    said = texts.get(t.language) or texts.get("en") or ""
    text = t.gettext("A known outage affects your line: %(text)s", text=said)
    if d.outage.estimated_repair_at is not None:
        text += "\n" + t.gettext(
            "Expected repair: %(when)s", when=t.datetime(d.outage.estimated_repair_at)
        )
    return text


def radius_line(t: Texts, d: ConnectionDiagnosis) -> str | None:
    """What RADIUS saw: online (since, IP, the session's traffic) or offline since; None
    when RADIUS is not configured (nothing is said of it)."""
    if not d.radius_configured:
        return None
    r = d.radius
    if r is None:
        return t.gettext("Whether your line is connected cannot be checked right now.")
    if r.online:
        return t.gettext(
            "Connected since %(start)s (IP %(ip)s); this session: %(down)s down, %(up)s up.",
            start=t.datetime(r.since) if r.since else "-",
            ip=r.ip or "-",
            down=t.traffic(r.session_download_bytes, "MB"),
            up=t.traffic(r.session_upload_bytes, "MB"),
        )
    if r.since is None:
        return t.gettext("Your line has not connected yet.")
    return t.gettext(
        "Your line is offline; the last connection ended %(end)s.", end=t.datetime(r.since)
    )


def _when(t: Texts, r: RadiusConnection) -> str:
    return t.datetime(r.rejected_at) if r.rejected_at else "-"


FLOWS = [ConnectionCheckFlow()]
