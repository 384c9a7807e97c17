"""The message box: every notification sent, newest first, with when, where and why; and the
announcements of the last months, to read again.

```mermaid
flowchart LR
    page[messages, a page] -- More --> page
    page -- Announcements --> announcements[announcements, a page]
    announcements -- More --> announcements
    announcements -- one of them --> announcement[its text]
    announcement -- Announcements --> announcements
    announcements -- Message box --> page
```
"""

from __future__ import annotations

from typing import Any

from bot.dialogs.flow import Context, Flow, Step
from bot.dialogs.normalize import digits_of
from bot.dialogs.notice_reasons import reason_line
from bot.dialogs.operator_texts import in_language
from bot.i18n import N_
from core.inbox.queries import AnnouncementView, InboxRow

CHANNEL_NAMES: dict[str, str] = {
    "telegram": N_("Telegram"),
    "whatsapp": N_("WhatsApp"),
    "sms": N_("SMS"),
    "web": N_("Web chat"),
}
# Channels whose address is a phone number worth showing (a chat id means nothing to people).
PHONE_CHANNELS = {"sms", "whatsapp"}
PAGE_SIZE = 10
# Announcements a page, and the characters of one's text its option shows.
ANNOUNCEMENTS_PAGE = 5
LABEL_CHARACTERS = 40
ANNOUNCEMENT_PREFIX = "announcement:"


def reason_text(ctx: Context, kind: str, params: dict[str, Any]) -> str:
    return reason_line(ctx.t, kind, params, short=True)


def channel_name(ctx: Context, channel: str) -> str:
    label = CHANNEL_NAMES.get(channel)
    return ctx._(label) if label else channel


def where_text(ctx: Context, row: InboxRow) -> str:
    channel = channel_name(ctx, row.channel)
    if row.channel in PHONE_CHANNELS:
        phone = digits_of(row.address.removeprefix("whatsapp:"))
        if phone:
            return ctx._("%(channel)s to %(phone)s", channel=channel, phone=ctx.t.digits(phone))
    return channel


def row_text(ctx: Context, row: InboxRow) -> str:
    return ctx._(
        "%(when)s, %(where)s\n%(reason)s",
        when=ctx.t.datetime(row.sent_at),
        where=where_text(ctx, row),
        reason=reason_text(ctx, row.kind, row.params),
    )


def announcement_label(ctx: Context, announcement: AnnouncementView) -> str:
    text = " ".join(in_language(ctx.t, announcement.texts).split())
    if len(text) > LABEL_CHARACTERS:
        text = text[:LABEL_CHARACTERS].rstrip() + "…"
    return ctx._("%(date)s: %(text)s", date=ctx.t.day(announcement.starts_at), text=text)


class InboxFlow(Flow):
    name = "inbox"
    menu_label = N_("Message box")
    menu_order = 55

    async def begin(self, ctx: Context) -> None:
        ctx.data["offset"] = 0
        if ctx.data.get("view") == "announcements":
            await ctx.goto(self.ANNOUNCEMENTS)
            return
        rows = await ctx.services.inbox.list(ctx.subscriber_id, limit=1)
        if rows:
            await ctx.goto(self.first_step)
        elif await self._announcements(ctx, limit=1, offset=0):
            # Nothing sent yet, but announcements to read.
            ctx.say(ctx._("Your message box is empty: we have not sent you any messages."))
            await ctx.goto(self.ANNOUNCEMENTS)
        else:
            await ctx.finish(ctx._("Your message box is empty: we have not sent you any messages."))

    async def _announcements(
        self, ctx: Context, *, limit: int, offset: int
    ) -> list[AnnouncementView]:
        return await ctx.services.inbox.recent_announcements(
            ctx.subscriber_id,
            ctx.services.settings.announcements_shown_days,
            limit=limit,
            offset=offset,
        )

    # ---- the messages sent -------------------------------------------------------------------

    async def ask_page(self, ctx: Context) -> None:
        offset = int(ctx.data.get("offset", 0))
        rows = await ctx.services.inbox.list(ctx.subscriber_id, limit=PAGE_SIZE + 1, offset=offset)
        shown, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
        if offset == 0:
            title = ctx._("Messages we sent you, newest first:")
        else:
            title = ctx._("Older messages:")
        if not shown and offset:
            title = ctx._("There are no older messages.")
        elif not shown:
            title = ctx._("Your message box is empty: we have not sent you any messages.")
        text = "\n\n".join([title, *(row_text(ctx, row) for row in shown)])
        options = []
        if more:
            options.append(ctx.option("more", ctx._("More")))
        options.append(ctx.option("announcements", ctx._("Announcements")))
        options.append(ctx.option("cmd:menu", ctx._("Main menu")))
        ctx.say(text, options=options)

    async def on_page(self, ctx: Context) -> None:
        if ctx.input.choice == "more":
            ctx.data["offset"] = int(ctx.data.get("offset", 0)) + PAGE_SIZE
            await ctx.stay()
            return
        if ctx.input.choice == "announcements":
            ctx.data["announcements_offset"] = 0
            await ctx.goto(self.ANNOUNCEMENTS)
            return
        await ctx.refuse(ctx._("Please choose one of the options below."))

    # ---- the announcements -------------------------------------------------------------------

    async def ask_announcements(self, ctx: Context) -> None:
        offset = int(ctx.data.get("announcements_offset", 0))
        found = await self._announcements(ctx, limit=ANNOUNCEMENTS_PAGE + 1, offset=offset)
        shown, more = found[:ANNOUNCEMENTS_PAGE], len(found) > ANNOUNCEMENTS_PAGE
        if shown:
            title = ctx._("Our announcements, newest first: choose one to read it.")
        elif offset:
            title = ctx._("There are no older announcements.")
        else:
            title = ctx._("We have made no announcements for you lately.")
        options = [
            ctx.option(f"{ANNOUNCEMENT_PREFIX}{a.id}", announcement_label(ctx, a)) for a in shown
        ]
        if more:
            options.append(ctx.option("more", ctx._("More")))
        options.append(ctx.option("box", ctx._("Message box")))
        options.append(ctx.option("cmd:menu", ctx._("Main menu")))
        ctx.say(title, options=options)

    async def on_announcements(self, ctx: Context) -> None:
        choice = ctx.input.choice or ""
        if choice == "more":
            ctx.data["announcements_offset"] = (
                int(ctx.data.get("announcements_offset", 0)) + ANNOUNCEMENTS_PAGE
            )
            await ctx.stay()
            return
        if choice == "box":
            ctx.data["offset"] = 0
            await ctx.goto(self.PAGE)
            return
        number = choice.removeprefix(ANNOUNCEMENT_PREFIX)
        if choice.startswith(ANNOUNCEMENT_PREFIX) and number.isdigit() and len(number) < 10:
            ctx.data["announcement"] = int(number)
            await ctx.goto(self.ANNOUNCEMENT)
            return
        await ctx.refuse(ctx._("Please choose one of the options below."))

    async def ask_announcement(self, ctx: Context) -> None:
        found = await ctx.services.inbox.announcement(
            ctx.subscriber_id, int(ctx.data.get("announcement", 0))
        )
        options = [
            ctx.option("announcements", ctx._("Announcements")),
            ctx.option("cmd:menu", ctx._("Main menu")),
        ]
        if found is None:
            # An id no longer (or never) chosen for this subscriber: said, not shown.
            ctx.say(ctx._("That announcement is not there any more."), options=options)
            return
        text = ctx._(
            "Announcement of %(date)s:\n\n%(text)s",
            date=ctx.t.datetime(found.starts_at),
            text=in_language(ctx.t, found.texts),
        )
        ctx.say(text, options=options)

    async def on_announcement(self, ctx: Context) -> None:
        if ctx.input.choice == "announcements":
            await ctx.goto(self.ANNOUNCEMENTS)
            return
        await ctx.refuse(ctx._("Please choose one of the options below."))

    # ---- the steps ---------------------------------------------------------------------------
    PAGE = Step("page", ask_page, on_page)
    ANNOUNCEMENTS = Step("announcements", ask_announcements, on_announcements)
    ANNOUNCEMENT = Step("announcement", ask_announcement, on_announcement)
    first_step = PAGE


FLOWS = [InboxFlow()]
