"""My account → Notifications: the channel alerts try first, and the kinds the subscriber mutes.

Only the kinds core/alerts/preferences.py lets be muted are offered; the others (payments,
bills, documents, tickets, agents) are said to always come. The channels offered are those the
subscriber can be reached on now (their chats, SMS to the registered mobile), and "the chat I
used last", the usual order.

```mermaid
flowchart LR
    overview -- Where alerts go first --> channel
    channel -- a channel, or the chat used last --> overview
    overview -- Mute or turn on a kind --> overview
```
"""

from __future__ import annotations

from bot.dialogs.errors import add_messages
from bot.dialogs.flow import Context, Flow, Step
from bot.dialogs.flows.inbox import channel_name
from bot.i18n import N_
from core.alerts import kinds
from core.alerts.preferences import MUTABLE, NoticeSettings

KIND_LABELS: dict[str, str] = {
    kinds.EXPIRY: N_("Reminders before your service ends"),
    kinds.LOW_TRAFFIC: N_("Low traffic"),
    kinds.FREE_CHARGE_ENDING: N_("Free charge ending"),
    kinds.ANNOUNCEMENT: N_("Announcements"),
    kinds.OUTAGE: N_("Service disruptions"),
}
add_messages(
    {
        "channel_not_reachable": N_(
            "Alerts cannot reach you there now. Please choose one of the channels listed."
        ),
        "unknown_channel": N_("Please choose one of the channels listed."),
        "notice_kind_mandatory": N_(
            "Those messages are about your payments, bills, documents or tickets, so they "
            "always come."
        ),
        "unknown_notice_kind": N_("Please choose one of the options below."),
    }
)
MUTE, UNMUTE, TO_CHANNEL, USUAL = "mute:", "unmute:", "channel:", "channel:usual"


def kind_label(ctx: Context, kind: str) -> str:
    return ctx._(KIND_LABELS.get(kind, kind))


def first_channel_text(ctx: Context, settings: NoticeSettings) -> str:
    if settings.preferred_channel is None:
        return ctx._("the chat you used last")
    return channel_name(ctx, settings.preferred_channel)


class NotificationsFlow(Flow):
    name = "notifications"
    menu_label = N_("Notifications")
    menu_order = 70
    menu_group = "account"

    async def ask_overview(self, ctx: Context) -> None:
        settings = await ctx.services.notice_preferences.of(ctx.subscriber_id)
        lines = [
            ctx._("Alerts go first to: %(channel)s.", channel=first_channel_text(ctx, settings)),
            "",
        ]
        for kind in MUTABLE:
            if kind in settings.muted:
                lines.append(ctx._("%(kind)s: muted", kind=kind_label(ctx, kind)))
            else:
                lines.append(ctx._("%(kind)s: on", kind=kind_label(ctx, kind)))
        lines += [
            "",
            ctx._(
                "Messages about your payments, bills, documents and tickets, and from our "
                "agents, always come."
            ),
        ]
        options = [ctx.option("channel", ctx._("Where alerts go first"))]
        for kind in MUTABLE:
            if kind in settings.muted:
                label = ctx._("Turn on: %(kind)s", kind=kind_label(ctx, kind))
                options.append(ctx.option(UNMUTE + kind, label))
            else:
                label = ctx._("Mute: %(kind)s", kind=kind_label(ctx, kind))
                options.append(ctx.option(MUTE + kind, label))
        options.append(ctx.option("cmd:menu", ctx._("Main menu")))
        ctx.say("\n".join(lines), options=options)

    async def on_overview(self, ctx: Context) -> None:
        choice = ctx.input.choice or ""
        if choice == "channel":
            await ctx.goto(self.CHANNEL)
            return
        for prefix, muted in ((MUTE, True), (UNMUTE, False)):
            kind = choice.removeprefix(prefix)
            if choice.startswith(prefix) and kind in MUTABLE:
                await ctx.services.notice_preferences.mute(ctx.subscriber_id, kind, muted)
                if muted:
                    ctx.say(ctx._("Done: %(kind)s muted.", kind=kind_label(ctx, kind)))
                else:
                    ctx.say(ctx._("Done: %(kind)s turned on.", kind=kind_label(ctx, kind)))
                await ctx.stay()
                return
        await ctx.refuse(ctx._("Please choose one of the options below."))

    async def ask_channel(self, ctx: Context) -> None:
        settings = await ctx.services.notice_preferences.of(ctx.subscriber_id)
        options = [
            ctx.option(TO_CHANNEL + channel, channel_name(ctx, channel))
            for channel in settings.reachable
        ]
        options.append(ctx.option(USUAL, ctx._("The chat I used last")))
        ctx.say(
            ctx._(
                "Which channel should alerts try first? If it cannot take one, the others "
                "are tried."
            ),
            options=options,
        )

    async def on_channel(self, ctx: Context) -> None:
        choice = ctx.input.choice or ""
        if not choice.startswith(TO_CHANNEL):
            await ctx.refuse(ctx._("Please choose one of the options below."))
            return
        channel = None if choice == USUAL else choice.removeprefix(TO_CHANNEL)
        # A channel not (or no longer) reachable is refused by the core, in words.
        settings = await ctx.services.notice_preferences.prefer(ctx.subscriber_id, channel)
        ctx.say(
            ctx._(
                "Done: alerts go first to %(channel)s.",
                channel=first_channel_text(ctx, settings),
            )
        )
        await ctx.goto(self.OVERVIEW)

    # ---- the steps ---------------------------------------------------------------------------
    OVERVIEW = Step("overview", ask_overview, on_overview)
    CHANNEL = Step("channel", ask_channel, on_channel)
    first_step = OVERVIEW


FLOWS = [NotificationsFlow()]
