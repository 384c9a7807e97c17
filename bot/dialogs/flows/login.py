"""Logging in (username or registered mobile, then the panel password) and logging out."""

from __future__ import annotations

from bot.dialogs.errors import error_text
from bot.dialogs.flow import Context, Flow, Step
from bot.dialogs.flows.language import take_guests_pick
from bot.i18n import N_, subscriber_translator
from core.accounts.profile import missing_profile_fields
from core.accounts.queries import SubscriberView
from core.errors import DomainError


class LoginFlow(Flow):
    name = "login"
    needs_login = False
    menu_label = N_("Log in")
    menu_order = 1
    audience = "guest"

    async def begin(self, ctx: Context) -> None:
        if ctx.subscriber is not None:
            await ctx.finish(
                ctx._(
                    "You are already logged in as %(username)s.", username=ctx.subscriber.username
                )
            )
            return
        if ctx.data.get("then"):
            ctx.say(ctx._("Please log in first."))
        await ctx.goto(self.first_step)

    async def ask_identifier(self, ctx: Context) -> None:
        ctx.say(
            ctx._("Please send your username, or the mobile number registered for your line."),
            asks_contact=True,
        )

    async def on_identifier(self, ctx: Context) -> None:
        identifier = ctx.input.contact_phone or ctx.input.text
        if not identifier or not could_be_identifier(identifier):
            # A sentence ("how much traffic do I have") is no username: refused, so that what
            # it asks for is offered beside the question instead of being sent as a login.
            await ctx.refuse(ctx._("Please write your username or mobile number."))
            return
        ctx.data["identifier"] = identifier
        await ctx.goto(self.PASSWORD)

    async def ask_password(self, ctx: Context) -> None:
        ctx.say(ctx._("Now send your panel password."), secret=True)

    async def on_password(self, ctx: Context) -> None:
        ctx.mark_secret()
        password = ctx.input.raw.strip()
        if not password:
            await ctx.stay()
            return
        try:
            subscriber = await ctx.services.login.log_in(
                ctx.turn.channel, ctx.turn.chat_id, ctx.data["identifier"], password
            )
        except DomainError as error:
            if error.code == "login_locked":
                await ctx.finish(error_text(ctx.t, error))
                return
            raise
        then = ctx.data.get("then")
        then_data = ctx.data.get("then_data", {})
        await _welcome(ctx, subscriber)
        if then:
            await ctx.start(then, **then_data)
        else:
            await ctx.finish()

    # ---- the steps ---------------------------------------------------------------------------
    IDENTIFIER = Step("identifier", ask_identifier, on_identifier)
    PASSWORD = Step("password", ask_password, on_password)
    first_step = IDENTIFIER


def could_be_identifier(text: str) -> bool:
    """A username has no spaces; a mobile number may be typed in groups, with any separator
    ("0912 123 4567", "0912.123 4567", "+98 912 – 123 4567"): no letter in it."""
    return len(text.split()) == 1 or not any(c.isalpha() for c in text)


async def log_in_by_link(ctx: Context, token: str) -> None:
    """A one-time login link opened (Telegram's start parameter, the web chat's URL) or its
    code sent: the chat is logged in without the password, whatever it was doing."""
    try:
        subscriber = await ctx.services.login_links.redeem(
            ctx.turn.channel, ctx.turn.chat_id, token
        )
    except DomainError as error:
        await ctx.finish(error_text(ctx.t, error))
        return
    if not ctx.language_chosen:
        # A chat opened by the link has chosen no language yet: the account's is the guess
        # the person is likeliest to read (the language menu is one word away).
        await ctx.services.chats.set_language(
            ctx.turn.channel, ctx.turn.chat_id, subscriber.language.value
        )
        ctx.t = subscriber_translator(subscriber.language.value, subscriber, ctx.services.settings)
        ctx.language_chosen = True
    await _welcome(ctx, subscriber)
    await ctx.finish()


async def _welcome(ctx: Context, subscriber: SubscriberView) -> None:
    ctx.subscriber = subscriber
    if subscriber.timezone:
        ctx.t = ctx.t.in_zone(subscriber.timezone)
    ctx.say(ctx._("Welcome, %(name)s! You are logged in.", name=subscriber.full_name))
    picked = take_guests_pick(ctx)
    if picked is not None and picked != subscriber.language:
        # Alerts and SMS follow the language this person chose most recently; the chat's
        # language from a platform's hint (the browser's) was nobody's choice.
        await ctx.services.chats.set_language(ctx.turn.channel, ctx.turn.chat_id, picked)
    for text in await announcements(ctx):
        ctx.say(text)
    if missing_profile_fields(subscriber):
        ctx.say(
            ctx._(
                "Your profile is not complete yet. You can complete it under My account, "
                "then My profile."
            )
        )


async def announcements(ctx: Context) -> list[str]:
    """Announcements for this subscriber, in the chat's language (or the first one written)."""
    rows = await ctx.services.inbox.announcements_for(ctx.subscriber_id)
    texts = []
    for row in rows:
        text = row.texts.get(ctx.language) or next(iter(row.texts.values()), "")
        if text:
            texts.append(ctx._("Announcement: %(text)s", text=text))
    return texts


class LogoutFlow(Flow):
    name = "logout"
    menu_label = N_("Log out")
    menu_order = 95

    async def begin(self, ctx: Context) -> None:
        await ctx.services.chats.log_out(ctx.turn.channel, ctx.turn.chat_id)
        ctx.subscriber = None
        await ctx.finish(ctx._("You are logged out. Your account stays as it was."))


FLOWS = [LoginFlow(), LogoutFlow()]
